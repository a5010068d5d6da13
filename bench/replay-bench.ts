// `timon replay` (issue 16) through its real pipeline: a daemon (a child process) reads the stored
// history from SQLite and answers it page by page (GET /v1/history, samples as columns); the CLI
// (another child process) pages through it, asking for the next page while it replays the current
// one, in a worker thread per core. Against reading the same pages through the daemon without
// replaying them. By default at the issue's full size, 8.64 M samples (1,000 probes × 5-minute
// pushes × 30 days; storing them takes about a minute), whose target is under a minute;
// REPLAY_BENCH_PROBES and REPLAY_BENCH_HOURS shrink it, and the figure is then extrapolated. With
// the peak RSS of the CLI and of the daemon. Then `timon replay --jobs 1` (in the CLI's own
// thread), which must answer the same. And the replay's unit of work in process: a
// `Monitor.pushProbe` on a `MemoryStore`, against the store's own writes.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { DEFAULT_RULES, MemoryStore, Monitor } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { SqliteStore } from '@timon/store-sqlite'
import { BIN, startDaemon } from './daemon-bench.js'
import { refreshCliBundle, result, tempDir, timeMs, type BenchResult } from './lib.js'

const PROBES = Number(process.env.REPLAY_BENCH_PROBES ?? 1000)
const HOURS = Number(process.env.REPLAY_BENCH_HOURS ?? 720)
const TARGET_SAMPLES = 8_640_000
const PUSH_EVERY_MS = 5 * 60_000
const READER = fileURLToPath(new URL('./replay-read-child.mjs', import.meta.url))

export async function runReplayBench(): Promise<readonly BenchResult[]> {
  refreshCliBundle()
  const tmp = tempDir('timon-replay-bench-')
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp.dir }
  try {
    const start = new Date('2025-01-01T00:00:00Z')
    const until = new Date(start.getTime() + HOURS * 3_600_000 - 1)
    mkdirSync(tmp.path('daemon/data'), { recursive: true })
    const stored = await storeHistory(tmp.path('daemon/data/timon.db'), start)
    const daemon = await startDaemon(tmp.path('daemon'), env, 'normal')
    try {
      const read = measured(process.execPath, [READER, daemon.socket, start.toISOString(), until.toISOString()], env)
      const samples = Number(read.stdout)
      if (samples !== stored) throw new Error(`read ${samples} samples of the ${stored} stored`)
      const replayArgs = [
        BIN,
        'replay',
        '--until',
        until.toISOString(),
        '--since',
        `${HOURS}h`,
        '--set',
        '*:stale_incident_after=10m',
        '--json',
      ]
      const replayEnv = { ...env, TIMON_SOCKET: daemon.socket }
      const replayed = measured(process.execPath, replayArgs, replayEnv)
      const inProcess = measured(process.execPath, [...replayArgs, '--jobs', '1'], replayEnv)
      if (inProcess.stdout !== replayed.stdout)
        throw new Error('timon replay --jobs 1 answered otherwise than timon replay')
      const daemonPeakMb = peakRssMb(daemon.child.pid)
      const scale = TARGET_SAMPLES / samples
      const full = samples === TARGET_SAMPLES
      return [
        await monitorPushOnMemoryStore(),
        result({
          name: `timon replay of ${samples} samples through the daemon (${PROBES} probes × ${HOURS}h, 5-minute pushes), whole process, ${full ? "the issue's size" : `extrapolated to ${TARGET_SAMPLES} (×${scale.toFixed(1)}, which overstates it: the start-up and the first page's wait count ×${scale.toFixed(1)} too)`}`,
          value: Math.round((replayed.ms * scale) / 100) / 10,
          unit: 's',
          baseline: Math.round((read.ms * scale) / 100) / 10,
          baselineName: 'reading them through the daemon (s)',
          ratio: replayed.ms / read.ms,
          limit: 60,
        }),
        result({
          name: "timon replay --jobs 1 (in the CLI's own thread), whole process",
          value: Math.round(inProcess.ms),
          unit: 'ms',
          baseline: Math.round(replayed.ms),
          baselineName: 'timon replay by default (a worker thread per core, up to 4)',
          ratio: inProcess.ms / replayed.ms,
        }),
        result({
          name: `peak RSS of timon replay (MB), of the daemon ${Math.round(daemonPeakMb)} MB`,
          value: Math.round(replayed.peakMb),
          unit: 'MB',
          baseline: Math.round(read.peakMb),
          baselineName: 'of the reader',
          ratio: replayed.peakMb / read.peakMb,
        }),
      ]
    } finally {
      await daemon.stop()
    }
  } finally {
    tmp.cleanup()
  }
}

// --- internal ---

/**
 * Stores `PROBES` probes pushing every 5 minutes for `HOURS` into a fresh database, and returns
 * how many samples it holds: each probe's first sample through a Monitor (the schema, the probe,
 * a sample row to copy), the rest as raw inserts in one transaction (millions of Monitor pushes
 * would take longer than the bench). One sample in 97 is critical.
 */
async function storeHistory(file: string, start: Date): Promise<number> {
  const store = new SqliteStore({ database: file, synchronous: 'normal' })
  const monitor = new Monitor({ store, clock: new FakeClock(start) })
  const code = (p: number) => `host${p}.load`
  for (let p = 0; p < PROBES; p++) {
    ;(await monitor.pushProbe({ code: code(p), health: 'healthy', staleIncidentAfter: '20m' }))._unsafeUnwrap()
  }
  await store.close()
  const db = new Database(file)
  try {
    // A bulk load: no journal, no syncs, and a cache that holds the indexes being filled.
    db.pragma('journal_mode = DELETE')
    db.pragma('journal_mode = OFF')
    db.pragma('synchronous = OFF')
    db.pragma('cache_size = -1048576')
    const template = db.prepare('SELECT * FROM reports ORDER BY id LIMIT 1').get() as Record<string, unknown>
    const columns = Object.keys(template).filter((column) => column !== 'id')
    const insert = db.prepare(
      `INSERT INTO reports (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    )
    const values = columns.map((column) => template[column])
    const at = (column: string) => columns.indexOf(column)
    const [contractAt, uidAt, healthAt, pushedAt] = ['contract_id', 'uid', 'health', 'pushed_at'].map(at)
    const contractIds = db.prepare('SELECT id FROM contracts ORDER BY id').pluck().all() as number[]
    const steps = (HOURS * 3_600_000) / PUSH_EVERY_MS
    db.transaction(() => {
      for (let step = 1; step < steps; step++) {
        for (const [p, contractId] of contractIds.entries()) {
          values[contractAt as number] = contractId
          values[uidAt as number] = (step * PROBES + p).toString(16).padStart(12, '0')
          values[healthAt as number] = (step + p) % 97 === 0 ? 'critical' : 'healthy'
          values[pushedAt as number] = start.getTime() + step * PUSH_EVERY_MS
          insert.run(values)
        }
      }
    })()
    return db.prepare('SELECT count(*) FROM reports').pluck().get() as number
  } finally {
    db.close()
  }
}

/** Pushes timed per round of {@link monitorPushOnMemoryStore}, to `PROBES` probes in turn. */
const UNIT_PUSHES = 200_000

/**
 * What the replay does per sample, in process: `Monitor.pushProbe` on a `MemoryStore` keeping each
 * probe's latest sample (through the public Monitor: its input checked and its uid drawn at random,
 * which the replay's own Monitor skips), a healthy push every 5 minutes per probe,
 * against the same pushes written straight through the store's transactions (find the probe, its
 * active incidents, insert the sample, update the probe): what the Monitor adds to the store's
 * work. Best of 3 rounds each.
 */
async function monitorPushOnMemoryStore(): Promise<BenchResult> {
  const clock = new FakeClock(Date.UTC(2025, 0, 1))
  const monitorStore = new MemoryStore({ samples: 'latest' })
  const monitor = new Monitor({ store: monitorStore, clock })
  const store = new MemoryStore({ samples: 'latest' })
  const code = (i: number) => `host${i % PROBES}.load`
  const rules = { staleIncidentAfter: 20 * 60_000 } as const
  for (let p = 0; p < PROBES; p++)
    (await monitor.pushProbe({ code: code(p), health: 'healthy', ...rules }))._unsafeUnwrap()
  const probeRules = { ...DEFAULT_RULES, staleIncidentAfter: rules.staleIncidentAfter }
  await store.transaction(async (tx) => {
    for (let p = 0; p < PROBES; p++)
      await tx.insertContract({ code: code(p), kind: 'probe', rules: probeRules, createdAt: clock.now() })
  })
  let uid = 0
  const throughMonitor = async () => {
    for (let i = 0; i < UNIT_PUSHES; i++) {
      if (i % PROBES === 0) clock.advance(PUSH_EVERY_MS)
      ;(await monitor.pushProbe({ code: code(i), health: 'healthy', ...rules }))._unsafeUnwrap()
    }
  }
  const throughStore = async () => {
    for (let i = 0; i < UNIT_PUSHES; i++) {
      if (i % PROBES === 0) clock.advance(PUSH_EVERY_MS)
      await store.transaction(async (tx) => {
        const contract = await tx.findContract(code(i))
        if (contract === undefined) throw new Error(`no probe ${code(i)}`)
        await tx.activeIncidentsOfContract(contract.id)
        const now = clock.now()
        const sample = await tx.insertSample({
          contractId: contract.id,
          uid: `s${uid++}`,
          health: 'healthy',
          pushedAt: now,
          comment: null,
          detail: null,
          rules: contract.rules,
          host: null,
          progress: null,
        })
        await tx.updateContract(contract.id, {
          staleIncidentAt: new Date(now.getTime() + rules.staleIncidentAfter),
          successStreak: contract.successStreak + 1,
          lastReportId: sample.id,
        })
      })
    }
  }
  let monitorMs = Infinity
  let storeMs = Infinity
  for (let round = 0; round < 3; round++) {
    monitorMs = Math.min(monitorMs, await timeMs(throughMonitor))
    storeMs = Math.min(storeMs, await timeMs(throughStore))
  }
  const perPush = (ms: number) => Math.round(((ms * 1000) / UNIT_PUSHES) * 10) / 10
  return result({
    name: `Monitor.pushProbe on a MemoryStore (latest samples, ${PROBES} probes; input checked and uid drawn, which a replay skips), µs per push`,
    value: perPush(monitorMs),
    unit: 'µs',
    baseline: perPush(storeMs),
    baselineName: "the same writes through the store's transactions (µs)",
    ratio: monitorMs / storeMs,
  })
}

/** Runs `file args…` to its end: its wall time, its output, and its peak RSS (GNU time's `%M`). */
function measured(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { ms: number; stdout: string; peakMb: number } {
  const begin = process.hrtime.bigint()
  const child = spawnSync('/usr/bin/time', ['-f', '%M', file, ...args], { env, maxBuffer: 1 << 28 })
  const ms = Number(process.hrtime.bigint() - begin) / 1e6
  const stderr = child.stderr.toString('utf8').trim()
  if (child.status !== 0) throw new Error(`${file} ${args.join(' ')} exited with status ${child.status}: ${stderr}`)
  return { ms, stdout: child.stdout.toString('utf8'), peakMb: Number(stderr.split('\n').at(-1)) / 1024 }
}

/** The peak RSS (VmHWM) of a running process, in MB. */
function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024
}
