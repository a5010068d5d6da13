import { describe, expect, it } from 'vitest'
import { setup } from './helpers.js'

/** An RFC 3339 time `ms` before the clock's now. */
function ago(now: Date, ms: number): string {
  return new Date(now.getTime() - ms).toISOString()
}
const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe("pushes' origin: host and original time (at)", () => {
  it('keeps the host of samples and runs, and refuses one that is not a host name', async () => {
    const { monitor } = setup()
    expect(
      (await monitor.pushProbe({ code: 'web', health: 'healthy', host: 'web-1.example' }))._unsafeUnwrap().sample.host,
    ).toBe('web-1.example')
    const { run } = (await monitor.startJob({ code: 'backup', host: 'db-2' }))._unsafeUnwrap()
    expect(run.host).toBe('db-2')
    expect((await monitor.skipRun({ code: 'backup', host: 'db-3' }))._unsafeUnwrap().run.host).toBe('db-3')
    expect((await monitor.pushProbe({ code: 'web', health: 'healthy' }))._unsafeUnwrap().sample.host).toBeNull()
    for (const host of ['has space', 'a/b', 'x'.repeat(254), '-lead']) {
      expect((await monitor.pushProbe({ code: 'web', health: 'healthy', host }))._unsafeUnwrapErr()).toMatchObject({
        code: 'validation',
        message: expect.stringMatching(/^invalid host/) as unknown,
      })
    }
    expect((await monitor.pushProbe({ code: 'web', health: 'healthy', host: 'x'.repeat(253) })).isOk()).toBe(true)
  })

  it("puts the host of the subject's latest report on its incident's notifications", async () => {
    const { monitor } = setup({ notifications: { targetsFor: () => ['hook'] } })
    await monitor.pushProbe({ code: 'web', health: 'healthy', host: 'web-1' })
    await monitor.pushProbe({ code: 'web', health: 'critical', host: 'web-2' })
    const { run } = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap()
    await monitor.pushStep({ code: 'backup', uid: run.uid, label: 'Dump failed', health: 'critical', end: true })
    const events = (await monitor.deliveries())._unsafeUnwrap().map((delivery) => delivery.event)
    expect(events.find((event) => event.incident?.title.startsWith('web'))?.host).toBe('web-2')
    expect(events.find((event) => event.incident?.title.startsWith('backup'))).not.toHaveProperty('host')
  })

  it('starts a run with the uid the client chose, and refuses one that exists', async () => {
    const { monitor } = setup()
    expect((await monitor.startJob({ code: 'backup', uid: 'abcdef012345' }))._unsafeUnwrap().run.uid).toBe(
      'abcdef012345',
    )
    expect((await monitor.startJob({ code: 'backup', uid: 'abcdef012345' }))._unsafeUnwrapErr()).toEqual({
      code: 'conflict',
      message: 'run backup:abcdef012345 already exists',
    })
    expect((await monitor.startJob({ code: 'backup', uid: 'NOT-A-UID' }))._unsafeUnwrapErr().code).toBe('validation')
  })

  it('records a push at its original time, and computes its deadlines from it', async () => {
    const { monitor, clock } = setup()
    const at = ago(clock.now(), 10 * MINUTE)
    const { sample } = (
      await monitor.pushProbe({ code: 'web', health: 'healthy', staleAfter: '30m', at })
    )._unsafeUnwrap()
    expect(sample.pushedAt.toISOString()).toBe(at)
    const view = (await monitor.showContract('web'))._unsafeUnwrap()
    expect(view.contract.staleAt?.toISOString()).toBe(new Date(Date.parse(at) + 30 * MINUTE).toISOString())
  })

  it('refuses a push older than max_push_age as too_old, and one far in the future', async () => {
    const { monitor, clock } = setup({ maxPushAgeMs: 2 * HOUR })
    expect(
      (
        await monitor.pushProbe({ code: 'web', health: 'healthy', at: ago(clock.now(), 2 * HOUR + 1000) })
      )._unsafeUnwrapErr(),
    ).toEqual({
      code: 'too_old',
      message:
        'the push is too old: its time 2024-12-31T21:59:59.000Z is 2h 1s ago, more than the 2h pushes are kept for (max_push_age)',
    })
    expect((await monitor.pushProbe({ code: 'web', health: 'healthy', at: ago(clock.now(), 2 * HOUR) })).isOk()).toBe(
      true,
    )
    expect(
      (
        await monitor.pushProbe({ code: 'web', health: 'healthy', at: ago(clock.now(), -10 * MINUTE) })
      )._unsafeUnwrapErr().code,
    ).toBe('validation')
    // Just ahead (clock skew) counts as now.
    const { sample } = (
      await monitor.pushProbe({ code: 'web', health: 'healthy', at: ago(clock.now(), -MINUTE) })
    )._unsafeUnwrap()
    expect(sample.pushedAt).toEqual(clock.now())
    expect(
      (await monitor.pushProbe({ code: 'web', health: 'healthy', at: 'yesterday' }))._unsafeUnwrapErr().message,
    ).toMatch(/invalid at "yesterday" — must be an RFC 3339 time/)
    expect(
      (await monitor.pushProbe({ code: 'web', health: 'healthy', at: '2025-01-01T00:00:00' }))._unsafeUnwrapErr().code,
    ).toBe('validation')
  })

  it('keeps a late sample (older than the latest) as history, changing neither state nor incidents', async () => {
    const { monitor, clock } = setup()
    await monitor.pushProbe({ code: 'web', health: 'healthy', staleAfter: '30m' })
    const before = (await monitor.showContract('web'))._unsafeUnwrap()
    const late = (
      await monitor.pushProbe({ code: 'web', health: 'critical', at: ago(clock.now(), 5 * MINUTE) })
    )._unsafeUnwrap()
    expect(late.opened).toEqual([])
    const after = (await monitor.showContract('web'))._unsafeUnwrap()
    expect(after.contract).toEqual(before.contract)
    expect(after.reports.map((r) => r.report.health)).toEqual(expect.arrayContaining(['healthy', 'critical']))
    expect((await monitor.status())._unsafeUnwrap().activeIncidents).toEqual([])
  })

  it('applies a spooled run in order: start, step and end at their times, the end rules included', async () => {
    const { monitor, clock } = setup()
    const start = ago(clock.now(), 30 * MINUTE)
    const { run } = (await monitor.startJob({ code: 'backup', uid: 'aaaaaaaaaaaa', at: start }))._unsafeUnwrap()
    expect(run.startedAt.toISOString()).toBe(start)
    await monitor.pushStep({
      code: 'backup',
      uid: run.uid,
      label: 'dump',
      health: 'healthy',
      at: ago(clock.now(), 20 * MINUTE),
    })
    const ended = (
      await monitor.endJob({ code: 'backup', uid: run.uid, at: ago(clock.now(), 10 * MINUTE) })
    )._unsafeUnwrap()
    expect(ended.run).toMatchObject({ health: 'healthy', endedAt: new Date(clock.now().getTime() - 10 * MINUTE) })

    // A late failed run (started before the latest) is history: no critical incident.
    await monitor.startJob({ code: 'backup' })
    const old = (
      await monitor.startJob({ code: 'backup', uid: 'bbbbbbbbbbbb', at: ago(clock.now(), 25 * MINUTE) })
    )._unsafeUnwrap()
    expect(old.run.overtimeAt).toBeNull()
    const failed = (
      await monitor.pushStep({
        code: 'backup',
        uid: 'bbbbbbbbbbbb',
        label: 'boom',
        health: 'critical',
        end: true,
        at: ago(clock.now(), 24 * MINUTE),
      })
    )._unsafeUnwrap()
    expect(failed.run.health).toBe('critical')
    expect(failed.opened).toEqual([])
  })
})
