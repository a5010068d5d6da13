// The daemon (issues 4 and 9): pushes/s through the socket API with 8 concurrent keep-alive clients,
// against the in-process Monitor on the same kind of store and against a trivial HTTP server (the
// ceiling), for both `synchronous` settings; and the daemon's RSS idle and after 100,000 pushes.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Monitor } from '@timon/core'
import { TimonClient } from '@timon/client'
import { SqliteStore, type Synchronous } from '@timon/store-sqlite'
import { BENCH_PROBES, inTurn, result, steadyPush, tempDir, timeMs, waitForSocket, type BenchResult } from './lib.js'

export const BIN = fileURLToPath(new URL('../packages/cli/bin/timon.js', import.meta.url))
/** Concurrent keep-alive clients of the throughput figures. */
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
/** Pushes/s the daemon must reach with `synchronous = "normal"` (issue 9). */
const DAEMON_PUSHES_PER_S = 15_000
/** Pushes before the second RSS reading, all phases counted. */
const RSS_PUSHES = 100_000
/** Clients pushing towards {@link RSS_PUSHES} (more than {@link CLIENTS}, to get there quickly). */
const RSS_CLIENTS = 32
const RSS_LIMIT_MB = 110
/** Rest before the last RSS reading: V8's memory reducer shrinks an idle heap after some 10–20 s. */
const SETTLE_MS = 25_000
const SETTINGS: readonly Synchronous[] = ['full', 'normal']

/**
 * - `ceiling pushes/s`: the same {@link CLIENTS} `TimonClient`s pushing to a trivial `node:http`
 *   server in a child process, on a Unix socket, that parses the JSON body and answers 201 with a
 *   sample: what the HTTP layer and the client cost, with no store behind.
 * - per `synchronous` setting (`full`, the default, syncs every commit; `normal` does not):
 *   `daemon pushes/s`: probe pushes through the real daemon, a CHILD process (`timon daemon`, so
 *   client and server run on separate cores), by {@link CLIENTS} `TimonClient`s each pushing in
 *   turn over its kept-alive connection; against the in-process `Monitor` + `SqliteStore` with the
 *   same setting on a WAL file in the same run, pushing one after the other, the same number of
 *   pushes into a database of the same size. Target ≥ 1.5 (shared commits). Then the same figure
 *   against the ceiling (with `normal`, target ≥ {@link DAEMON_PUSHES_PER_S} pushes/s).
 * - `in-process … concurrent callers sharing commits` (no target): the daemon's own work without
 *   HTTP — the same Monitor and `SqliteStore({ shareCommits: true })`, pushed by {@link CLIENTS}
 *   concurrent callers in this process — against the sequential in-process figure. A daemon that
 *   does this work and HTTP on one thread cannot go faster, so this ratio bounds the first one.
 * - `daemon CPU per push` (no target): the daemon's CPU time (user + system, from /proc) per push
 *   in its best round, against this process's per in-process push: where the gap comes from.
 * - `daemon RSS idle`: VmRSS of the default (`full`) daemon once started and answering, against a
 *   bare `node` process waiting on a timer; `daemon RSS after 100,000 pushes`: once that many
 *   pushes are answered (then 1 s of rest), against the idle figure. Limit {@link RSS_LIMIT_MB} MB
 *   each. Then (no limit) the same after {@link SETTLE_MS} of rest.
 *
 * Child processes get a minimal environment (PATH, HOME and Timon's variables): this shell's
 * NODE_EXTRA_CA_CERTS, for one, would slow every start and is not what a service has.
 * `TIMON_DAEMON_NODE_ARGS` adds node flags to the daemons' command lines, to profile them
 * (`--cpu-prof --cpu-prof-dir=/tmp/prof`) or try V8 settings (`--max-semi-space-size=2`).
 */
export async function runDaemonBench(): Promise<BenchResult[]> {
  const tmp = tempDir('timon-daemon-bench-')
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp.dir }
  const children: Child[] = []
  const monitors: InProcess[] = []
  try {
    const bareRss = await bareNodeRss(env)
    const ceiling = await startCeiling(tmp.path('ceiling.sock'), env)
    children.push(ceiling)
    const daemons = new Map<Synchronous, Child>()
    for (const setting of SETTINGS) {
      const daemon = await startDaemon(tmp.path(`daemon-${setting}`), env, setting)
      children.push(daemon)
      daemons.set(setting, daemon)
    }
    await sleep(500)
    const main = daemons.get('full') as Child
    const idleRss = rssMb(main.child)

    // Probes exist before timing, in every store, and all are warmed up alike.
    const clientsOf = (child: Child, n: number) =>
      Array.from({ length: n }, () => new TimonClient({ socketPath: child.socket }))
    const ceilingClients = clientsOf(ceiling, CLIENTS)
    await pushThrough(ceilingClients, WARM_UP_PUSHES)
    const runs = new Map<Synchronous, Run>()
    for (const setting of SETTINGS) {
      const daemon = daemons.get(setting) as Child
      const clients = clientsOf(daemon, setting === 'full' ? RSS_CLIENTS : CLIENTS)
      let pushed = await pushThrough(clients.slice(0, 1), BENCH_PROBES, { staleIncidentAfter: '15m' })
      pushed += await pushThrough(clients.slice(0, CLIENTS), WARM_UP_PUSHES)
      const monitor = inProcessMonitor(tmp.path(`monitor-${setting}.db`), setting)
      const shared = inProcessMonitor(tmp.path(`shared-${setting}.db`), setting, true)
      monitors.push(monitor, shared)
      for (const { monitor: each } of [monitor, shared]) {
        await pushInProcess(each, BENCH_PROBES, { staleIncidentAfter: '15m' })
        await pushInProcess(each, WARM_UP_PUSHES)
      }
      runs.set(setting, {
        daemon,
        clients,
        monitor,
        shared,
        pushed,
        daemonRate: 0,
        monitorRate: 0,
        sharedRate: 0,
        daemonCpu: Infinity,
        monitorCpu: Infinity,
      })
    }

    let ceilingRate = 0
    for (let round = 0; round < ROUNDS; round++) {
      ceilingRate = Math.max(
        ceilingRate,
        (ROUND_PUSHES / (await timeMs(() => pushThrough(ceilingClients, ROUND_PUSHES)))) * 1000,
      )
      for (const run of runs.values()) {
        const cpuBefore = process.cpuUsage()
        const monitorMs = await timeMs(() => pushInProcess(run.monitor.monitor, ROUND_PUSHES))
        const cpu = process.cpuUsage(cpuBefore)
        run.monitorRate = Math.max(run.monitorRate, (ROUND_PUSHES / monitorMs) * 1000)
        run.monitorCpu = Math.min(run.monitorCpu, (cpu.user + cpu.system) / ROUND_PUSHES)
        const sharedMs = await timeMs(() => pushInProcess(run.shared.monitor, ROUND_PUSHES, {}, CLIENTS))
        run.sharedRate = Math.max(run.sharedRate, (ROUND_PUSHES / sharedMs) * 1000)
        const daemonCpuBefore = cpuMs(run.daemon.child)
        const daemonMs = await timeMs(async () => {
          run.pushed += await pushThrough(run.clients.slice(0, CLIENTS), ROUND_PUSHES)
        })
        run.daemonRate = Math.max(run.daemonRate, (ROUND_PUSHES / daemonMs) * 1000)
        run.daemonCpu = Math.min(run.daemonCpu, ((cpuMs(run.daemon.child) - daemonCpuBefore) * 1000) / ROUND_PUSHES)
      }
    }
    for (const client of ceilingClients) client.close()
    await ceiling.stop()
    await daemons.get('normal')?.stop()
    for (const monitor of monitors.splice(0)) await monitor.close()

    const full = runs.get('full') as Run
    full.pushed += await pushThrough(full.clients, Math.max(0, RSS_PUSHES - full.pushed))
    for (const run of runs.values()) for (const client of run.clients) client.close()
    await sleep(1_000)
    const loadedRss = rssMb(main.child)
    await sleep(SETTLE_MS - 1_000)
    const settledRss = rssMb(main.child)

    return [
      result({
        name: `ceiling pushes/s, ${CLIENTS} keep-alive clients to a trivial node:http server (child process) that parses the body and answers 201`,
        value: Math.round(ceilingRate),
        unit: 'push/s',
        baseline: Math.round((runs.get('normal') as Run).daemonRate),
        baselineName: 'daemon (synchronous = normal) push/s',
        ratio: ceilingRate / (runs.get('normal') as Run).daemonRate,
      }),
      ...[...runs].flatMap(([setting, run]) => [
        result({
          name: `daemon pushes/s, synchronous = ${setting}, ${CLIENTS} keep-alive clients over the socket (daemon in a child process)`,
          value: Math.round(run.daemonRate),
          unit: 'push/s',
          baseline: Math.round(run.monitorRate),
          baselineName: `in-process Monitor + SqliteStore (synchronous = ${setting}, WAL file, sequential) push/s`,
          ratio: run.daemonRate / run.monitorRate,
          target: 1.5,
          better: 'higher',
        }),
        result({
          name: `daemon pushes/s, synchronous = ${setting}, against the ceiling`,
          value: Math.round(run.daemonRate),
          unit: 'push/s',
          baseline: Math.round(ceilingRate),
          baselineName: 'ceiling push/s',
          ratio: run.daemonRate / ceilingRate,
          ...(setting === 'normal' ? { floor: DAEMON_PUSHES_PER_S } : {}),
        }),
        result({
          name: `in-process Monitor + SqliteStore pushes/s, synchronous = ${setting}, ${CLIENTS} concurrent callers sharing commits (the daemon's work without HTTP: what a single-threaded daemon cannot exceed)`,
          value: Math.round(run.sharedRate),
          unit: 'push/s',
          baseline: Math.round(run.monitorRate),
          baselineName: 'in-process sequential push/s',
          ratio: run.sharedRate / run.monitorRate,
        }),
        result({
          name: `daemon CPU per push, synchronous = ${setting} (user + system, best round)`,
          value: Math.round(run.daemonCpu),
          unit: 'µs',
          baseline: Math.round(run.monitorCpu),
          baselineName: 'in-process Monitor CPU per push (µs)',
          ratio: run.daemonCpu / run.monitorCpu,
        }),
      ]),
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
        name: `daemon RSS after ${full.pushed.toLocaleString('en-US')} pushes`,
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
    for (const monitor of monitors) await monitor.close()
    for (const child of children) await child.stop()
    tmp.cleanup()
  }
}

// --- internal ---

/** A server in a child process: a daemon or the ceiling. */
export interface Child {
  readonly child: ChildProcess
  readonly socket: string
  readonly stop: () => Promise<void>
}

/** One `synchronous` setting's daemon, its clients and in-process twin, and their best figures so far. */
interface Run {
  readonly daemon: Child
  readonly clients: readonly TimonClient[]
  readonly monitor: InProcess
  /** The same Monitor and store as the daemon's: {@link CLIENTS} concurrent callers sharing commits. */
  readonly shared: InProcess
  pushed: number
  daemonRate: number
  monitorRate: number
  sharedRate: number
  daemonCpu: number
  monitorCpu: number
}

interface InProcess {
  readonly monitor: Monitor
  readonly close: () => Promise<void>
}

export async function startDaemon(dir: string, env: Record<string, string>, synchronous: Synchronous): Promise<Child> {
  const socket = join(dir, 'timon.sock')
  const config = join(dir, 'timon.toml')
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    config,
    `[daemon]\ndata_dir = "${join(dir, 'data')}"\nsocket = "${socket}"\nlog_level = "error"\n[store]\nsynchronous = "${synchronous}"\n`,
  )
  // TIMON_DAEMON_NODE_ARGS: extra node flags for the daemon (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const nodeArgs = (process.env.TIMON_DAEMON_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '')
  return startChild([...nodeArgs, BIN, 'daemon'], { ...env, TIMON_CONFIG: config, TIMON_SOCKET: socket }, socket)
}

/**
 * The ceiling: `node:http` on a Unix socket that reads and parses the JSON body and answers 201
 * with a sample of the daemon's size, and nothing else.
 */
function startCeiling(socket: string, env: Record<string, string>): Promise<Child> {
  return startChild(['-e', CEILING_SERVER, socket], env, socket)
}

const CEILING_SERVER = `
const answer = JSON.stringify({ sample: { id: 1, contract_id: 1, kind: 'sample', uid: 'aaaaaaaaaaaaaaaaaaaaaaaaaa', health: 'healthy',
  pushed_at: new Date().toISOString(), comment: null, progress: null }, opened: [], recovered: [], relapsed: [] }) + '\\n'
require('node:http').createServer((req, res) => {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'))
    res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(answer) })
    res.end(answer)
  })
}).listen(process.argv[1])
`

async function startChild(args: readonly string[], env: Record<string, string>, socket: string): Promise<Child> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] })
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
export async function pushThrough(
  clients: readonly TimonClient[],
  count: number,
  rules: { staleIncidentAfter?: string } = {},
): Promise<number> {
  await inTurn(clients.length, count, async (i, caller) => {
    const pushed = await (clients[caller] as TimonClient).pushProbe({ ...steadyPush(i), ...rules })
    if (pushed.isErr()) throw new Error(`push ${i} failed: ${pushed.error.code}: ${pushed.error.message}`)
  })
  return count
}

function inProcessMonitor(file: string, synchronous: Synchronous, shareCommits = false): InProcess {
  const store = new SqliteStore({ database: file, synchronous, shareCommits })
  let closed: Promise<void> | undefined
  return { monitor: new Monitor({ store }), close: () => (closed ??= store.close()) }
}

/** Pushes `count` samples through `monitor`, by `callers` concurrent callers each pushing in turn (default one). */
async function pushInProcess(
  monitor: Monitor,
  count: number,
  rules: { staleIncidentAfter?: string } = {},
  callers = 1,
): Promise<void> {
  await inTurn(callers, count, async (i) => {
    const pushed = await monitor.pushProbe({ ...steadyPush(i), ...rules })
    if (pushed.isErr()) throw new Error(`in-process push ${i} failed: ${pushed.error.message}`)
  })
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
  const fields =
    readFileSync(`/proc/${String(child.pid)}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ') ?? []
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
