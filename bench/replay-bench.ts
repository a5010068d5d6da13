// `timon replay`'s library (issue 16): samples replayed per second through a fresh Monitor on a
// MemoryStore, streamed from SQLite's export pages, against reading the same pages, extrapolated
// to the 8.6 M samples (1,000 probes × 5-minute pushes × 30 days), whose target is under a
// minute. MemoryStore's lookups are indexed, so the cost per sample holds as the history grows
// (REPLAY_BENCH_PROBES and REPLAY_BENCH_HOURS measure other sizes).
import { Monitor } from '@timon/core'
import { historyPages, replay } from '@timon/core/replay'
import { FakeClock } from '@timon/core/testing'
import { SqliteStore } from '@timon/store-sqlite'
import { result, tempDir, timeMs, type BenchResult } from './lib.js'

const PROBES = Number(process.env.REPLAY_BENCH_PROBES ?? 200)
const HOURS = Number(process.env.REPLAY_BENCH_HOURS ?? 12)
const TARGET_SAMPLES = 8_640_000

export async function runReplayBench(): Promise<readonly BenchResult[]> {
  const tmp = tempDir()
  try {
    const store = new SqliteStore({ database: tmp.path('timon.db'), synchronous: 'normal' })
    const start = new Date('2025-01-01T00:00:00Z')
    const clock = new FakeClock(start)
    const monitor = new Monitor({ store, clock })
    for (let minute = 0; minute < HOURS * 60; minute += 5) {
      clock.set(start.getTime() + minute * 60_000)
      for (let p = 0; p < PROBES; p++) {
        await monitor.pushProbe({
          code: `host${p}.load`,
          health: (minute + p) % 97 === 0 ? 'critical' : 'healthy',
          staleIncidentAfter: '20m',
        })
      }
    }
    const to = clock.now()
    let samples = 0
    const readMs = await timeMs(async () => {
      for await (const page of historyPages(store, { from: start, to })) samples += page.reports.length
    })
    const replayMs = await timeMs(async () => {
      const history = historyPages(store, { from: start, to })
      ;(
        await replay({
          history,
          from: start,
          to,
          rules: { overrides: [{ code: '*', rules: { staleIncidentAfter: 600_000 } }] },
        })
      )._unsafeUnwrap()
    })
    await store.close()
    const perSecond = (samples / replayMs) * 1000
    return [
      result({
        name: `replay ${samples} samples streamed from SQLite (${PROBES} probes × ${HOURS}h)`,
        value: Math.round(replayMs),
        unit: 'ms',
        baseline: Math.round(readMs),
        baselineName: 'reading them',
        ratio: replayMs / readMs,
      }),
      result({
        name: `replay of ${TARGET_SAMPLES} samples at ${Math.round(perSecond)} samples/s (extrapolated: the cost per sample is flat)`,
        value: Math.round(TARGET_SAMPLES / perSecond),
        unit: 's',
        baseline: Math.round((TARGET_SAMPLES / samples) * readMs) / 1000,
        baselineName: 'reading them (s)',
        ratio: TARGET_SAMPLES / perSecond / (((TARGET_SAMPLES / samples) * readMs) / 1000),
        limit: 60,
      }),
    ]
  } finally {
    tmp.cleanup()
  }
}
