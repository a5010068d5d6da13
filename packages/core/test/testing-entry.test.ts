import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CORE = new URL('..', import.meta.url).pathname
const ROOT_MODULES = new URL('../../../node_modules/', import.meta.url).pathname

/**
 * An app directory that has the built `@timon/core` and its dependencies, and no vitest: what a
 * `node --test` user has.
 */
let app: string

beforeAll(() => {
  if (!existsSync(join(CORE, 'dist', 'testing', 'index.js')))
    throw new Error('build first (npx tsc -b): the test imports dist/')
  app = mkdtempSync(join(tmpdir(), 'timon-core-app-'))
  const installed = join(app, 'node_modules', '@timon', 'core')
  mkdirSync(installed, { recursive: true })
  cpSync(join(CORE, 'package.json'), join(installed, 'package.json'))
  cpSync(join(CORE, 'dist'), join(installed, 'dist'), { recursive: true })
  for (const dependency of ['neverthrow', 'zod'])
    symlinkSync(join(ROOT_MODULES, dependency), join(app, 'node_modules', dependency))
})

afterAll(() => {
  rmSync(app, { recursive: true, force: true })
})

/** Runs an ES module in the app directory; its stdout, or the error's stderr. */
function run(source: string): { ok: boolean; output: string } {
  try {
    return {
      ok: true,
      output: execFileSync(process.execPath, ['--input-type=module', '-e', source], {
        cwd: app,
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    }
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: unknown }).stderr) }
  }
}

describe('@timon/core/testing', () => {
  it('imports without vitest, so node --test users get FakeClock', () => {
    const result = run(
      "import { FakeClock } from '@timon/core/testing'\nconst clock = new FakeClock()\nclock.advance('5m')\nconsole.log(clock.now().toISOString())",
    )
    expect(result).toEqual({ ok: true, output: '2025-01-01T00:05:00.000Z\n' })
  })

  it('leaves the conformance suite, which needs vitest, to @timon/core/conformance', () => {
    const result = run("import '@timon/core/conformance'")
    expect(result.ok).toBe(false)
    expect(result.output).toMatch(/ERR_MODULE_NOT_FOUND[\s\S]*vitest|Cannot find package 'vitest'/)
  })
})
