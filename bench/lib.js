// Small helpers shared by the benchmarks: timing, temp dirs, and printing a ratio against a
// baseline measured in the same run.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh temporary directory, removed by `cleanup()`. */
export function tempDir(prefix = 'timon-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Milliseconds taken by `fn` (awaited). */
export async function timeMs(fn) {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}

/** The median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * One result line: what was measured, its figure, the baseline's, their ratio and the target.
 * `better` says which direction passes: 'higher' (ratio ≥ target) or 'lower' (ratio ≤ target);
 * `limit` instead bounds the value itself (e.g. an RSS in MB).
 */
export function result({ name, value, unit, baseline, baselineName, ratio, target, better, limit }) {
  const pass =
    limit !== undefined ? value <= limit : target === undefined ? undefined : better === 'higher' ? ratio >= target : ratio <= target
  return { name, value, unit, baseline, baselineName, ratio, target, better, limit, pass }
}
