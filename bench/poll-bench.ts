// Issue 6 benchmark: @timon/poll-http polling 1,000 checks at a 1 s interval.
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { HttpPoller, parseChecks } from '@timon/poll-http'
import { result, type BenchResult } from './lib.js'

/** Checks polled at once. */
const CHECKS = 1_000
/** Their interval. */
const INTERVAL = '1s'
/** Not measured: the first interval, while the connections open and the code warms up. */
const WARM_UP_MS = 2_000
/** p99 lateness target, in milliseconds. */
const P99_LIMIT_MS = 50

/**
 * Polls {@link CHECKS} checks at a 1 s interval (each its own URL, so its own keep-alive
 * connection) against one local keep-alive HTTP server for `TIMON_BENCH_POLL_SECONDS` seconds
 * (default 30). The server runs in a child process, so the CPU figures are the poller's alone;
 * `record` is a no-op (storing samples is the core's cost, measured by the core benchmark).
 *
 * Figures:
 * Both measures skip a warm-up of {@link WARM_UP_MS} (connections opening, JIT).
 *
 * - `poll lateness p50/p99/max`: how late each request started against its schedule (queueing for
 *   an in-flight slot included), in ms (the clock's resolution is 1 ms); target p99 < 50 ms;
 * - `poll CPU share`: user + system CPU time of this process (all its threads, GC included) over
 *   wall time, in % of one core;
 * - the baseline of each: the same number of plain timers on the same 1 s grid, each sending a
 *   bare `http.get` through its own keep-alive agent, for a third of the time: what Node's HTTP
 *   client costs by itself at that rate, so the ratio is the poller's overhead;
 * - `poll requests/s`: requests started per second (1,000 expected once every check has started);
 * - `poll failed samples`: samples that were not healthy (any is a fault of the bench setup).
 */
export async function runPollBench(): Promise<BenchResult[]> {
  const seconds = Number(process.env.TIMON_BENCH_POLL_SECONDS ?? 30)
  if (!(seconds > 0))
    throw new RangeError(
      `TIMON_BENCH_POLL_SECONDS must be a positive number, not ${process.env.TIMON_BENCH_POLL_SECONDS}`,
    )

  const server = await startServer()
  try {
    const baseline = await rawRequests(server.origin, Math.max(3, seconds / 3))
    const polled = await poll(server.origin, seconds)
    const shared = { baselineName: `raw http.get on ${CHECKS} timers` } as const
    return [
      result({
        name: 'poll lateness p50',
        value: round(polled.p50),
        unit: 'ms',
        baseline: round(baseline.p50),
        ratio: ratio(polled.p50, baseline.p50),
        ...shared,
      }),
      result({
        name: 'poll lateness p99',
        value: round(polled.p99),
        unit: 'ms',
        baseline: round(baseline.p99),
        ratio: ratio(polled.p99, baseline.p99),
        limit: P99_LIMIT_MS,
        ...shared,
      }),
      result({
        name: 'poll lateness max',
        value: round(polled.max),
        unit: 'ms',
        baseline: round(baseline.max),
        ratio: ratio(polled.max, baseline.max),
        ...shared,
      }),
      result({
        name: 'poll CPU share',
        value: round(polled.cpuPercent),
        unit: '%',
        baseline: round(baseline.cpuPercent),
        ratio: ratio(polled.cpuPercent, baseline.cpuPercent),
        ...shared,
      }),
      result({
        name: 'poll requests/s',
        value: round(polled.perSecond),
        unit: 'req/s',
        baseline: round(baseline.perSecond),
        ratio: ratio(polled.perSecond, baseline.perSecond),
        ...shared,
      }),
      result({
        name: 'poll failed samples',
        value: polled.failed,
        unit: 'samples',
        baseline: 0,
        ratio: 0,
        limit: 0,
        baselineName: 'none expected',
      }),
    ]
  } finally {
    server.stop()
  }
}

// --- internal ---

interface Measure {
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly cpuPercent: number
  /** Runs started per second of wall time. */
  readonly perSecond: number
  readonly failed: number
}

async function poll(origin: string, seconds: number): Promise<Measure> {
  const tables = Array.from({ length: CHECKS }, (_, i) => ({
    code: `bench.check-${i}`,
    url: `${origin}/health/${i}`,
    interval: INTERVAL,
  }))
  const checks = parseChecks(tables, { baseDir: process.cwd() })._unsafeUnwrap()
  const late: number[] = []
  let failed = 0
  const poller = new HttpPoller({ checks, onRunStart: (run) => late.push(run.lateMs) })
  poller.start(async (sample) => {
    if (sample.health !== 'healthy') failed += 1
  })
  await sleep(WARM_UP_MS)
  const cpu = process.cpuUsage()
  const started = performance.now()
  const measuredFrom = late.length
  await sleep(seconds * 1000)
  const used = process.cpuUsage(cpu)
  const wall = performance.now() - started
  await poller.stop()
  const steady = late.slice(measuredFrom)
  return { ...percentiles(steady), cpuPercent: cpuShare(used, wall), perSecond: steady.length / (wall / 1000), failed }
}

/** The baseline: the same grid of timers each sending a bare `http.get` over its own keep-alive agent. */
async function rawRequests(origin: string, seconds: number): Promise<Measure> {
  const late: number[] = []
  const timers = new Set<NodeJS.Timeout>()
  const agents = Array.from({ length: CHECKS }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }))
  const start = Date.now()
  const interval = 1000
  let failed = 0
  const arm = (i: number, at: number) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer)
        late.push(Date.now() - at)
        http
          .get(`${origin}/health/${i}`, { agent: agents[i] }, (response) => {
            if (response.statusCode !== 200) failed += 1
            response.resume()
          })
          .on('error', () => (failed += 1))
        arm(i, at + interval)
      },
      Math.max(0, at - Date.now()),
    )
    timers.add(timer)
  }
  for (let i = 0; i < CHECKS; i++) arm(i, start + Math.floor(Math.random() * interval))
  await sleep(WARM_UP_MS)
  const cpu = process.cpuUsage()
  const measuredFrom = late.length
  await sleep(seconds * 1000)
  const used = process.cpuUsage(cpu)
  for (const timer of timers) clearTimeout(timer)
  for (const agent of agents) agent.destroy()
  const steady = late.slice(measuredFrom)
  return {
    ...percentiles(steady),
    cpuPercent: cpuShare(used, seconds * 1000),
    perSecond: steady.length / seconds,
    failed,
  }
}

/** A keep-alive HTTP server in a child process, answering `ready`. */
async function startServer(): Promise<{ origin: string; stop: () => void }> {
  const source = `
    const http = require('node:http')
    const server = http.createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('ready') })
    server.keepAliveTimeout = 60000
    server.maxConnections = 10000
    server.listen(0, '127.0.0.1', () => console.log(server.address().port))
  `
  const child: ChildProcess = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })
  const [line] = (await once(lines, 'line')) as [string]
  lines.close()
  return { origin: `http://127.0.0.1:${Number(line)}`, stop: () => child.kill() }
}

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN }
}

function cpuShare(used: NodeJS.CpuUsage, wallMs: number): number {
  return ((used.user + used.system) / 1000 / wallMs) * 100
}

function ratio(value: number, baseline: number): number {
  return baseline === 0 ? (value === 0 ? 1 : Number.POSITIVE_INFINITY) : value / baseline
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
