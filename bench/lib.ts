// Small helpers shared by the benchmarks: timing, temp dirs, and printing a ratio against a
// baseline measured in the same run.
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { connect, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A fresh temporary directory, removed by `cleanup()`. */
export function tempDir(prefix = 'timon-bench-'): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, path: (name: string) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Milliseconds taken by `fn` (awaited). */
export async function timeMs(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}

/** The probes a push benchmark pushes to, round robin; they exist before timing, as in steady state. */
export const BENCH_PROBES = 100

/** The `i`-th push of a benchmark's steady load: the probes in turn, one push in 7 a warning. */
export function steadyPush(i: number): { readonly code: string; readonly health: 'healthy' | 'warning' } {
  return { code: `probe-${i % BENCH_PROBES}`, health: i % 7 === 0 ? 'warning' : 'healthy' }
}

/**
 * Runs `push(0)` … `push(count - 1)` by `callers` concurrent callers, each taking the next number
 * once it is done with its own (`caller` says which one is pushing).
 */
export async function inTurn(
  callers: number,
  count: number,
  push: (i: number, caller: number) => Promise<void>,
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      while (next < count) await push(next++, caller)
    }),
  )
}

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const at = (i: number) => sorted[i] ?? Number.NaN
  return sorted.length % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2
}

/**
 * One result line: what was measured, its figure, the baseline's, their ratio and the target.
 * `better` says which direction passes: 'higher' (ratio ≥ target) or 'lower' (ratio ≤ target);
 * `limit` instead bounds the value itself from above (e.g. an RSS in MB), `floor` from below (e.g. pushes/s).
 */
export interface BenchResult {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly baseline: number
  readonly baselineName: string
  readonly ratio: number
  readonly target?: number
  readonly better?: 'higher' | 'lower'
  readonly limit?: number
  readonly floor?: number
  readonly pass?: boolean
}

export function result(r: Omit<BenchResult, 'pass'>): BenchResult {
  const { target, better, limit, floor, value, ratio } = r
  const pass =
    limit !== undefined
      ? value <= limit
      : floor !== undefined
        ? value >= floor
        : target === undefined
          ? undefined
          : better === 'higher'
            ? ratio >= target
            : ratio <= target
  return pass === undefined ? r : { ...r, pass }
}

/** Milliseconds a whole process takes (`file args…`, output ignored); throws when it fails. */
export function timeProcess(file: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint()
  const child = spawnSync(file, args, { env, stdio: 'ignore' })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (child.status !== 0) throw new Error(`${file} ${args.join(' ')} exited with status ${String(child.status)}`)
  return ms
}

/** The `timon` CLI package. */
export const CLI_DIR = fileURLToPath(new URL('../packages/cli/', import.meta.url))

/** Rebuilds the CLI's bundle when it is older than the build of the packages it holds. */
export function refreshCliBundle(): void {
  const mtime = (file: string) => (existsSync(file) ? statSync(file).mtimeMs : -1)
  const bundle = mtime(join(CLI_DIR, 'dist', 'timon.cjs'))
  const builds = ['cli', 'core', 'client'].map((name) => mtime(join(CLI_DIR, '..', name, 'dist', '.tsbuildinfo')))
  if (bundle < 0 || builds.some((build) => build > bundle)) {
    execFileSync(process.execPath, [join(CLI_DIR, 'scripts', 'bundle.mjs')], { stdio: 'inherit' })
  }
}

/** Waits (at most 15 s) until something accepts connections on `socket`; fails early if `child` exits. */
export async function waitForSocket(socket: string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child !== undefined && child.exitCode !== null) {
      throw new Error(`the daemon exited with status ${child.exitCode} before listening on ${socket}`)
    }
    const up = await new Promise<boolean>((resolve) => {
      const probe = connect(socket, () => {
        probe.end()
        resolve(true)
      })
      probe.once('error', () => resolve(false))
    })
    if (up) return
    if (Date.now() > deadline) throw new Error(`no daemon on ${socket} after 15 s`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Milliseconds rounded to a tenth. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10
}

/** A port free a moment ago on 127.0.0.1 (for a daemon's `[http] listen`). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}
