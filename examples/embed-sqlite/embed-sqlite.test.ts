import { execFileSync } from 'node:child_process'
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

describe('examples/embed-sqlite', () => {
  it('runs against the built packages and leaves a private SQLite file', () => {
    const database = join(mkdtempSync(join(tmpdir(), 'timon-embed-')), 'app.db')
    const out = execFileSync(process.execPath, [new URL('./main.js', import.meta.url).pathname, database], {
      encoding: 'utf8',
    })
    expect(out).toContain('rejected: invalid code "Not A Code"')
    expect(out).toContain('INC-1 open nightly.export is critical')
    expect(out).toContain('myapp.health healthy')
    expect(out).toContain('nightly.export critical')
    expect(out).toContain('next deadline: ')
    expect(statSync(database).mode & 0o777).toBe(0o600)
  })
})
