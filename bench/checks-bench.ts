// Issue 17 benchmark: 1,000 command checks at a 10 s interval, against `node` spawning `true`.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { SystemPoller, parseSystemChecks } from '@timon/poll-system'
import { median, result, type BenchResult } from './lib.js'

const CHECKS = 1_000
const CONCURRENCY = 32

/**
 * Baseline: this process spawning `/bin/true` {@link CHECKS} times, {@link CONCURRENCY} at a time
 * (the poller's in-flight bound), as plain `child_process.spawn` calls. Measured: the
 * `SystemPoller` running {@link CHECKS} command checks of `/bin/true` at 10 s for
 * `TIMON_BENCH_CHECKS_SECONDS` (default 20) seconds. Figures per run: this process's CPU
 * (user + system; the children's own CPU is the same `true` in both) and the lateness of each
 * run against its schedule.
 */
export async function runChecksBench(): Promise<BenchResult[]> {
  const seconds = Number(process.env.TIMON_BENCH_CHECKS_SECONDS ?? 20)

  let cpu = process.cpuUsage()
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CHECKS) {
        next += 1
        await once(spawn('/bin/true', [], { stdio: 'ignore' }), 'close')
      }
    }),
  )
  const baseCpu = cpuMs(process.cpuUsage(cpu)) / CHECKS

  const checks = parseSystemChecks(
    Array.from({ length: CHECKS }, (_, i) => ({
      type: 'command',
      code: `bench.cmd.${i}`,
      command: ['/bin/true'],
      interval: '10s',
    })),
    { baseDir: '/' },
  )._unsafeUnwrap()
  const late: number[] = []
  let samples = 0
  const poller = new SystemPoller({ checks, maxInFlight: CONCURRENCY, onRunStart: (run) => late.push(run.lateMs) })
  cpu = process.cpuUsage()
  const started = performance.now()
  poller.start(async () => {
    samples += 1
  })
  await sleep(seconds * 1000)
  await poller.stop()
  const checkCpu = cpuMs(process.cpuUsage(cpu)) / Math.max(1, samples)
  late.sort((a, b) => a - b)
  const p99 = late[Math.floor(late.length * 0.99)] ?? 0
  const wall = performance.now() - started
  return [
    result({
      name: 'command check: parent CPU per run',
      value: round(checkCpu),
      unit: 'ms',
      baseline: round(baseCpu),
      baselineName: 'spawn(true)',
      ratio: checkCpu / baseCpu,
    }),
    result({
      name: `command checks: runs per second (${CHECKS} at 10s)`,
      value: round((samples * 1000) / wall),
      unit: '/s',
      baseline: 100,
      baselineName: 'schedule',
      ratio: (samples * 1000) / wall / 100,
      target: 0.9,
      better: 'higher',
    }),
    result({
      name: 'command check: lateness p50 / p99',
      value: round(p99),
      unit: 'ms (p99)',
      baseline: round(median(late)),
      baselineName: 'p50',
      ratio: p99 / Math.max(1, median(late)),
      limit: 1000,
    }),
  ]
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000
}

function round(value: number): number {
  return Number(value.toFixed(2))
}
