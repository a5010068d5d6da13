// How a user tries a rule on recorded history before it pages anyone: record (or export from a
// store) what happened, replay it under another rule, and compare. Here a probe that flaps, on a
// MemoryStore with a FakeClock; with a daemon's store, `historyPages(store, window)` reads the same.
import { Monitor, MemoryStore } from '@timon/core'
import { collectHistory, compareOutcomes, historyPages, outcomeOf, replay } from '@timon/core/replay'
import { FakeClock } from '@timon/core/testing'
import { describe, expect, it } from 'vitest'

const FROM = new Date('2025-03-01T00:00:00Z')
const TO = new Date('2025-03-02T00:00:00Z')
/** Every event goes to the on-call pager. */
const PAGER = { targetsFor: () => ['pager'] }

/** A day of a queue probe pushing every 5 minutes that reads critical for one push in every 12. */
async function recordFlappingDay() {
  const store = new MemoryStore()
  const clock = new FakeClock(FROM)
  const monitor = new Monitor({ store, clock, notifications: PAGER })
  for (let push = 0; clock.now() < TO; push++) {
    const health = push % 12 === 11 ? 'critical' : 'healthy'
    ;(await monitor.pushProbe({ code: 'queue.depth', health }))._unsafeUnwrap()
    clock.advance('5m')
  }
  const history = await collectHistory(historyPages(store, { from: FROM, to: TO }))
  const { silences } = (await monitor.listSilences({ endingAfter: FROM }))._unsafeUnwrap()
  return { history, silences }
}

describe('trying failure_threshold=2 on a flapping probe', () => {
  it('pages no one for single critical pushes', async () => {
    const { history, silences } = await recordFlappingDay()
    const replayed = await replay({
      history,
      silences,
      from: FROM,
      to: TO,
      rules: { notifications: PAGER, overrides: [{ code: 'queue.*', rules: { failureThreshold: 2 } }] },
    })
    const { summary, codes } = compareOutcomes(outcomeOf(history), replayed._unsafeUnwrap())
    // Recorded: one incident, opened at the first of the 24 critical pushes, recovered at the push
    // after each and relapsed at each next one: 47 pages. Under the new rule, none: no critical
    // push is followed by another.
    expect(summary).toEqual({
      incidents: { recorded: 1, replayed: 0 },
      notifications: { recorded: 47, replayed: 0 },
    })
    expect(codes.map((c) => [c.code, c.removed.length, c.added.length])).toEqual([['queue.depth', 48, 0]])
  })
})
