// The daemon (issue 4, benchmarks 2 and 3): pushes/s through the socket API with 8 concurrent
// keep-alive clients against the in-process Monitor on the same kind of store, and the daemon's RSS
// idle and after 100,000 pushes.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Monitor } from '@timon/core'
import { TimonClient } from '@timon/client'
import { SqliteStore } from '@timon/store-sqlite'
import { result, tempDir, timeMs, waitForSocket, type BenchResult } from './lib.js'

const BIN = fileURLToPath(new URL('../packages/cli/bin/timon.js', import.meta.url))
/** Probes pushed to, round robin (they exist before timing, as in steady state). */
const PROBES = 100
/** Concurrent keep-alive clients of the throughput figure. */
const CLIENTS = 8
/**
 * Pushes timed per round, through the daemon and in-process alike: both databases grow the same,
 * since a push costs more in a bigger one (the WAL checkpoints).
 */
const ROUND_PUSHES = 10_000
/** Untimed pushes to each first (JIT, caches). */
const WARM_UP_PUSHES = 2_000
/** Alternated rounds of each; the best of each counts (noise only ever slows a round down). */
const ROUNDS = 2
/** Pushes before the second RSS reading, all phases counted. */
const RSS_PUSHES = 100_000
/** Clients pushing towards {@link RSS_PUSHES} (more than {@link CLIENTS}, to get there quickly). */
const RSS_CLIENTS = 32
const RSS_LIMIT_MB = 120
/** Rest before the last RSS reading: V8's memory reducer shrinks an idle heap after some 10–20 s. */
const SETTLE_MS = 25_000

/**
 * - `daemon pushes/s`: probe pushes through the real daemon, a CHILD process (`timon daemon`, so
 *   client and server run on separate cores), by {@link CLIENTS} `TimonClient`s each pushing in
 *   turn over its kept-alive connection; against the in-process `Monitor` + `SqliteStore` on a WAL
 *   file in the same run, pushing one after the other (the daemon serialises pushes anyway), the
 *   same number of pushes into a database of the same size. Target ≥ 0.5.
 * - `daemon CPU per push` (no target): the daemon's CPU time (user + system, from /proc) per push
 *   in its best round, against this process's per in-process push: where the gap comes from.
 * - `daemon RSS idle`: VmRSS of the daemon once started and answering, against a bare `node`
 *   process waiting on a timer; `daemon RSS after 100,000 pushes`: once that many pushes are
 *   answered (then 1 s of rest), against the idle figure. Limit 120 MB each. Then (no limit) the
 *   same after {@link SETTLE_MS} of rest.
 *
 * Child processes get a minimal environment (PATH, HOME and Timon's variables): this shell's
 * NODE_EXTRA_CA_CERTS, for one, would slow every start and is not what a service has.
 * `TIMON_DAEMON_NODE_ARGS` adds node flags to the daemon's command line, to profile it
 * (`--cpu-prof --cpu-prof-dir=/tmp/prof`) or try V8 settings (`--max-semi-space-size=2`).
 */
export async function runDaemonBench(): Promise<BenchResult[]> {
  const tmp = tempDir('timon-daemon-bench-')
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp.dir }
  let daemon: Daemon | undefined
  try {
    const bareRss = await bareNodeRss(env)
    const running = await startDaemon(tmp.path('daemon'), env)
    daemon = running
    await sleep(500)
    const idleRss = rssMb(running.child)
    let pushed = 0

    // Probes exist before timing, in both stores, and both are warmed up alike.
    const clients = Array.from({ length: RSS_CLIENTS }, () => new TimonClient({ socketPath: running.socket }))
    pushed += await pushThrough(clients.slice(0, 1), PROBES, { staleIncidentAfter: '15m' })
    pushed += await pushThrough(clients.slice(0, CLIENTS), WARM_UP_PUSHES)
    const monitor = await inProcessMonitor(tmp.path('monitor.db'))
    await pushInProcess(monitor.monitor, PROBES, { staleIncidentAfter: '15m' })
    await pushInProcess(monitor.monitor, WARM_UP_PUSHES)

    let daemonRate = 0
    let monitorRate = 0
    let daemonCpu = Number.POSITIVE_INFINITY
    let monitorCpu = Number.POSITIVE_INFINITY
    for (let round = 0; round < ROUNDS; round++) {
      const cpuBefore = process.cpuUsage()
      const monitorMs = await timeMs(() => pushInProcess(monitor.monitor, ROUND_PUSHES))
      const cpu = process.cpuUsage(cpuBefore)
      monitorRate = Math.max(monitorRate, (ROUND_PUSHES / monitorMs) * 1000)
      monitorCpu = Math.min(monitorCpu, (cpu.user + cpu.system) / ROUND_PUSHES)
      const daemonCpuBefore = cpuMs(running.child)
      const daemonMs = await timeMs(async () => {
        pushed += await pushThrough(clients.slice(0, CLIENTS), ROUND_PUSHES)
      })
      daemonRate = Math.max(daemonRate, (ROUND_PUSHES / daemonMs) * 1000)
      daemonCpu = Math.min(daemonCpu, ((cpuMs(running.child) - daemonCpuBefore) * 1000) / ROUND_PUSHES)
    }
    await monitor.close()

    pushed += await pushThrough(clients, Math.max(0, RSS_PUSHES - pushed))
    for (const client of clients) client.close()
    await sleep(1_000)
    const loadedRss = rssMb(running.child)
    await sleep(SETTLE_MS - 1_000)
    const settledRss = rssMb(running.child)

    return [
      result({
        name: `daemon pushes/s, ${CLIENTS} keep-alive clients over the socket (daemon in a child process)`,
        value: Math.round(daemonRate),
        unit: 'push/s',
        baseline: Math.round(monitorRate),
        baselineName: 'in-process Monitor + SqliteStore (WAL file, sequential) push/s',
        ratio: daemonRate / monitorRate,
        target: 0.5,
        better: 'higher',
      }),
      result({
        name: 'daemon CPU per push (user + system, best round)',
        value: Math.round(daemonCpu),
        unit: 'µs',
        baseline: Math.round(monitorCpu),
        baselineName: 'in-process Monitor CPU per push (µs)',
        ratio: daemonCpu / monitorCpu,
      }),
      result({
        name: 'daemon RSS idle (child env without NODE_EXTRA_CA_CERTS)',
        value: Math.round(idleRss),
        unit: 'MB',
        baseline: Math.round(bareRss),
        baselineName: 'bare node process RSS (MB)',
        ratio: idleRss / bareRss,
        limit: RSS_LIMIT_MB,
      }),
      result({
        name: `daemon RSS after ${pushed.toLocaleString('en-US')} pushes`,
        value: Math.round(loadedRss),
        unit: 'MB',
        baseline: Math.round(idleRss),
        baselineName: 'daemon RSS idle (MB)',
        ratio: loadedRss / idleRss,
        limit: RSS_LIMIT_MB,
      }),
      result({
        name: `daemon RSS after those pushes and ${SETTLE_MS / 1000} s of rest`,
        value: Math.round(settledRss),
        unit: 'MB',
        baseline: Math.round(idleRss),
        baselineName: 'daemon RSS idle (MB)',
        ratio: settledRss / idleRss,
      }),
    ]
  } finally {
    await daemon?.stop()
    tmp.cleanup()
  }
}

// --- internal ---

interface Daemon {
  readonly child: ChildProcess
  readonly socket: string
  readonly stop: () => Promise<void>
}

async function startDaemon(dir: string, env: Record<string, string>): Promise<Daemon> {
  const socket = join(dir, 'timon.sock')
  const config = join(dir, 'timon.toml')
  mkdirSync(dir, { recursive: true })
  writeFileSync(config, `[daemon]\ndata_dir = "${join(dir, 'data')}"\nsocket = "${socket}"\nlog_level = "error"\n`)
  // TIMON_DAEMON_NODE_ARGS: extra node flags for the daemon (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const nodeArgs = (process.env.TIMON_DAEMON_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '')
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'daemon'], {
    env: { ...env, TIMON_CONFIG: config, TIMON_SOCKET: socket },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await waitForSocket(socket, child)
  return {
    child,
    socket,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** Pushes `count` probe samples spread over `clients`, each pushing in turn; resolves with the count. */
async function pushThrough(clients: readonly TimonClient[], count: number, rules: { staleIncidentAfter?: string } = {}): Promise<number> {
  let next = 0
  await Promise.all(
    clients.map(async (client) => {
      while (next < count) {
        const i = next++
        const pushed = await client.pushProbe({ code: `probe-${i % PROBES}`, health: i % 7 === 0 ? 'warning' : 'healthy', ...rules })
        if (pushed.isErr()) throw new Error(`push ${i} failed: ${pushed.error.code}: ${pushed.error.message}`)
      }
    }),
  )
  return count
}

async function inProcessMonitor(file: string): Promise<{ monitor: Monitor; close: () => Promise<void> }> {
  const store = new SqliteStore({ database: file })
  return { monitor: new Monitor({ store }), close: () => store.close() }
}

async function pushInProcess(monitor: Monitor, count: number, rules: { staleIncidentAfter?: string } = {}): Promise<void> {
  for (let i = 0; i < count; i++) {
    const pushed = await monitor.pushProbe({ code: `probe-${i % PROBES}`, health: i % 7 === 0 ? 'warning' : 'healthy', ...rules })
    if (pushed.isErr()) throw new Error(`in-process push ${i} failed: ${pushed.error.message}`)
  }
}

/** The RSS of a bare `node` process waiting on a timer, in MB. */
async function bareNodeRss(env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { env, stdio: 'ignore' })
  try {
    await sleep(500)
    return rssMb(child)
  } finally {
    child.kill()
  }
}

/** User + system CPU time of a child process so far, from /proc, in ms. */
function cpuMs(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${String(child.pid)}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  // utime and stime are the 14th and 15th fields of the line (12th and 13th after the name), in clock ticks (100 Hz on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** VmRSS of a child process, from /proc, in MB. */
function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${String(child.pid)}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${String(child.pid)}/status`)
  return Number(kb) / 1024
}


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
