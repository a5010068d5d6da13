import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { packageVersion } from './package-version.js'

describe('packageVersion', () => {
  it('reads the version of the package that holds a module, 0.0.0 when there is none', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    expect(packageVersion(import.meta.url)).toBe(manifest.version)
    expect(packageVersion('file:///nonexistent/dist/x.js')).toBe('0.0.0')
  })
})
