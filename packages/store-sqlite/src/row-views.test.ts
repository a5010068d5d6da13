import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { RowViewQuery } from './row-views.js'

describe('RowViewQuery', () => {
  const db = new BetterSqlite3(':memory:')
  db.exec(
    `CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT NOT NULL, at INTEGER); INSERT INTO t VALUES (1, 'a', NULL), (2, 'b', 5)`,
  )
  const query = new RowViewQuery<{ id: number; code: string; at: number | null }>(
    db.prepare('SELECT * FROM t WHERE code = ?'),
  )

  it('reads each column by name, as the row object would', () => {
    const row = query.get('b')
    expect([row?.id, row?.code, row?.at]).toEqual([2, 'b', 5])
    expect(query.get('a')?.at).toBeNull()
  })

  it('answers undefined when no row matches', () => {
    expect(query.get('z')).toBeUndefined()
  })
})
