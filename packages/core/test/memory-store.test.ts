import { describe, expect, it } from 'vitest'
import { describeStoreConformance } from '../src/conformance/store-conformance.js'
import { MemoryStore } from '../src/memory-store.js'
import { Monitor } from '../src/monitor.js'
import { FakeClock } from '../src/testing/fake-clock.js'

describeStoreConformance('memory', () => new MemoryStore())

describe("MemoryStore with samples: 'latest'", () => {
  it("keeps each probe's latest sample only, and its threshold streaks work as before", async () => {
    const store = new MemoryStore({ samples: 'latest' })
    const clock = new FakeClock(new Date('2025-01-01T00:00:00Z'))
    const monitor = new Monitor({ store, clock })
    for (const health of ['critical', 'critical', 'healthy', 'critical', 'critical', 'critical'] as const) {
      clock.advance(60_000)
      ;(await monitor.pushProbe({ code: 'db.main', health, failureThreshold: 3 }))._unsafeUnwrap()
    }
    const view = (await monitor.showContract('db.main', { all: true }))._unsafeUnwrap()
    expect(view.reportCount).toBe(2)
    expect(view.lastReport?.id).toBe(6)
    expect(view.activeIncidents.map((i) => i.triggerType)).toEqual(['critical'])
  })
})

describe('MemoryStore.nextDue', () => {
  it("answers what Monitor.nextDeadline reads in a transaction: deadlines, silences' ends and reminders", async () => {
    const store = new MemoryStore({ samples: 'latest' })
    const clock = new FakeClock(new Date('2025-01-01T00:00:00Z'))
    const notifications = { targetsFor: () => ['hook'], remindEvery: () => 4 * 3_600_000 }
    const monitor = new Monitor({ store, clock, notifications })
    const both = async () => [store.nextDue(), await monitor.nextDeadline()]
    expect(await both()).toEqual([undefined, undefined])
    await monitor.pushProbe({ code: 'db.main', health: 'critical', staleAfter: '2h' })
    expect(await both()).toEqual([new Date('2025-01-01T02:00:00Z'), new Date('2025-01-01T02:00:00Z')])
    await monitor.addSilence({ pattern: 'db.*', for: '30m' })
    expect(await both()).toEqual([new Date('2025-01-01T00:30:00Z'), new Date('2025-01-01T00:30:00Z')])
    clock.set('2025-01-01T03:00:00Z')
    await monitor.check()
    expect(await both()).toEqual([new Date('2025-01-01T04:00:00Z'), new Date('2025-01-01T04:00:00Z')])
  })
})
