// Issue 2 benchmarks: @timon/core + @timon/store-sqlite against raw better-sqlite3.
import { copyFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import Database from 'better-sqlite3'
import { Monitor } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { SqliteStore } from '@timon/store-sqlite'
import { BENCH_PROBES, inTurn, median, result, steadyPush, tempDir, timeMs, type BenchResult } from './lib.js'

const T0 = Date.parse('2025-01-01T00:00:00Z')
const DAY = 86_400_000

/** A migrated, empty database file. */
async function freshDatabase(path: string): Promise<void> {
  const store = new SqliteStore({ database: path })
  await store.close()
}

type Synchronous = 'full' | 'normal'

/** Raw better-sqlite3 connection with the store's pragmas. */
function raw(path: string, synchronous: Synchronous = 'normal'): Database.Database {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.pragma('foreign_keys = ON')
  return db
}

/** Inserts `probes` probes with `samplesEach` samples, spread over `spanDays` before T0 (raw SQL, for seeding). */
function seedProbes(
  path: string,
  probes: number,
  samplesEach: number,
  {
    spanDays = 60,
    staleAt = null,
    missedAt = null,
  }: {
    spanDays?: number
    staleAt?: ((probe: number) => number) | null
    missedAt?: ((probe: number) => number) | null
  } = {},
): void {
  const db = raw(path)
  const insertContract = db.prepare(
    `INSERT INTO contracts (code, kind, overlap_incident, is_stale, stale_after, stale_at, created_at, schedule, expected_at, missed_at)
     VALUES (?, 'probe', 1, 0, ?, ?, ?, ?, ?, ?)`,
  )
  const insertSample = db.prepare(
    `INSERT INTO reports (contract_id, kind, uid, health, pushed_at, overlap_incident) VALUES (?, 'sample', ?, ?, ?, 1)`,
  )
  const setLast = db.prepare('UPDATE contracts SET last_report_id = ? WHERE id = ?')
  const healths = ['healthy', 'healthy', 'healthy', 'warning', 'critical']
  db.transaction(() => {
    for (let p = 0; p < probes; p++) {
      const due = staleAt === null ? null : staleAt(p)
      const missed = missedAt === null ? null : missedAt(p)
      const schedule = missed === null ? [null, null, null] : ['0 3 * * *', missed - 300_000, missed]
      const contractId = Number(
        insertContract.run(`probe-${p}`, due === null ? null : DAY, due, T0, ...schedule).lastInsertRowid,
      )
      let last = 0
      for (let s = 0; s < samplesEach; s++) {
        const at = T0 - Math.floor(((samplesEach - s) / samplesEach) * spanDays * DAY)
        last = Number(
          insertSample.run(
            contractId,
            (p * samplesEach + s).toString(16).padStart(12, '0'),
            healths[s % healths.length],
            at,
          ).lastInsertRowid,
        )
      }
      setLast.run(last, contractId)
    }
  })()
  db.close()
}

/** Probe pushes per second through `Monitor` + `SqliteStore`: sequential, or `concurrency` at a time. */
async function monitorPushRate(path: string, synchronous: Synchronous, n: number, concurrency = 1): Promise<number> {
  await freshDatabase(path)
  const store = new SqliteStore({ database: path, synchronous, shareCommits: concurrency > 1 })
  const monitor = new Monitor({ store })
  // Probes exist before timing, as in steady state.
  for (let p = 0; p < BENCH_PROBES; p++)
    await monitor.pushProbe({ code: `probe-${p}`, health: 'healthy', staleIncidentAfter: '15m' })
  const ms = await timeMs(() =>
    inTurn(concurrency, n, async (i) => {
      await monitor.pushProbe(steadyPush(i))
    }),
  )
  await store.close()
  return (n / ms) * 1000
}

/** Single-insert transactions per second on a raw better-sqlite3 connection. */
async function rawInsertRate(path: string, synchronous: Synchronous, n: number): Promise<number> {
  await freshDatabase(path)
  const db = raw(path, synchronous)
  db.prepare(`INSERT INTO contracts (code, kind, overlap_incident, created_at) VALUES ('probe-0', 'probe', 1, ?)`).run(
    T0,
  )
  const insert = db.prepare(
    `INSERT INTO reports (contract_id, kind, uid, health, pushed_at, overlap_incident) VALUES (1, 'sample', ?, 'healthy', ?, 1)`,
  )
  const one = db.transaction((i: number) => insert.run(i.toString(16).padStart(12, '0'), T0 + i))
  const ms = await timeMs(async () => {
    for (let i = 0; i < n; i++) one(i)
  })
  db.close()
  return (n / ms) * 1000
}

/** Alternated rounds of each side of {@link pushThroughput}; the best of each counts (noise only ever slows a round down). */
const THROUGHPUT_ROUNDS = 3

/**
 * `Monitor` + SQLite against raw single-insert transactions, both at the same `synchronous` level,
 * each in {@link THROUGHPUT_ROUNDS} alternated rounds on a fresh file: the machine is shared, and a
 * single pair of runs read a burst of someone else's load as a ratio.
 */
async function pushThroughput(synchronous: Synchronous, n: number): Promise<BenchResult> {
  const tmp = tempDir()
  try {
    let monitorRate = 0
    let rawRate = 0
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      monitorRate = Math.max(monitorRate, await monitorPushRate(tmp.path(`monitor-${round}.db`), synchronous, n))
      rawRate = Math.max(rawRate, await rawInsertRate(tmp.path(`raw-${round}.db`), synchronous, n))
    }
    return result({
      name: `probe pushes/s, Monitor + SQLite (WAL file, synchronous=${synchronous.toUpperCase()})`,
      value: Math.round(monitorRate),
      unit: 'push/s',
      baseline: Math.round(rawRate),
      baselineName: `raw better-sqlite3 insert/s (synchronous=${synchronous.toUpperCase()})`,
      ratio: monitorRate / rawRate,
      target: 0.4,
      better: 'higher',
    })
  } finally {
    tmp.cleanup()
  }
}

/** With synchronous=FULL, 8 concurrent pushers sharing commits against one pusher at a time. */
async function sharedCommitGain(n: number): Promise<BenchResult> {
  const tmp = tempDir()
  try {
    const single = await monitorPushRate(tmp.path('single.db'), 'full', n)
    const grouped = await monitorPushRate(tmp.path('grouped.db'), 'full', n, 8)
    return result({
      name: 'probe pushes/s, synchronous=FULL, 8 concurrent with shared commits',
      value: Math.round(grouped),
      unit: 'push/s',
      baseline: Math.round(single),
      baselineName: 'one at a time (push/s)',
      ratio: grouped / single,
    })
  } finally {
    tmp.cleanup()
  }
}

async function checkCost(probes: number): Promise<number> {
  const tmp = tempDir()
  try {
    const file = tmp.path('check.db')
    await freshDatabase(file)
    const farFuture = T0 + 365 * DAY
    seedProbes(file, probes, 1, { staleAt: (p) => (p < 10 ? T0 : farFuture) })
    const clock = new FakeClock(T0 + 1000)
    const store = new SqliteStore({ database: file })
    const monitor = new Monitor({ store, clock })
    const rearm = raw(file)
    const rearmStmt = rearm.prepare(
      "UPDATE contracts SET stale_at = ?, is_stale = 0 WHERE code IN ('probe-0','probe-1','probe-2','probe-3','probe-4','probe-5','probe-6','probe-7','probe-8','probe-9')",
    )
    const times: number[] = []
    for (let i = 0; i < 30; i++) {
      rearmStmt.run(T0)
      let marked = 0
      times.push(
        await timeMs(async () => {
          marked = (await monitor.check())._unsafeUnwrap().markedStale.length
        }),
      )
      if (marked !== 10) throw new Error(`check() marked ${marked} probes stale, expected 10`)
    }
    rearm.close()
    await store.close()
    return median(times.slice(5))
  } finally {
    tmp.cleanup()
  }
}

/** The median cost of a check() that finds 10 scheduled probes missed among `probes` scheduled ones. */
async function missedCheckCost(probes: number): Promise<number> {
  const tmp = tempDir()
  try {
    const file = tmp.path('missed.db')
    await freshDatabase(file)
    const farFuture = T0 + 365 * DAY
    seedProbes(file, probes, 1, { missedAt: (p) => (p < 10 ? T0 : farFuture) })
    const clock = new FakeClock(T0 + 1000)
    const store = new SqliteStore({ database: file })
    const monitor = new Monitor({ store, clock })
    const rearm = raw(file)
    const rearmStmt = rearm.prepare(
      "UPDATE contracts SET missed_at = ? WHERE code IN ('probe-0','probe-1','probe-2','probe-3','probe-4','probe-5','probe-6','probe-7','probe-8','probe-9')",
    )
    const times: number[] = []
    for (let i = 0; i < 30; i++) {
      rearmStmt.run(T0)
      times.push(await timeMs(() => monitor.check()))
      const armed = rearm.prepare('SELECT count(*) AS n FROM contracts WHERE missed_at > ?').get(T0 + 1000) as {
        n: number
      }
      if (armed.n !== probes)
        throw new Error(`check() re-armed ${armed.n - (probes - 10)} missed schedules, expected 10`)
    }
    const missed = rearm.prepare("SELECT count(*) AS n FROM incidents WHERE trigger_type = 'missed'").get() as {
      n: number
    }
    if (missed.n !== 10) throw new Error(`check() opened ${missed.n} missed incidents, expected 10`)
    rearm.close()
    await store.close()
    return median(times.slice(5))
  } finally {
    tmp.cleanup()
  }
}

async function missedScaling(): Promise<BenchResult> {
  const small = await missedCheckCost(1_000)
  const large = await missedCheckCost(100_000)
  return result({
    name: 'check() with 10 missed among 100,000 scheduled probes',
    value: Number(large.toFixed(3)),
    unit: 'ms',
    baseline: Number(small.toFixed(3)),
    baselineName: 'among 1,000 scheduled probes (ms)',
    ratio: large / small,
    target: 2,
    better: 'lower',
  })
}

async function checkScaling(): Promise<BenchResult> {
  const small = await checkCost(1_000)
  const large = await checkCost(100_000)
  return result({
    name: 'check() with 10 due among 100,000 probes',
    value: Number(large.toFixed(3)),
    unit: 'ms',
    baseline: Number(small.toFixed(3)),
    baselineName: 'among 1,000 probes (ms)',
    ratio: large / small,
    target: 2,
    better: 'lower',
  })
}

async function truncateCost(): Promise<BenchResult> {
  const tmp = tempDir()
  try {
    const a = tmp.path('truncate.db')
    const b = tmp.path('raw-delete.db')
    await freshDatabase(a)
    seedProbes(a, 1_000, 1_000, { spanDays: 60 })
    copyFileSync(a, b)
    const clock = new FakeClock(T0)
    const store = new SqliteStore({ database: a })
    const monitor = new Monitor({ store, clock })
    let deleted = 0
    const truncateMs = await timeMs(async () => {
      deleted = (await monitor.truncate({ keep: '30d' }))._unsafeUnwrap().samples
    })
    await store.close()
    const db = raw(b)
    let rawDeleted = 0
    const cutoff = T0 - 30 * DAY
    const rawMs = await timeMs(async () => {
      rawDeleted = db.prepare('DELETE FROM reports WHERE pushed_at <= ?').run(cutoff).changes
    })
    db.close()
    if (Math.abs(deleted - rawDeleted) > 1_000) throw new Error(`truncate deleted ${deleted}, raw ${rawDeleted}`)
    return result({
      name: `truncate of 1,000,000 samples (${deleted} deleted)`,
      value: Math.round(truncateMs),
      unit: 'ms',
      baseline: Math.round(rawMs),
      baselineName: 'raw DELETE (ms)',
      ratio: truncateMs / rawMs,
      target: 1.5,
      better: 'lower',
    })
  } finally {
    tmp.cleanup()
  }
}

async function rssWithManyProbes(): Promise<BenchResult> {
  const tmp = tempDir()
  try {
    const file = tmp.path('rss.db')
    await freshDatabase(file)
    seedProbes(file, 100_000, 1)
    const child = new URL('./rss-child.mjs', import.meta.url).pathname
    const out = JSON.parse(execFileSync(process.execPath, [child, file], { encoding: 'utf8' })) as {
      rssMb: number
      baselineMb: number
      contracts: number
    }
    return result({
      name: `process RSS, 100,000 probes, after status (${out.contracts} listed) and summary`,
      value: Math.round(out.rssMb),
      unit: 'MB',
      baseline: Math.round(out.baselineMb),
      baselineName: 'RSS after loading the modules (MB)',
      ratio: out.rssMb / out.baselineMb,
      limit: 150,
    })
  } finally {
    tmp.cleanup()
  }
}

/** Runs the core benchmarks; returns their result lines. */
export async function runCoreBench(): Promise<BenchResult[]> {
  return [
    await pushThroughput('normal', 5000),
    await pushThroughput('full', 2000),
    await sharedCommitGain(2000),
    await checkScaling(),
    await missedScaling(),
    await truncateCost(),
    await rssWithManyProbes(),
  ]
}
