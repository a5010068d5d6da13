// Small helpers shared by the benchmarks: timing, temp dirs, and printing a ratio against a
// baseline measured in the same run.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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
 * `limit` instead bounds the value itself (e.g. an RSS in MB).
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
  readonly pass?: boolean
}

export function result(r: Omit<BenchResult, 'pass'>): BenchResult {
  const { target, better, limit, value, ratio } = r
  const pass =
    limit !== undefined ? value <= limit : target === undefined ? undefined : better === 'higher' ? ratio >= target : ratio <= target
  return pass === undefined ? r : { ...r, pass }
}
