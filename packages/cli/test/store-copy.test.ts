/** `timon store copy`: the real binary copying a SQLite history, run twice, then against a conflicting target. */
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Monitor } from '@timon/core'
import { SqliteStore } from '@timon/store-sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseEnv, ensureBuilt, exec, tempDir } from './helpers.js'

const tmp = tempDir()
const env = baseEnv(tmp.dir)
const source = join(tmp.dir, 'source.db')
const target = join(tmp.dir, 'target.db')

beforeAll(async () => {
  ensureBuilt()
  const store = new SqliteStore({ database: source })
  const monitor = new Monitor({ store })
  await monitor.pushProbe({ code: 'db.backup', health: 'critical', comment: 'failed' })
  await monitor.openIncident({ title: 'Power cut' })
  await store.close()
})
afterAll(() => tmp.remove())

describe('timon store copy', () => {
  it('prints the rows copied per table, then nothing new on a second run', async () => {
    const first = await exec(['store', 'copy', `sqlite:${source}`, `sqlite:${target}`], env)
    expect(first).toMatchObject({ status: 0, stderr: '' })
    expect(first.stdout).toMatch(/^contracts {8}1 copied, 0 already there$/m)
    expect(first.stdout).toMatch(/^incidents {8}2 copied, 0 already there$/m)
    expect(first.stdout).toMatch(/\n\d+ row\(s\) copied\n$/)

    const second = await exec(['store', 'copy', `sqlite:${source}`, `sqlite:${target}`, '--json'], env)
    expect(second.status).toBe(0)
    const { tables } = JSON.parse(second.stdout) as {
      tables: Array<{ table: string; source: number; copied: number; present: number }>
    }
    expect(tables.find(({ table }) => table === 'incidents')).toEqual({
      table: 'incidents',
      source: 2,
      copied: 0,
      present: 2,
    })
    expect(tables.every(({ copied }) => copied === 0)).toBe(true)
  })

  it('exits 1 naming the conflicting rows of a target that differs', async () => {
    const db = new BetterSqlite3(target)
    db.exec("UPDATE incidents SET title = 'Another' WHERE id = 2")
    db.close()
    const result = await exec(['store', 'copy', `sqlite:${source}`, `sqlite:${target}`], env)
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(
      /1 row\(s\) of incidents in the target conflict .*nothing was copied\n\s+incidents 2: differs in title\n/,
    )
  })

  it('refuses a location it does not know, with the usage', async () => {
    const result = await exec(['store', 'copy', `sqlite:${source}`, 'mysql://db/timon'], env)
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('"mysql://db/timon" must be sqlite:<path> or a postgres:// URL')
  })
})
