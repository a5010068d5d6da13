import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import {
  type Contract,
  type ContractPatch,
  DEFAULT_RULES,
  type Incident,
  type IncidentPatch,
  Monitor,
  NEW_CONTRACT_STATE,
  type NotificationRouter,
  type StoreTx,
} from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TransactionStatement } from './group-commit.js'
import { RowCache } from './row-cache.js'
import { type ContractRow, contracts } from './rows/contracts.js'
import { type IncidentRow, incidents } from './rows/incidents.js'
import { SqliteStore } from './sqlite-store.js'

const root = mkdtempSync(join(tmpdir(), 'timon-row-cache-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let fileCount = 0
const freshPath = () => join(root, `cache-${process.pid}-${++fileCount}.db`)

describe('RowCache', () => {
  /** A cache whose `PRAGMA data_version` is `version.value`, and a runner of transaction statements. */
  const cacheOf = (capacity?: number) => {
    const version = { value: 1 }
    const cache = new RowCache(() => version.value, capacity)
    const run = (...statements: TransactionStatement[]) => {
      for (const statement of statements) cache.transactionStatement(statement, () => {})
    }
    return { cache, version, run }
  }

  it('forgets the least recently used contract beyond its capacity, with its incidents', () => {
    const { cache, run } = cacheOf(2)
    run('BEGIN IMMEDIATE')
    cache.contractRead(contract(1, 'a'))
    cache.contractRead(contract(2, 'b'))
    cache.activeIncidentsRead(2, [incident(10, 2)])
    cache.contractByCode('a') // a is now the most recently used
    cache.contractRead(contract(3, 'c'))
    expect(cache.size).toBe(2)
    expect(cache.contractByCode('b')).toBeUndefined()
    expect(cache.contractById(2)).toBeUndefined()
    expect(cache.activeIncidents(2)).toBeUndefined()
    expect(cache.contractByCode('a')?.id).toBe(1)
    expect(cache.contractById(3)?.code).toBe('c')
    cache.contractById(3)
    cache.contractRead(contract(4, 'd'))
    expect([cache.contractById(1), cache.contractById(3)?.id, cache.contractById(4)?.id]).toEqual([undefined, 3, 4])
  })

  it('keeps nothing with a capacity of 0', () => {
    const { cache } = cacheOf(0)
    cache.contractRead(contract(1, 'a'))
    cache.activeIncidentsRead(1, [])
    cache.contractInserted(contract(2, 'b'))
    expect([cache.size, cache.contractByCode('a'), cache.activeIncidents(1)]).toEqual([0, undefined, undefined])
  })

  it('keeps active incidents only alongside their contract', () => {
    const { cache } = cacheOf()
    cache.activeIncidentsRead(1, [incident(10, 1)])
    expect(cache.activeIncidents(1)).toBeUndefined()
    cache.contractRead(contract(1, 'a'))
    cache.activeIncidentsRead(1, [])
    expect(cache.activeIncidents(1)).toEqual([])
  })

  it('keeps what a transaction wrote once its COMMIT succeeded, and what a rolled-back one only read', () => {
    const { cache, run } = cacheOf()
    run('BEGIN IMMEDIATE')
    cache.contractRead(contract(1, 'a'))
    cache.contractUpdated(1, { failureStreak: 3 })
    run('COMMIT', 'BEGIN IMMEDIATE')
    expect(cache.contractById(1)?.failureStreak).toBe(3)
    cache.contractRead(contract(2, 'b'))
    run('ROLLBACK', 'BEGIN IMMEDIATE')
    expect(cache.size).toBe(2)
  })

  it('forgets everything when a transaction that wrote rolls back', () => {
    const { cache, run } = cacheOf()
    run('BEGIN IMMEDIATE')
    cache.contractRead(contract(1, 'a'))
    run('COMMIT', 'BEGIN IMMEDIATE')
    cache.contractUpdated(1, { failureStreak: 3 })
    run('ROLLBACK')
    expect(cache.size).toBe(0)
  })

  it('forgets everything when a transaction that wrote ends without COMMIT or ROLLBACK (SQLite rolled it back)', () => {
    const { cache, run } = cacheOf()
    run('BEGIN IMMEDIATE')
    cache.contractRead(contract(1, 'a'))
    cache.contractUpdated(1, { failureStreak: 3 })
    expect(cache.contractById(1)?.failureStreak).toBe(3)
    run('BEGIN IMMEDIATE')
    expect(cache.size).toBe(0)
  })

  it('forgets everything when a COMMIT fails', () => {
    const { cache, run } = cacheOf()
    run('BEGIN IMMEDIATE')
    cache.contractRead(contract(1, 'a'))
    cache.contractUpdated(1, { failureStreak: 3 })
    expect(() =>
      cache.transactionStatement('COMMIT', () => {
        throw new Error('disk I/O error')
      }),
    ).toThrow('disk I/O error')
    run('ROLLBACK')
    expect(cache.size).toBe(0)
  })

  it('forgets everything when a savepoint that wrote rolls back, not when one that only read does', () => {
    const { cache, run } = cacheOf()
    run('BEGIN IMMEDIATE')
    cache.contractRead(contract(1, 'a'))
    cache.contractUpdated(1, { failureStreak: 3 })
    run('SAVEPOINT batched')
    cache.contractRead(contract(2, 'b'))
    run('ROLLBACK TO batched', 'RELEASE batched')
    expect(cache.size).toBe(2)
    run('SAVEPOINT batched')
    cache.contractUpdated(2, { successStreak: 1 })
    run('ROLLBACK TO batched', 'RELEASE batched')
    expect(cache.size).toBe(0)
    // The transaction still holds its first write: read back meanwhile, it is forgotten if the transaction rolls back.
    cache.contractRead({ ...contract(1, 'a'), failureStreak: 3 })
    run('ROLLBACK')
    expect(cache.size).toBe(0)
  })

  it('forgets everything when another connection committed since the last transaction began', () => {
    const { cache, version, run } = cacheOf()
    run('BEGIN IMMEDIATE')
    cache.contractRead(contract(1, 'a'))
    run('COMMIT', 'BEGIN IMMEDIATE')
    expect(cache.size).toBe(1)
    run('COMMIT')
    version.value = 2
    run('BEGIN IMMEDIATE')
    expect(cache.size).toBe(0)
  })

  it('forgets everything, and lets the transaction go on, when data_version cannot be read', () => {
    let fail = false
    const cache = new RowCache(() => {
      if (fail) throw new Error('disk I/O error')
      return 1
    })
    cache.transactionStatement('BEGIN IMMEDIATE', () => {})
    cache.contractRead(contract(1, 'a'))
    cache.transactionStatement('COMMIT', () => {})
    fail = true
    cache.transactionStatement('BEGIN IMMEDIATE', () => {})
    expect(cache.size).toBe(0)
  })

  it('follows incidents inserted, updated and deleted, in ascending id, a resolved one leaving the list', () => {
    const { cache } = cacheOf()
    cache.contractRead(contract(1, 'a'))
    cache.activeIncidentsRead(1, [])
    cache.incidentInserted(incident(10, 1))
    cache.incidentInserted({ ...incident(12, 1), triggerType: 'stale' })
    cache.incidentInserted({ ...incident(11, 1), triggerType: 'missed' }) // an id below the newest: still in order
    expect(cache.activeIncidents(1)?.map((i) => i.id)).toEqual([10, 11, 12])
    cache.incidentUpdated(1, 11, { state: 'recovered', recoveredAt: new Date(5) })
    expect(cache.activeIncidents(1)?.[1]).toMatchObject({ id: 11, state: 'recovered', recoveredAt: new Date(5) })
    cache.incidentUpdated(1, 10, { state: 'resolved', resolvedAt: new Date(6) })
    cache.incidentDeleted(1, 12)
    expect(cache.activeIncidents(1)?.map((i) => i.id)).toEqual([11])
    // An incident the list does not hold (resolved) made active again: the list is read again.
    cache.incidentUpdated(1, 10, { state: 'open' })
    expect(cache.activeIncidents(1)).toBeUndefined()
  })

  it('hands out new objects on a write, never changing one it handed out, and frozen', () => {
    const { cache } = cacheOf()
    const before = contract(1, 'a')
    cache.contractRead(before)
    cache.contractUpdated(1, { failureStreak: 3, rules: { ...DEFAULT_RULES } })
    const after = cache.contractById(1)
    expect(before.failureStreak).toBe(0)
    expect(after?.failureStreak).toBe(3)
    // Rules equal to the cached ones keep their object.
    expect(after?.rules).toBe(before.rules)
    expect([Object.isFrozen(before), Object.isFrozen(after), Object.isFrozen(after?.rules)]).toEqual([true, true, true])
    cache.activeIncidentsRead(1, [incident(10, 1)])
    cache.incidentInserted({ ...incident(11, 1), triggerType: 'stale' })
    const active = cache.activeIncidents(1) ?? []
    expect([Object.isFrozen(active), ...active.map((i) => Object.isFrozen(i))]).toEqual([true, true, true])
    expect(() => {
      ;(after as { failureStreak: number }).failureStreak = 9
    }).toThrow(TypeError)
  })
})

describe('SqliteStore row cache', () => {
  let path: string
  const open: SqliteStore[] = []
  const store = (options: { rowCacheCapacity?: number; database?: string | BetterSqlite3.Database } = {}) => {
    const s = new SqliteStore({ database: path, ...options })
    open.push(s)
    return s
  }
  /** A connection that logs the SQL text of each statement it runs. */
  const recorded = () => {
    const db = new BetterSqlite3(path)
    const ran: string[] = []
    const prepare = db.prepare.bind(db)
    db.prepare = ((text: string) => {
      const statement = prepare(text)
      for (const method of ['run', 'get', 'all'] as const) {
        const call = statement[method].bind(statement) as (...parameters: unknown[]) => unknown
        Object.assign(statement, {
          [method]: (...parameters: unknown[]) => {
            ran.push(text.trim())
            return call(...parameters)
          },
        })
      }
      return statement
    }) as typeof db.prepare
    return { db, ran, selects: () => ran.filter((text) => /^select/i.test(text)) }
  }
  /** A second connection to the file, as another process would have. */
  const other = <T>(work: (db: BetterSqlite3.Database) => T): T => {
    const db = new BetterSqlite3(path)
    try {
      return work(db)
    } finally {
      db.close()
    }
  }
  const tx = <T>(s: SqliteStore, work: (t: StoreTx) => Promise<T>) => s.transaction(work)

  beforeEach(() => {
    path = freshPath()
  })

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close()
  })

  it('runs no SELECT for a push of a known probe', async () => {
    const { db, ran, selects } = recorded()
    const monitor = new Monitor({ store: store({ database: db }), clock: new FakeClock() })
    const push = async (code: string, health: 'healthy' | 'warning' | 'critical') =>
      (await monitor.pushProbe({ code, health, staleIncidentAfter: '15m' }))._unsafeUnwrap()
    await push('db.backup', 'healthy')
    // One with an open incident, which its next critical pushes leave open.
    await push('db.failing', 'critical')
    ran.length = 0
    await push('db.backup', 'warning')
    await push('db.backup', 'healthy')
    await push('db.failing', 'critical')
    expect(selects()).toEqual([])
    expect(ran.filter((text) => text === 'PRAGMA data_version')).toHaveLength(3)
  })

  it('sees a contract another connection changed, from the next transaction on', async () => {
    const s = store()
    const { id } = await tx(s, (t) => t.insertContract(newContract('p')))
    expect((await tx(s, (t) => t.findContract('p')))?.failureStreak).toBe(0)
    other((db) => db.prepare('UPDATE contracts SET failure_streak = 7 WHERE id = ?').run(id))
    expect((await tx(s, (t) => t.findContract('p')))?.failureStreak).toBe(7)
    expect((await tx(s, (t) => t.getContract(id)))?.failureStreak).toBe(7)

    // Deleted and created again under the same code: another id.
    other((db) => {
      db.prepare('DELETE FROM contracts WHERE id = ?').run(id)
      db.prepare("INSERT INTO contracts (code, kind, overlap_incident, created_at) VALUES ('p', 'job', 1, 0)").run()
    })
    const again = await tx(s, (t) => t.findContract('p'))
    expect(again).toMatchObject({ kind: 'job' })
    expect(again?.id).not.toBe(id)
    expect(await tx(s, (t) => t.getContract(id))).toBeUndefined()
  })

  it('sees incidents another store on the file opened, changed or deleted, from the next transaction on', async () => {
    const s = store()
    const second = store()
    const c = await tx(s, (t) => t.insertContract(newContract('p')))
    expect(await tx(s, (t) => t.activeIncidentsOfContract(c.id))).toEqual([])

    const opened = await tx(second, (t) => t.insertIncident(newIncident(c.id)))
    expect(await tx(s, (t) => t.activeIncidentsOfContract(c.id))).toEqual([opened])
    await tx(second, (t) => t.updateIncident(opened.id, { state: 'recovered', recoveredAt: new Date(9) }))
    expect(await tx(s, (t) => t.activeIncidentsOfContract(c.id))).toEqual([
      { ...opened, state: 'recovered', recoveredAt: new Date(9) },
    ])
    await tx(second, (t) => t.updateIncident(opened.id, { state: 'resolved', resolvedAt: new Date(10) }))
    expect(await tx(s, (t) => t.activeIncidentsOfContract(c.id))).toEqual([])

    const stale = await tx(second, (t) => t.insertIncident({ ...newIncident(c.id), triggerType: 'stale' }))
    expect(await tx(s, (t) => t.activeIncidentsOfContract(c.id))).toEqual([stale])
    other((db) => db.prepare('DELETE FROM incidents WHERE id = ?').run(stale.id))
    expect(await tx(s, (t) => t.activeIncidentsOfContract(c.id))).toEqual([])
    await tx(second, (t) => t.updateContract(c.id, { isStale: true }))
    expect((await tx(s, (t) => t.findContract('p')))?.isStale).toBe(true)
  })

  it('keeps no trace of a transaction that threw', async () => {
    const s = store()
    const c = await tx(s, (t) => t.insertContract(newContract('p')))
    const cached = await tx(s, async (t) => ({
      contract: await t.findContract('p'),
      active: await t.activeIncidentsOfContract(c.id),
    }))
    const failing = tx(s, async (t) => {
      await t.updateContract(c.id, { failureStreak: 4, isStale: true })
      await t.insertIncident(newIncident(c.id))
      await t.insertContract(newContract('q'))
      expect((await t.findContract('p'))?.failureStreak).toBe(4)
      throw new Error('refused')
    })
    await expect(failing).rejects.toThrow('refused')
    expect(await tx(s, (t) => t.findContract('p'))).toEqual(cached.contract)
    expect(await tx(s, (t) => t.activeIncidentsOfContract(c.id))).toEqual(cached.active)
    expect(await tx(s, (t) => t.findContract('q'))).toBeUndefined()
  })

  it('keeps no trace of a Monitor push refused midway, after its writes', async () => {
    let refuse = false
    const router: NotificationRouter = {
      targetsFor: () => {
        if (refuse) throw new Error('no route')
        return []
      },
    }
    const s = store()
    const monitor = new Monitor({ store: s, clock: new FakeClock(), notifications: router })
    ;(await monitor.pushProbe({ code: 'db.backup', health: 'healthy' }))._unsafeUnwrap()
    const before = await tx(s, (t) => t.findContract('db.backup'))
    refuse = true
    // The critical push writes its sample, the contract's streak and an incident, then fails to notify.
    await expect(monitor.pushProbe({ code: 'db.backup', health: 'critical' })).rejects.toThrow('no route')
    const after = await tx(s, async (t) => {
      const contract = await t.findContract('db.backup')
      return { contract, active: contract && (await t.activeIncidentsOfContract(contract.id)) }
    })
    expect(after).toEqual({ contract: before, active: [] })
    refuse = false
    const pushed = (await monitor.pushProbe({ code: 'db.backup', health: 'critical' }))._unsafeUnwrap()
    expect(pushed.opened).toHaveLength(1)
    expect((await tx(s, (t) => t.findContract('db.backup')))?.failureStreak).toBe(1)
  })

  it('keeps no trace of a transaction rolled back to its savepoint in a shared commit, and keeps the others', async () => {
    const { db, selects } = recorded()
    const s = store({ database: db })
    const c = await tx(s, (t) => t.insertContract(newContract('p')))
    await tx(s, (t) => t.activeIncidentsOfContract(c.id))
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    // The first holds the transaction open: the next two queue up and run in savepoints of its batch.
    const first = tx(s, async (t) => {
      await t.updateContract(c.id, { successStreak: 2 })
      await gate
    })
    const failing = tx(s, async (t) => {
      await t.updateContract(c.id, { failureStreak: 5 })
      await t.insertIncident(newIncident(c.id))
      throw new Error('refused')
    })
    const reading = tx(s, async (t) => {
      const contract = await t.findContract('p')
      return { contract, active: await t.activeIncidentsOfContract(c.id) }
    })
    release()
    await first
    await expect(failing).rejects.toThrow('refused')
    const seen = await reading
    expect(seen.contract).toMatchObject({ failureStreak: 0, successStreak: 2 })
    expect(seen.active).toEqual([])
    expect(await tx(s, (t) => t.findContract('p'))).toEqual(seen.contract)
    expect(await tx(store(), (t) => t.findContract('p'))).toEqual(seen.contract)

    // A savepoint that only read and failed leaves the cache alone.
    await Promise.all([
      tx(s, () => gate),
      tx(s, async (t) => {
        await t.findContract('p')
        throw new Error('refused')
      }).catch(() => undefined),
    ])
    const before = selects().length
    await tx(s, async (t) => [await t.findContract('p'), await t.activeIncidentsOfContract(c.id)])
    expect(selects()).toHaveLength(before)
  })

  it('keeps no trace of a batch SQLite rolled back by itself (a full disk)', async () => {
    const handle = new BetterSqlite3(path)
    const s = store({ database: handle })
    const c = await tx(s, (t) => t.insertContract(newContract('p')))
    await tx(s, (t) => t.findContract('p'))
    handle.pragma(`max_page_count = ${handle.pragma('page_count', { simple: true }) as number}`)
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const first = tx(s, async (t) => {
      await t.updateContract(c.id, { failureStreak: 5 })
      await gate
    })
    const filling = tx(s, async (t) => {
      for (let i = 0; i < 1_000; i++) await t.insertContract(newContract(`probe-${i}-${'x'.repeat(500)}`))
    })
    release()
    await expect(first).rejects.toMatchObject({ kind: 'full' })
    await expect(filling).rejects.toMatchObject({ kind: 'full' })
    handle.pragma('max_page_count = 1000000')
    expect((await tx(s, (t) => t.findContract('p')))?.failureStreak).toBe(0)
    expect(await tx(s, (t) => t.findContract(`probe-0-${'x'.repeat(500)}`))).toBeUndefined()
  })

  it('forgets the least recently used contract beyond its capacity, and reads it again', async () => {
    const { db, selects } = recorded()
    const monitor = new Monitor({ store: store({ database: db, rowCacheCapacity: 2 }), clock: new FakeClock() })
    const push = async (code: string) => (await monitor.pushProbe({ code, health: 'healthy' }))._unsafeUnwrap()
    for (const code of ['aa', 'bb', 'aa', 'cc']) await push(code)
    const before = selects().length
    await push('aa')
    await push('cc')
    expect(selects()).toHaveLength(before)
    await push('bb')
    expect(selects().slice(before)).toEqual([
      'SELECT * FROM contracts WHERE code = ?',
      "SELECT * FROM incidents WHERE contract_id = ? AND state <> 'resolved' ORDER BY id",
    ])
  })

  it('hands out what a read of the database gives, whatever the patch', async () => {
    const { db, selects } = recorded()
    const s = store({ database: db })
    const c = await tx(s, (t) => t.insertContract(newContract('p')))
    const r = await tx(s, (t) =>
      t.insertSample({
        contractId: c.id,
        uid: '0123456789ab',
        health: 'healthy',
        pushedAt: new Date(1),
        comment: null,
        rules: DEFAULT_RULES,
      }),
    )
    /** The contract and its active incidents, read by another connection (which changes nothing). */
    const fresh = () =>
      other((reader) => {
        const row = reader.prepare("SELECT * FROM contracts WHERE code = 'p'").get() as ContractRow
        const active = reader
          .prepare("SELECT * FROM incidents WHERE contract_id = ? AND state <> 'resolved' ORDER BY id")
          .all(row.id) as IncidentRow[]
        return { contract: contracts.toDomain(row), active: active.map(incidents.toDomain) }
      })
    /** The same through the store, and how many SELECTs that took. */
    const cached = async () => {
      const before = selects().length
      const seen = await tx(s, async (t) => {
        const contract = await t.findContract('p')
        return { contract, active: contract && (await t.activeIncidentsOfContract(contract.id)) }
      })
      return { seen, selects: selects().length - before }
    }
    await cached()
    const patches: ContractPatch[] = [
      { isStale: true, staleAt: new Date(10), staleIncidentAt: new Date(20), lastReportId: r.id },
      { rules: { ...DEFAULT_RULES, staleAfter: 60_000, schedule: '0 3 * * *', tz: 'Europe/Paris' } },
      { expectedAt: new Date(30), missedAt: new Date(40), failureStreak: 2, successStreak: 0 },
      // What SQLite changes on the way: NaN is NULL, -0 is 0, a missing value is NULL.
      { staleAt: new Date(Number.NaN), successStreak: -0, failureStreak: null as unknown as number },
      { rules: { ...DEFAULT_RULES, grace: Number.NaN, minRuntime: -0, dependsOn: undefined as unknown as null } },
      // A lone surrogate comes back as other characters: the contract is read again.
      { rules: { ...DEFAULT_RULES, schedule: 'x\uD800' } },
      { lastReportId: null, isStale: false, staleAt: null, expectedAt: null },
      {},
    ]
    const contractReads: number[] = []
    for (const patch of patches) {
      await tx(s, (t) => t.updateContract(c.id, patch))
      const { seen, selects } = await cached()
      expect(seen).toEqual(fresh())
      contractReads.push(selects)
    }
    expect(contractReads).toEqual([0, 0, 0, 0, 0, 2, 0, 0])

    const incidentReads: number[] = []
    const opened = await tx(s, (t) => t.insertIncident(newIncident(c.id)))
    const incidentPatches: IncidentPatch[] = [
      { state: 'recovered', recoveredAt: new Date(Number.NaN), description: 'ok' },
      { state: 'relapsed', relapsedAt: new Date(50), description: 'y\uD800' },
      { description: null },
      { state: 'resolved', resolvedAt: new Date(60) },
    ]
    for (const patch of [undefined, ...incidentPatches]) {
      if (patch !== undefined) await tx(s, (t) => t.updateIncident(opened.id, patch))
      const { seen, selects } = await cached()
      expect(seen).toEqual(fresh())
      incidentReads.push(selects)
    }
    await tx(s, (t) => t.insertIncident({ ...newIncident(c.id), description: 'x\uDC00' }))
    const { seen, selects: reads } = await cached()
    expect(seen).toEqual(fresh())
    incidentReads.push(reads)
    expect(incidentReads).toEqual([0, 0, 1, 0, 0, 1])

    // Deleting a report sets the contracts pointing at it to NULL.
    await tx(s, (t) => t.updateContract(c.id, { lastReportId: r.id }))
    await tx(s, (t) => t.deleteReport(r.id))
    expect((await cached()).seen).toEqual(fresh())
    expect(fresh().contract.lastReportId).toBeNull()
  })

  it('follows what deleting an incident, a contract or truncating takes with it, in other contracts too', async () => {
    const s = store()
    const at = new Date('2025-01-01T00:00:00Z')
    const [a, b] = await tx(s, async (t) => [
      await t.insertContract(newContract('a')),
      await t.insertContract(newContract('b')),
    ])
    if (a === undefined || b === undefined) throw new Error('not inserted')
    const sample = (contractId: number, uid: string, ms: number) =>
      tx(s, (t) =>
        t.insertSample({
          contractId,
          uid,
          health: 'healthy',
          pushedAt: new Date(at.getTime() + ms),
          comment: null,
          rules: DEFAULT_RULES,
        }),
      )
    const old = await sample(b.id, '000000000001', 0)
    const latest = await sample(b.id, '000000000002', 1000)
    // Not what the Monitor does, but the schema allows it: a points at one of b's reports.
    await tx(s, async (t) => {
      await t.updateContract(a.id, { lastReportId: old.id })
      await t.updateContract(b.id, { lastReportId: latest.id })
    })
    expect((await tx(s, (t) => t.findContract('a')))?.lastReportId).toBe(old.id)
    await tx(s, (t) =>
      t.truncate({
        contractId: null,
        reportCutoffs: { healthy: new Date(at.getTime() + 500), warning: null, critical: null },
        incidentCutoff: undefined,
        deliveryCutoff: undefined,
      }),
    )
    expect((await tx(s, (t) => t.findContract('a')))?.lastReportId).toBeNull()

    const own = await tx(s, (t) => t.insertIncident(newIncident(a.id)))
    expect(await tx(s, (t) => t.activeIncidentsOfContract(a.id))).toEqual([own])
    await tx(s, (t) => t.deleteIncident(own.id))
    expect(await tx(s, (t) => t.activeIncidentsOfContract(a.id))).toEqual([])

    await tx(s, (t) => t.updateContract(a.id, { lastReportId: latest.id }))
    await tx(s, (t) => t.insertIncident(newIncident(b.id)))
    expect(await tx(s, (t) => t.activeIncidentsOfContract(b.id))).toHaveLength(1)
    await tx(s, (t) => t.deleteContract(b.id))
    expect((await tx(s, (t) => t.findContract('a')))?.lastReportId).toBeNull()
    expect(await tx(s, (t) => t.findContract('b'))).toBeUndefined()
    expect(await tx(s, (t) => t.getContract(b.id))).toBeUndefined()
    expect(await tx(s, (t) => t.activeIncidentsOfContract(b.id))).toEqual([])
  })
})

// --- internal ---

function contract(id: number, code: string): Contract {
  return {
    id,
    code,
    kind: 'probe',
    rules: { ...DEFAULT_RULES },
    createdAt: new Date(0),
    ...NEW_CONTRACT_STATE,
  }
}

function incident(id: number, contractId: number): Incident {
  return {
    id,
    state: 'open',
    triggerType: 'critical',
    title: 'critical',
    description: null,
    contractId,
    openedAt: new Date(1),
    recoveredAt: null,
    relapsedAt: null,
    resolvedAt: null,
  }
}

function newContract(code: string) {
  return { code, kind: 'probe' as const, rules: DEFAULT_RULES, createdAt: new Date('2025-01-01T00:00:00.001Z') }
}

function newIncident(contractId: number) {
  return {
    triggerType: 'critical' as const,
    title: 'p is critical',
    description: null,
    contractId,
    openedAt: new Date('2025-01-01T00:00:01Z'),
  }
}
