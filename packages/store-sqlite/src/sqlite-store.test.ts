import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { DEFAULT_RULES, type Store, type StoreTx } from '@timon/core'
import { describeStoreConformance } from '@timon/core/conformance'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SchemaVersionError, type Migration } from '@timon/sql-common'
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate } from './migrations.js'
import { SqliteStore } from './sqlite-store.js'

const root = mkdtempSync(join(tmpdir(), 'timon-store-sqlite-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let fileCount = 0
const freshPath = () => join(root, `timon-${process.pid}-${++fileCount}.db`)

const paths = new WeakMap<Store, string>()
const openFile = (path = freshPath()) => {
  const store = new SqliteStore({ database: path })
  paths.set(store, path)
  return store
}

describeStoreConformance('sqlite (file)', () => openFile(), {
  reopen: (closed) => {
    const path = paths.get(closed)
    if (path === undefined) throw new Error('not a store of this test')
    return openFile(path)
  },
})

describeStoreConformance('sqlite (:memory:)', () => new SqliteStore({ database: ':memory:' }))

// The daemon's setting: transactions share commits.
describeStoreConformance(
  'sqlite (shared commits)',
  () => new SqliteStore({ database: freshPath(), shareCommits: true }),
)

describe('SqliteStore', () => {
  let path: string
  const open: Store[] = []
  const store = (database: string | BetterSqlite3.Database = path) => {
    const s = new SqliteStore({ database })
    open.push(s)
    return s
  }
  /** A second, plain connection to look at the file. */
  const inspect = <T>(look: (db: BetterSqlite3.Database) => T): T => {
    const db = new BetterSqlite3(path)
    try {
      return look(db)
    } finally {
      db.close()
    }
  }

  beforeEach(() => {
    path = freshPath()
  })

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close()
  })

  it('creates a new database file readable by its owner only, whatever the umask', async () => {
    const previous = process.umask(0)
    try {
      const s = store()
      await s.transaction((t) => t.insertContract({ code: 'p', kind: 'probe', rules: RULES, createdAt: new Date() }))
    } finally {
      process.umask(previous)
    }
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600)
  })

  it('checkpoints the WAL into the database file once idle for a second', async () => {
    const s = store()
    await s.transaction((t) => t.insertContract({ code: 'p', kind: 'probe', rules: RULES, createdAt: new Date() }))
    /** The contracts the database file holds by itself, without its WAL. */
    const inFile = () => {
      const copy = `${path}-copy`
      copyFileSync(path, copy)
      const db = new BetterSqlite3(copy, { readonly: true })
      try {
        const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'contracts'`).get() as {
          n: number
        }
        return tables.n === 0 ? 0 : (db.prepare('SELECT count(*) AS n FROM contracts').get() as { n: number }).n
      } finally {
        db.close()
        rmSync(copy)
      }
    }
    expect(inFile()).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 1300))
    expect(inFile()).toBe(1)
  })

  it('opens the file in WAL mode with foreign keys on, synchronous FULL', () => {
    const handle = new BetterSqlite3(path)
    store(handle)
    expect(handle.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(handle.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(handle.pragma('synchronous', { simple: true })).toBe(2) // FULL
    expect(handle.pragma('busy_timeout', { simple: true })).toBe(5000)
    expect(inspect((db) => db.pragma('journal_mode', { simple: true }))).toBe('wal')
  })

  it('trades durability on power loss for speed with synchronous: normal', () => {
    const handle = new BetterSqlite3(path)
    open.push(new SqliteStore({ database: handle, synchronous: 'normal' }))
    expect(handle.pragma('synchronous', { simple: true })).toBe(1) // NORMAL
  })

  it('keeps data across close and reopen', async () => {
    const first = store()
    const contract = await first.transaction((t) =>
      t.insertContract({
        code: 'db.backup',
        kind: 'probe',
        rules: RULES,
        createdAt: new Date('2025-01-01T00:00:00.001Z'),
      }),
    )
    await first.close()
    open.splice(open.indexOf(first), 1)
    expect(await store().transaction((t) => t.findContract('db.backup'))).toEqual(contract)
  })

  it('closes only once a running transaction has committed', async () => {
    const s = new SqliteStore({ database: path })
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const running = s.transaction(async (t) => {
      await gate
      return t.insertContract({ code: 'late', kind: 'probe', rules: RULES, createdAt: new Date() })
    })
    const closing = s.close()
    release()
    const contract = await running
    await closing
    expect(await store().transaction((t) => t.findContract('late'))).toEqual(contract)
  })

  it('still cascades deletes after the database is closed and reopened', async () => {
    const first = store()
    const { contract, run } = await first.transaction(async (t) => {
      const contract = await t.insertContract({ code: 'job', kind: 'job', rules: RULES, createdAt: new Date() })
      const run = await t.insertRun({
        contractId: contract.id,
        uid: '0123456789ab',
        startedAt: new Date(),
        startComment: null,
        rules: RULES,
        overtimeAt: null,
      })
      await t.insertStep({ reportId: run.id, label: 'dump', health: 'healthy', at: new Date() })
      const incident = await t.insertIncident({
        triggerType: 'critical',
        title: 'job is critical',
        description: null,
        contractId: contract.id,
        openedAt: new Date(),
      })
      await t.insertIncidentEvent({
        incidentId: incident.id,
        type: 'opened',
        reportId: run.id,
        note: 'n',
        isSystem: true,
        at: new Date(),
      })
      return { contract, run }
    })
    await first.close()
    open.splice(open.indexOf(first), 1)

    const second = store()
    await second.transaction((t) => t.deleteContract(contract.id))
    expect(await second.transaction((t) => t.getReport(run.id))).toBeUndefined()
    await second.close()
    open.splice(open.indexOf(second), 1)
    const counts = inspect((db) =>
      ['reports', 'steps', 'incidents', 'incident_events'].map(
        (table) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
      ),
    )
    expect(counts).toEqual([0, 0, 0, 0])
  })

  it('applies migrations once: reopening changes nothing', async () => {
    await store().transaction(async () => undefined)
    for (const s of open.splice(0)) await s.close()
    await store().transaction(async () => undefined)
    for (const s of open.splice(0)) await s.close()
    const versions = inspect((db) => db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all())
    expect(versions).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })))
    expect(inspect((db) => migrate(db))).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION })
  })

  it('refuses a database whose schema is newer than the code', async () => {
    await store().transaction(async () => undefined)
    for (const s of open.splice(0)) await s.close()
    const newer = LATEST_SCHEMA_VERSION + 1
    inspect((db) =>
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(newer, 'future', 0),
    )

    const opening = () => new SqliteStore({ database: path })
    expect(opening).toThrow(SchemaVersionError)
    expect(opening).toThrow(
      `database schema version ${newer} is newer than this Timon supports (${LATEST_SCHEMA_VERSION}); upgrade Timon`,
    )
    // nothing was changed, and the file is not left open
    expect(inspect((db) => db.prepare('SELECT max(version) AS v FROM schema_migrations').get())).toEqual({ v: newer })
  })

  it('rolls back a migration that fails, recording nothing', () => {
    const db = new BetterSqlite3(':memory:')
    const broken: Migration[] = [
      ...MIGRATIONS,
      {
        version: LATEST_SCHEMA_VERSION + 1,
        name: 'broken',
        sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM nowhere;',
      },
    ]
    migrate(db)
    expect(() => migrate(db, broken)).toThrow(/nowhere/)
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 })
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: LATEST_SCHEMA_VERSION })
    db.close()
  })

  it('keeps incidents, their timelines and cascades when migration 2 rebuilds the incidents table', () => {
    const db = new BetterSqlite3(':memory:')
    db.exec('PRAGMA foreign_keys = ON')
    migrate(db, MIGRATIONS.slice(0, 1))
    db.exec(`
      INSERT INTO contracts (id, code, kind, overlap_incident, created_at) VALUES (1, 'db.backup', 'job', 1, 0);
      INSERT INTO incidents (id, state, trigger_type, title, contract_id, opened_at) VALUES (7, 'open', 'stale', 'db.backup is stale', 1, 5);
      INSERT INTO incident_events (incident_id, type, note, is_system, at) VALUES (7, 'opened', 'went stale', 1, 5);
    `)
    expect(migrate(db)).toEqual({ from: 1, to: LATEST_SCHEMA_VERSION })
    expect(db.prepare('SELECT id, trigger_type FROM incidents').all()).toEqual([{ id: 7, trigger_type: 'stale' }])
    expect(db.prepare('SELECT note FROM incident_events WHERE incident_id = 7').all()).toEqual([{ note: 'went stale' }])
    expect(db.prepare('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 })
    db.exec(
      `INSERT INTO incidents (state, trigger_type, title, contract_id, opened_at) VALUES ('open', 'missed', 'db.backup missed its 03:00 run', 1, 9)`,
    )
    db.exec('DELETE FROM contracts WHERE id = 1')
    expect(db.prepare('SELECT count(*) AS n FROM incident_events').get()).toEqual({ n: 0 })
    db.close()
  })

  it('numbers its migrations 1, 2, 3… without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    expect(() => migrate(new BetterSqlite3(':memory:'), [{ version: 2, name: 'gap', sql: '' }])).toThrow(/expected 1/)
  })

  it('answers the deadline and outbox queries from their partial indexes', async () => {
    const handle = new BetterSqlite3(':memory:')
    const prepared: string[] = []
    const prepare = handle.prepare.bind(handle)
    handle.prepare = ((text: string) => {
      prepared.push(text)
      return prepare(text)
    }) as typeof handle.prepare
    const s = store(handle)
    const planOf = async (query: (t: StoreTx) => Promise<unknown>) => {
      prepared.length = 0
      await s.transaction(query)
      const [text, ...others] = prepared.filter((candidate) => /^\s*select/i.test(candidate))
      expect(others).toEqual([])
      const params = Array.from(text?.matchAll(/\?/g) ?? [], () => 0)
      return (prepare(`EXPLAIN QUERY PLAN ${text}`).all(params) as { detail: string }[])
        .map((row) => row.detail)
        .join('\n')
    }
    const now = new Date()
    const dueContracts = await planOf((t) => t.dueContracts(now, 10))
    expect(dueContracts).toMatch(/SEARCH contracts USING INDEX contracts_stale_at \(stale_at<\?\)/)
    expect(dueContracts).toMatch(/SEARCH contracts USING INDEX contracts_stale_incident_at \(stale_incident_at<\?\)/)
    expect(await planOf((t) => t.dueRuns(now, 10))).toMatch(
      /SEARCH reports USING INDEX reports_overtime_at \(overtime_at>\? AND overtime_at<\?\)/,
    )
    const nextDeadline = await planOf((t) => t.nextDeadline())
    expect(await planOf((t) => t.dueMissed(now, 10))).toMatch(
      /SEARCH contracts USING INDEX contracts_missed_at \(missed_at>\? AND missed_at<\?\)/,
    )
    for (const index of [
      'contracts_stale_at',
      'contracts_stale_incident_at',
      'reports_overtime_at',
      'contracts_missed_at',
    ]) {
      expect(nextDeadline).toMatch(new RegExp(`SEARCH \\w+ USING (COVERING )?INDEX ${index}`))
    }
    const dueDeliveries = await planOf((t) => t.dueDeliveries(now, 10))
    expect(dueDeliveries).toMatch(/SEARCH d USING INDEX deliveries_pending_due \(status=\? AND next_attempt_at<\?\)/)
    expect(dueDeliveries).toMatch(
      /SEARCH o USING COVERING INDEX deliveries_pending_order \(target=\? AND ordering_key=\? AND id<\?\)/,
    )
    expect(await planOf((t) => t.nextDeliveryAt())).toMatch(
      /SEARCH deliveries USING COVERING INDEX deliveries_pending_due/,
    )
    expect(await planOf((t) => t.listActiveIncidents())).toMatch(/USING INDEX incidents_active/)
    expect(await planOf((t) => t.activeIncident(1, 'stale'))).toMatch(/USING INDEX incidents_one_active/)
  })

  it('answers the incident query, newest first and paged, from the (opened_at, id) index', async () => {
    const handle = new BetterSqlite3(':memory:')
    const prepared: string[] = []
    const prepare = handle.prepare.bind(handle)
    handle.prepare = ((text: string) => {
      prepared.push(text)
      return prepare(text)
    }) as typeof handle.prepare
    const s = store(handle)
    await s.transaction((t) =>
      t.queryIncidents({ states: ['open'], before: { openedAt: new Date(), id: 9 }, since: new Date(0), limit: 10 }),
    )
    const text = prepared.find((candidate) => /from "incidents"/i.test(candidate)) ?? ''
    const params = Array.from(text.matchAll(/\?/g), () => 0)
    const plan = (prepare(`EXPLAIN QUERY PLAN ${text}`).all(params) as { detail: string }[])
      .map((row) => row.detail)
      .join('\n')
    expect(plan).toMatch(/SEARCH incidents USING INDEX incidents_opened/)
    expect(plan).not.toMatch(/TEMP B-TREE/)
  })
})

// --- internal ---

const RULES = DEFAULT_RULES
