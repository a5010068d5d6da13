import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { COPIED_TABLES, Monitor, TokenService, copyStores, type Store } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { SqliteCopyDatabase, SqliteStore } from '@timon/store-sqlite'
import { PostgresStore } from '@timon/store-postgres'
import { afterAll, describe, expect, it } from 'vitest'
import {
  SKIPPED_WITHOUT_DATABASE,
  ScratchSchemas,
  TEST_DATABASE_URL,
} from '../../store-postgres/test/scratch-schemas.js'
import { copyStore, parseStoreLocation, type StoreLocation } from '../src/store-copy.js'

const dir = mkdtempSync(join(tmpdir(), 'timon-store-copy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const sqliteFile = () => join(dir, `timon-${++files}.db`)
const at = (text: string) => parseStoreLocation(text)._unsafeUnwrap()

/**
 * A history made by driving a Monitor: probes (stale, critical), a job with steps that failed, a
 * manual incident annotated and resolved, a silence holding an incident, deliveries, tokens.
 */
async function makeHistory(store: Store): Promise<void> {
  const clock = new FakeClock('2026-03-01T00:00:00Z')
  let uid = 0
  let delivery = 0
  const monitor = new Monitor({
    store,
    clock,
    notifications: { targetsFor: () => ['ops-hook'] },
    ids: { uid: () => (++uid).toString(16).padStart(12, '0'), deliveryId: () => `delivery-${++delivery}` },
  })
  const tokens = new TokenService({ store, clock })
  const ok = async <T>(result: Promise<{ _unsafeUnwrap(): T }>) => (await result)._unsafeUnwrap()
  await ok(monitor.pushProbe({ code: 'db.backup', health: 'healthy', staleIncidentAfter: '1h', comment: 'nightly' }))
  await ok(monitor.pushProbe({ code: 'web.disk', health: 'critical', comment: 'disk 97% — full' }))
  const run = await ok(monitor.startJob({ code: 'etl.daily', overtimeIncidentAfter: '30m', comment: 'start' }))
  await ok(
    monitor.pushStep({ code: 'etl.daily', uid: run.run.uid, label: 'extract', health: 'healthy', detail: 'rows: 12' }),
  )
  clock.advance('10m')
  await ok(
    monitor.pushStep({
      code: 'etl.daily',
      uid: run.run.uid,
      label: 'load',
      health: 'critical',
      end: true,
      endComment: 'failed',
      exit: { code: 2, signal: null },
    }),
  )
  const manual = await ok(monitor.openIncident({ title: 'Power cut', description: 'rack 3' }))
  await ok(monitor.annotate({ id: manual.incident.id, note: 'on generator' }))
  clock.advance('2h')
  await ok(monitor.check())
  await ok(monitor.resolve({ id: manual.incident.id, note: 'mains back' }))
  await ok(monitor.addSilence({ pattern: 'web.*', for: '1d', comment: 'maintenance' }))
  await ok(monitor.pushProbe({ code: 'web.api', health: 'critical' }))
  await ok(monitor.pushProbe({ code: 'web.disk', health: 'healthy' }))
  await ok(monitor.emit('timon.started'))
  await ok(tokens.create({ name: 'ci', scope: 'push', codes: ['etl.*', 'db.*'], expiresInMs: 86_400_000 }))
  await ok(tokens.create({ name: 'old', scope: 'admin' }))
  await ok(tokens.revoke('old'))
}

/** Every copied table of a SQLite file, read directly, rows by key; JSON text parsed. */
function dumpSqlite(path: string): Record<string, unknown[]> {
  const db = new BetterSqlite3(path, { readonly: true })
  try {
    return Object.fromEntries(
      COPIED_TABLES.map(({ name, key }) => {
        const rows = db.prepare(`SELECT * FROM ${name} ORDER BY ${key}`).all() as Array<Record<string, unknown>>
        return [
          name,
          rows.map((row) =>
            'event' in row && name === 'deliveries' ? { ...row, event: JSON.parse(String(row.event)) } : row,
          ),
        ]
      }),
    )
  } finally {
    db.close()
  }
}

async function copy(from: StoreLocation, to: StoreLocation) {
  return (await copyStore(from, to))._unsafeUnwrap().tables
}

describe('timon store copy between SQLite files', () => {
  it('copies a whole history with ids kept, and a second copy changes nothing', async () => {
    const source = sqliteFile()
    const store = new SqliteStore({ database: source })
    await makeHistory(store)
    await store.close()
    const target = sqliteFile()

    const first = await copy(at(`sqlite:${source}`), at(`sqlite:${target}`))
    const before = dumpSqlite(source)
    expect(dumpSqlite(target)).toEqual(before)
    for (const { table, source: read, copied, present } of first) {
      expect({ table, copied, present }).toEqual({ table, copied: before[table]?.length, present: 0 })
      expect(read).toBe(copied)
    }
    expect(first.every(({ source: read }) => read > 0)).toBe(true)

    const second = await copy(at(`sqlite:${source}`), at(`sqlite:${target}`))
    expect(second.map(({ table, copied, present }) => ({ table, copied, present }))).toEqual(
      first.map(({ table, copied }) => ({ table, copied: 0, present: copied })),
    )
    expect(dumpSqlite(target)).toEqual(before)
  })

  it('reports a target row with the same id and other content, and copies nothing', async () => {
    const source = sqliteFile()
    const store = new SqliteStore({ database: source })
    await makeHistory(store)
    await store.close()
    const target = sqliteFile()
    await copy(at(`sqlite:${source}`), at(`sqlite:${target}`))
    const db = new BetterSqlite3(target)
    db.exec(
      "UPDATE incidents SET title = 'Someone else''s incident' WHERE id = 1; DELETE FROM steps; DELETE FROM tokens",
    )
    db.close()
    const edited = dumpSqlite(target)

    const result = await copyStore(at(`sqlite:${source}`), at(`sqlite:${target}`))
    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'conflict',
      conflicts: [{ table: 'incidents', key: 1, columns: ['title'] }],
    })
    expect(result._unsafeUnwrapErr().message).toMatch(
      /1 row\(s\) of incidents in the target conflict .*first: 1, which differs in title.*nothing was copied/,
    )
    expect(dumpSqlite(target)).toEqual(edited)
  })

  it('reports a row that clashes on a unique value under another id', async () => {
    const source = sqliteFile()
    const sourceStore = new SqliteStore({ database: source })
    await new Monitor({ store: sourceStore }).pushProbe({ code: 'db.backup', health: 'healthy' })
    await sourceStore.close()
    const target = sqliteFile()
    const targetStore = new SqliteStore({ database: target })
    const monitor = new Monitor({ store: targetStore })
    await monitor.pushProbe({ code: 'other', health: 'healthy' })
    await monitor.pushProbe({ code: 'db.backup', health: 'healthy' })
    await targetStore.close()

    const error = (await copyStore(at(`sqlite:${source}`), at(`sqlite:${target}`)))._unsafeUnwrapErr()
    expect(error).toMatchObject({
      kind: 'conflict',
      conflicts: [{ table: 'contracts', key: 1, columns: ['code', 'created_at'] }],
    })
  })

  it('refuses a source written by a newer Timon, and one that does not exist', async () => {
    const source = sqliteFile()
    await new SqliteStore({ database: source }).close()
    const db = new BetterSqlite3(source)
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run()
    db.close()
    const error = (await copyStore(at(`sqlite:${source}`), at(`sqlite:${sqliteFile()}`)))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'schema_version' })
    expect(error.message).toMatch(/schema version 999 is newer than this Timon supports .*upgrade Timon/)

    const missing = (
      await copyStore(at(`sqlite:${join(dir, 'none.db')}`), at(`sqlite:${sqliteFile()}`))
    )._unsafeUnwrapErr()
    expect(missing).toMatchObject({ kind: 'open' })
    expect(missing.message).toMatch(/^cannot open sqlite:.*none\.db/)
  })

  it('copies in batches, resuming after the last key of each', async () => {
    const source = sqliteFile()
    const store = new SqliteStore({ database: source })
    await makeHistory(store)
    await store.close()
    const target = sqliteFile()
    const from = await SqliteCopyDatabase.open({ path: source, write: false })
    const to = await SqliteCopyDatabase.open({ path: target, write: true })
    try {
      const report = (await copyStores(from, to, { batchSize: 2 }))._unsafeUnwrap()
      expect(report.tables.find(({ table }) => table === 'incident_events')?.copied).toBeGreaterThan(4)
      expect(dumpSqlite(target)).toEqual(dumpSqlite(source))
    } finally {
      await from.close()
      await to.close()
    }
  })

  it('inserts fewer rows at a time than asked when they would bind more parameters than SQLite takes', async () => {
    const source = sqliteFile()
    const store = new SqliteStore({ database: source })
    const monitor = new Monitor({ store })
    for (let n = 0; n < 1300; n++) (await monitor.pushProbe({ code: `probe.${n}`, health: 'healthy' }))._unsafeUnwrap()
    await store.close()
    const target = sqliteFile()
    const from = await SqliteCopyDatabase.open({ path: source, write: false })
    const to = await SqliteCopyDatabase.open({ path: target, write: true })
    try {
      // 28 columns of reports × 1300 rows would be 36,400 parameters in one insert.
      const report = (await copyStores(from, to, { batchSize: 5000 }))._unsafeUnwrap()
      expect(report.tables.find(({ table }) => table === 'reports')).toMatchObject({ source: 1300, copied: 1300 })
      expect(dumpSqlite(target)).toEqual(dumpSqlite(source))
    } finally {
      await from.close()
      await to.close()
    }
  })

  it('refuses a source table it does not know, and a target without a column of the source', async () => {
    const source = sqliteFile()
    await new SqliteStore({ database: source }).close()
    const withExtra = new BetterSqlite3(source)
    withExtra.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)')
    withExtra.close()
    const unknown = (await copyStore(at(`sqlite:${source}`), at(`sqlite:${sqliteFile()}`)))._unsafeUnwrapErr()
    expect(unknown).toEqual({
      kind: 'schema_mismatch',
      message: `sqlite:${source}: table(s) notes unknown to the copy`,
    })

    const plain = sqliteFile()
    await new SqliteStore({ database: plain }).close()
    const target = sqliteFile()
    await new SqliteStore({ database: target }).close()
    const narrowed = new BetterSqlite3(target)
    narrowed.exec('ALTER TABLE silences DROP COLUMN comment')
    narrowed.close()
    const missing = (await copyStore(at(`sqlite:${plain}`), at(`sqlite:${target}`)))._unsafeUnwrapErr()
    expect(missing).toEqual({ kind: 'schema_mismatch', message: `sqlite:${target}: silences has no column(s) comment` })
  })

  it('reads store locations, and refuses anything else', () => {
    expect(parseStoreLocation('sqlite:/var/lib/timon/timon.db')._unsafeUnwrap()).toEqual({
      kind: 'sqlite',
      path: '/var/lib/timon/timon.db',
    })
    expect(parseStoreLocation('sqlite:///var/lib/timon/timon.db')._unsafeUnwrap()).toEqual({
      kind: 'sqlite',
      path: '/var/lib/timon/timon.db',
    })
    expect(parseStoreLocation('sqlite:timon.db')._unsafeUnwrap()).toEqual({ kind: 'sqlite', path: 'timon.db' })
    expect(parseStoreLocation('postgres://timon@db:5432/timon?schema=t1&sslmode=require')._unsafeUnwrap()).toEqual({
      kind: 'postgres',
      url: 'postgres://timon@db:5432/timon?sslmode=require',
      schema: 't1',
    })
    expect(parseStoreLocation('mysql://timon:hunter2@db/timon')._unsafeUnwrapErr()).toBe(
      '"mysql://timon:***@db/timon" must be sqlite:<path> or a postgres:// URL',
    )
    expect(parseStoreLocation('sqlite:')._unsafeUnwrapErr()).toMatch(/no file/)
  })
})

if (TEST_DATABASE_URL === undefined) {
  console.warn(SKIPPED_WITHOUT_DATABASE)
  describe.skip(SKIPPED_WITHOUT_DATABASE, () => {
    it('copies SQLite to PostgreSQL and back', () => {})
  })
} else {
  const url = TEST_DATABASE_URL
  const schemas = new ScratchSchemas(url)
  afterAll(() => schemas.dropAll())
  const postgres = (schema: string) => at(`${url}${url.includes('?') ? '&' : '?'}schema=${schema}`)

  describe('timon store copy between SQLite and PostgreSQL', () => {
    it('copies SQLite to PostgreSQL and back table by table, idempotently, with INC codes and next ids kept', async () => {
      const source = sqliteFile()
      const store = new SqliteStore({ database: source })
      await makeHistory(store)
      const sqliteMonitor = new Monitor({ store })
      const incidentIds = (dumpSqlite(source).incidents as Array<{ id: number }>).map(({ id }) => id)
      const sqliteViews = {
        status: (await sqliteMonitor.status())._unsafeUnwrap(),
        incidents: await Promise.all(
          incidentIds.map(async (id) => (await sqliteMonitor.showIncident(id))._unsafeUnwrap()),
        ),
      }
      expect(incidentIds.length).toBeGreaterThanOrEqual(4)
      await store.close()
      const schema = schemas.next()

      const toPostgres = await copy(at(`sqlite:${source}`), postgres(schema))
      expect(toPostgres.every(({ copied, source: read }) => copied === read && read > 0)).toBe(true)
      expect(
        (await copy(at(`sqlite:${source}`), postgres(schema))).every(
          ({ copied, present, source: read }) => copied === 0 && present === read,
        ),
      ).toBe(true)

      // The PostgreSQL store reads the same history, by the same ids.
      const pgStore = await PostgresStore.open({ url, schema })
      try {
        const pgMonitor = new Monitor({ store: pgStore })
        expect((await pgMonitor.status())._unsafeUnwrap()).toEqual(sqliteViews.status)
        for (const incident of sqliteViews.incidents)
          expect((await pgMonitor.showIncident(incident.incident.id))._unsafeUnwrap()).toEqual(incident)
      } finally {
        await pgStore.close()
      }

      const back = sqliteFile()
      const toSqlite = await copy(postgres(schema), at(`sqlite:${back}`))
      expect(toSqlite.map(({ table, copied }) => ({ table, copied }))).toEqual(
        toPostgres.map(({ table, copied }) => ({ table, copied })),
      )
      expect(dumpSqlite(back)).toEqual(dumpSqlite(source))
      expect((await copy(postgres(schema), at(`sqlite:${back}`))).every(({ copied }) => copied === 0)).toBe(true)

      // Identity sequences continue after the copied ids.
      const after = await PostgresStore.open({ url, schema })
      try {
        const opened = (await new Monitor({ store: after }).openIncident({ title: 'after the move' }))._unsafeUnwrap()
        expect(opened.incident.id).toBe(Math.max(...incidentIds) + 1)
      } finally {
        await after.close()
      }
    })

    it('refuses a PostgreSQL target a daemon is serving', async () => {
      const schema = schemas.next()
      const served = await PostgresStore.open({ url, schema })
      await served.heartbeat({ name: 'web-1', startedAt: new Date(), version: '0.1.0' })
      await served.close()
      const source = sqliteFile()
      await new SqliteStore({ database: source }).close()
      const error = (await copyStore(at(`sqlite:${source}`), postgres(schema)))._unsafeUnwrapErr()
      expect(error).toMatchObject({ kind: 'open' })
      expect(error.message).toMatch(
        /daemon\(s\) web-1 seen on it within the last minute: stop them before copying into it$/,
      )
    })

    it('reports a PostgreSQL target row that differs, copying nothing', async () => {
      const source = sqliteFile()
      const store = new SqliteStore({ database: source })
      await makeHistory(store)
      await store.close()
      const schema = schemas.next()
      await copy(at(`sqlite:${source}`), postgres(schema))
      await schemas.query(schema, "UPDATE tokens SET codes = '{x.*}' WHERE id = 1; DELETE FROM silences")

      const error = (await copyStore(at(`sqlite:${source}`), postgres(schema)))._unsafeUnwrapErr()
      expect(error).toMatchObject({ kind: 'conflict', conflicts: [{ table: 'tokens', key: 1, columns: ['codes'] }] })
      expect(await schemas.query(schema, 'SELECT id FROM silences')).toEqual([])
    })
  })
}
