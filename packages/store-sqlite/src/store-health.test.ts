import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { DEFAULT_RULES, StoreFault, type Rules } from '@timon/core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { storeFaultOf } from './faults.js'
import { SqliteStore } from './sqlite-store.js'

const root = mkdtempSync(join(tmpdir(), 'timon-store-health-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let fileCount = 0
const freshPath = () => join(root, `health-${++fileCount}.db`)

const open: SqliteStore[] = []
afterEach(async () => {
  for (const store of open.splice(0)) await store.close().catch(() => undefined)
})
const track = (store: SqliteStore) => {
  open.push(store)
  return store
}

describe('SqliteStore faults and health', () => {
  it('refuses at open a file whose pages were overwritten with garbage', async () => {
    const path = await fileWithContracts(300)
    smashPage(path, rootPageOf(path, 'contracts'))
    const opening = () => new SqliteStore({ database: path })
    expect(opening).toThrow(StoreFault)
    expect(faultOf(opening)).toMatchObject({ kind: 'corrupt', message: expect.stringMatching(/corrupted|integrity/) })
  })

  it('refuses a file that is not a database at all', () => {
    const path = freshPath()
    smashPage(path, 1)
    expect(faultOf(() => new SqliteStore({ database: path }))).toMatchObject({ kind: 'corrupt' })
  })

  it('without the check, opens a corrupted file, then fails its reads with a corrupt fault and reports it', async () => {
    const path = await fileWithContracts(300)
    smashPage(path, rootPageOf(path, 'contracts'))
    const store = track(new SqliteStore({ database: path, integrityCheck: 'off' }))
    expect(await store.health()).toEqual({ ok: true })
    const reading = store.transaction((tx) => tx.findContract('probe-150'))
    await expect(reading).rejects.toBeInstanceOf(StoreFault)
    await expect(reading).rejects.toMatchObject({ kind: 'corrupt' })
    expect(await store.health()).toMatchObject({
      ok: false,
      kind: 'corrupt',
      reason: expect.stringContaining('SQLITE_CORRUPT'),
    })
    // a corruption stays reported: a later transaction that works does not clear it
    await store.transaction((tx) => tx.nextDeliveryAt())
    expect(await store.health()).toMatchObject({ ok: false, kind: 'corrupt' })
  })

  it('fails a write on a full disk with a full fault, reported until a transaction commits again', async () => {
    const handle = new BetterSqlite3(freshPath())
    const store = track(new SqliteStore({ database: handle }))
    // The file may not grow past its current size: the next page SQLite needs hits SQLITE_FULL.
    handle.pragma(`max_page_count = ${handle.pragma('page_count', { simple: true }) as number}`)
    const filling = store.transaction(async (tx) => {
      for (let i = 0; i < 1_000; i++) await tx.insertContract(contract(`probe-${i}-${'x'.repeat(500)}`))
    })
    await expect(filling).rejects.toBeInstanceOf(StoreFault)
    await expect(filling).rejects.toMatchObject({ kind: 'full', message: expect.stringContaining('SQLITE_FULL') })
    expect(await store.health()).toMatchObject({ ok: false, kind: 'full', reason: expect.stringContaining('disk') })
    // nothing of the failed transaction was kept
    expect(await store.transaction((tx) => tx.findContract(`probe-0-${'x'.repeat(500)}`))).toBeUndefined()

    handle.pragma('max_page_count = 1000000')
    await store.transaction((tx) => tx.insertContract(contract('after')))
    expect(await store.health()).toEqual({ ok: true })
  })

  it('names SQLite storage errors by kind and leaves the others alone', () => {
    const sqliteError = (code: string) => Object.assign(new Error(code.toLowerCase()), { code })
    expect(storeFaultOf(sqliteError('SQLITE_FULL'))?.kind).toBe('full')
    expect(storeFaultOf(sqliteError('SQLITE_CORRUPT_INDEX'))?.kind).toBe('corrupt')
    expect(storeFaultOf(sqliteError('SQLITE_NOTADB'))?.kind).toBe('corrupt')
    expect(storeFaultOf(sqliteError('SQLITE_IOERR_WRITE'))?.kind).toBe('unavailable')
    expect(storeFaultOf(sqliteError('SQLITE_BUSY'))?.kind).toBe('unavailable')
    expect(storeFaultOf(sqliteError('SQLITE_CONSTRAINT_UNIQUE'))).toBeUndefined()
    expect(storeFaultOf(new Error('boom'))).toBeUndefined()
  })
})

// --- internal ---

const RULES: Rules = DEFAULT_RULES

function contract(code: string) {
  return { code, kind: 'probe' as const, rules: RULES, createdAt: new Date(0) }
}

/** A closed database file (checkpointed: no WAL left) holding `count` contracts. */
async function fileWithContracts(count: number): Promise<string> {
  const path = freshPath()
  const store = new SqliteStore({ database: path })
  await store.transaction(async (tx) => {
    for (let i = 0; i < count; i++) await tx.insertContract(contract(`probe-${i}`))
  })
  await store.close()
  return path
}

function rootPageOf(path: string, table: string): number {
  const db = new BetterSqlite3(path, { readonly: true })
  try {
    return (db.prepare('SELECT rootpage FROM sqlite_schema WHERE name = ?').get(table) as { rootpage: number }).rootpage
  } finally {
    db.close()
  }
}

/** Overwrites page `page` (1-based, 4 KiB pages) with garbage, creating the file if needed. */
function smashPage(path: string, page: number): void {
  const fd = openSync(path, existsSync(path) ? 'r+' : 'w') // not append mode, where writes ignore the offset
  try {
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, (page - 1) * 4096)
  } finally {
    closeSync(fd)
  }
}

function faultOf(act: () => unknown): unknown {
  try {
    act()
  } catch (error) {
    return error
  }
  throw new Error('expected a fault')
}
