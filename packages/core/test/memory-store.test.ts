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

  it('rolls a push back whole: the sample it dropped is back, the one it inserted gone, the deadline as it was', async () => {
    const store = new MemoryStore({ samples: 'latest' })
    const clock = new FakeClock(new Date('2025-01-01T00:00:00Z'))
    const monitor = new Monitor({ store, clock })
    for (let i = 0; i < 2; i++) {
      clock.advance(60_000)
      ;(await monitor.pushProbe({ code: 'db.main', health: 'healthy', staleAfter: '1h' }))._unsafeUnwrap()
    }
    const read = () =>
      store.transaction(async (tx) => {
        const contract = await tx.findContract('db.main')
        const reports = await tx.listReports(contract?.id ?? 0, {})
        return { contract, reports, byUid: await Promise.all(reports.map((r) => tx.findReport(r.contractId, r.uid))) }
      })
    const before = await read()
    const nextDue = store.nextDue()
    const boom = new Error('boom')
    await expect(
      store.transaction(async (tx) => {
        const contract = before.contract!
        const sample = await tx.insertSample({
          contractId: contract.id,
          uid: 'rolled-back',
          health: 'critical',
          pushedAt: new Date('2025-01-01T00:03:00Z'),
          comment: null,
          detail: null,
          rules: contract.rules,
          host: null,
          progress: null,
        })
        await tx.updateContract(contract.id, { staleAt: new Date('2025-01-01T01:03:00Z'), lastReportId: sample.id })
        expect((await tx.listReports(contract.id, {})).map((r) => r.uid)).toEqual([
          'rolled-back',
          before.reports[0]?.uid,
        ])
        throw boom
      }),
    ).rejects.toBe(boom)
    expect(before.reports).toHaveLength(2)
    expect(await read()).toEqual(before)
    expect(store.nextDue()).toEqual(nextDue)
    // The ids of what was rolled back are free again, as an SQL store's AUTOINCREMENT.
    clock.advance(60_000)
    const pushed = (await monitor.pushProbe({ code: 'db.main', health: 'healthy' }))._unsafeUnwrap()
    expect(pushed.sample.id).toBe((before.reports[0]?.id ?? 0) + 1)
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
