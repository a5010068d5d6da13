import { statfs } from 'node:fs/promises'
import os from 'node:os'
import { errorMessage } from '@timon/core'
import type { CheckRunner, Evaluation } from '@timon/poll-http'
import type { DiskCheck, PercentThresholds, SystemResourceCheck } from './check-config.js'

/** One measured quantity against its thresholds: `disk 85% used`, `load 1.20 per CPU`. */
export interface Reading {
  readonly label: string
  readonly value: number
  readonly warning: number
  readonly critical: number
  /** How the value is shown: `85% used`, `1.20 per CPU`. */
  readonly shown: string
  /** The thresholds' unit: `%` or none. */
  readonly unit: string
}

/**
 * Judges readings together: any at or above its critical fails, else any at or above its warning
 * passes with a warning. The reason lists every reading, the worst first
 * (`space 96% used (critical 95%), inodes 12% used`).
 */
export function judgeReadings(readings: readonly Reading[]): Evaluation {
  const level = (reading: Reading) => (reading.value >= reading.critical ? 2 : reading.value >= reading.warning ? 1 : 0)
  const sorted = [...readings].sort((a, b) => level(b) - level(a))
  const worst = sorted.length === 0 ? 0 : level(sorted[0] as Reading)
  const reason = sorted
    .map((reading) => {
      const over =
        level(reading) === 2
          ? ` (critical ${reading.critical}${reading.unit})`
          : level(reading) === 1
            ? ` (warning ${reading.warning}${reading.unit})`
            : ''
      return `${reading.label} ${reading.shown}${over}`
    })
    .join(', ')
  return worst === 2 ? { ok: false, reason } : worst === 1 ? { ok: true, warning: true, reason } : { ok: true, reason }
}

/** Blocks and inodes of a file system, as `statfs` gives them. */
export interface FileSystemStats {
  readonly blocks: number
  readonly bfree: number
  /** Blocks free for unprivileged users. */
  readonly bavail: number
  readonly files: number
  readonly ffree: number
}

/** The readings of a disk check: space used as `df` counts it (used / (used + available)), and inodes used when the file system has any. */
export function diskReadings(stats: FileSystemStats, thresholds: PercentThresholds): Reading[] {
  const used = stats.blocks - stats.bfree
  const readings = [percentReading('space', used, used + stats.bavail, thresholds)]
  if (stats.files > 0) readings.push(percentReading('inodes', stats.files - stats.ffree, stats.files, thresholds))
  return readings
}

/** Runs a disk check: `statfs` of the path. */
export function diskRunner(check: DiskCheck): CheckRunner {
  return {
    source: `disk ${check.path}`,
    slotKey: `disk:${check.code}`,
    async run() {
      try {
        return judgeReadings(diskReadings(await statfs(check.path), check))
      } catch (error) {
        return { ok: false, reason: `cannot read the file system of ${check.path}: ${errorMessage(error)}` }
      }
    },
    close() {},
  }
}

/** What a system check measures. */
export interface SystemStats {
  /** The 1-minute load average. */
  readonly load1: number
  readonly cpus: number
  readonly totalMemory: number
  /** Memory available to programs without swapping (`MemAvailable` on Linux). */
  readonly freeMemory: number
}

/** The readings of a system check: load per CPU and memory in use. */
export function systemReadings(stats: SystemStats, check: Pick<SystemResourceCheck, 'load' | 'memory'>): Reading[] {
  const perCpu = stats.load1 / Math.max(1, stats.cpus)
  return [
    { label: 'load', value: perCpu, ...check.load, shown: `${perCpu.toFixed(2)} per CPU`, unit: '' },
    percentReading('memory', stats.totalMemory - stats.freeMemory, stats.totalMemory, check.memory),
  ]
}

/** Runs a system check on this machine's figures (`os.loadavg`, `os.freemem`). */
export function systemRunner(check: SystemResourceCheck): CheckRunner {
  return {
    source: 'system',
    slotKey: `system:${check.code}`,
    run: async () =>
      judgeReadings(
        systemReadings(
          {
            load1: os.loadavg()[0] ?? 0,
            cpus: os.availableParallelism(),
            totalMemory: os.totalmem(),
            freeMemory: os.freemem(),
          },
          check,
        ),
      ),
    close() {},
  }
}

// --- internal ---

function percentReading(label: string, part: number, whole: number, thresholds: PercentThresholds): Reading {
  const value = whole <= 0 ? 0 : (100 * part) / whole
  return {
    label,
    value,
    warning: thresholds.warningPercent,
    critical: thresholds.criticalPercent,
    shown: `${Math.round(value)}% used`,
    unit: '%',
  }
}
