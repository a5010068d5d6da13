import { describe, expect, it } from 'vitest'
import { Monitor } from '../src/monitor.js'
import { MemoryStore } from '../src/memory-store.js'
import { FakeClock } from '../src/testing/fake-clock.js'
import { notes, setup } from './helpers.js'

/** A monitor whose clock starts at `start`, with an optional default zone. */
function setupAt(start: string, timezone?: string) {
  const clock = new FakeClock(start)
  return { ...setup(timezone === undefined ? { clock } : { clock, timezone }), clock }
}

async function activeTitles(monitor: Monitor): Promise<string[]> {
  return (await monitor.status())
    ._unsafeUnwrap()
    .activeIncidents.filter((i) => i.state === 'open' || i.state === 'relapsed')
    .map((i) => i.title)
}

async function expectedAt(monitor: Monitor, code: string): Promise<string | null | undefined> {
  return (await monitor.showContract(code))._unsafeUnwrap().schedule?.expectedLocal
}

describe('schedules', () => {
  it('opens a missed incident when the expected run is grace late, and recovers when a run starts', async () => {
    const { monitor, clock } = setupAt('2025-01-01T03:00:00Z')
    await monitor.startJob({ code: 'db.backup', schedule: '0 3 * * *' })
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-02T03:05:00Z'))
    clock.set('2025-01-02T03:04:59Z')
    expect((await monitor.check())._unsafeUnwrap().opened).toEqual([])
    clock.set('2025-01-02T03:05:00Z')
    const { opened } = (await monitor.check())._unsafeUnwrap()
    expect(opened).toMatchObject([{ triggerType: 'missed', title: 'db.backup missed its 03:00 run' }])
    // The next occurrence is armed, so the daemon does not wake for the one already missed.
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-03T03:05:00Z'))
    clock.set('2025-01-02T03:20:00Z')
    const { run, recovered } = (await monitor.startJob({ code: 'db.backup' }))._unsafeUnwrap()
    expect(recovered).toMatchObject([{ triggerType: 'missed', state: 'recovered' }])
    expect(await notes(monitor, 1)).toEqual([
      'opened: db.backup missed its 03:00 run (expected at 2025-01-02T03:00:00+00:00, grace 5m0s)',
      `recovered: db.backup started a run again (run ${run.uid})`,
    ])
  })

  it('counts a run within grace after, or a little before, the expected time; a run far off schedule is no miss', async () => {
    const { monitor, clock } = setupAt('2025-01-01T12:00:00Z')
    await monitor.startJob({ code: 'job', schedule: '0 3 * * *', grace: '10m' })
    expect(await expectedAt(monitor, 'job')).toBe('2025-01-02T03:00:00+00:00')
    clock.set('2025-01-02T03:09:00Z') // late, within grace
    await monitor.startJob({ code: 'job' })
    expect(await expectedAt(monitor, 'job')).toBe('2025-01-03T03:00:00+00:00')
    clock.set('2025-01-03T02:55:00Z') // early, within grace: it is the 03:00 run
    await monitor.startJob({ code: 'job' })
    expect(await expectedAt(monitor, 'job')).toBe('2025-01-04T03:00:00+00:00')
    clock.set('2025-01-03T15:00:00Z') // far off schedule: no miss, and tomorrow's run is still expected
    await monitor.startJob({ code: 'job' })
    expect(await expectedAt(monitor, 'job')).toBe('2025-01-04T03:00:00+00:00')
    clock.set('2025-01-04T03:10:00Z')
    expect((await monitor.check())._unsafeUnwrap().opened).toMatchObject([{ title: 'job missed its 03:00 run' }])
  })

  it('does not let an early push cover the next occurrence of a frequent schedule', async () => {
    const { monitor, clock } = setupAt('2025-01-01T00:00:50Z')
    await monitor.pushProbe({ code: 'pp', health: 'healthy', schedule: '* * * * *' })
    // 10s before 00:01 but the next one follows a minute later: nearer than half of it, so it covers 00:01.
    expect(await expectedAt(monitor, 'pp')).toBe('2025-01-01T00:02:00+00:00')
    clock.set('2025-01-01T00:01:20Z') // 40s before 00:02: not nearer than half a minute, so 00:02 stays expected
    await monitor.pushProbe({ code: 'pp', health: 'healthy' })
    expect(await expectedAt(monitor, 'pp')).toBe('2025-01-01T00:02:00+00:00')
  })

  it('recovers a missed incident of a probe when a push arrives, and relapses at the next miss', async () => {
    const { monitor, clock } = setupAt('2025-01-01T00:00:00Z')
    await monitor.pushProbe({ code: 'web', health: 'healthy', schedule: '0 * * * *', grace: '1m' })
    clock.set('2025-01-01T01:01:00Z')
    await monitor.check()
    clock.advance('1m')
    const { sample, recovered } = (await monitor.pushProbe({ code: 'web', health: 'healthy' }))._unsafeUnwrap()
    expect(recovered).toHaveLength(1)
    clock.set('2025-01-01T02:01:00Z')
    expect((await monitor.check())._unsafeUnwrap().relapsed).toHaveLength(1)
    expect(await notes(monitor, 1)).toEqual([
      'opened: web missed its 01:00 run (expected at 2025-01-01T01:00:00+00:00, grace 1m0s)',
      `recovered: web pushed a sample again (sample ${sample.uid})`,
      'relapsed: web missed its 02:00 run again (expected at 2025-01-01T02:00:00+00:00, grace 1m0s)',
    ])
  })

  it('notes one miss, not one per occurrence, after the monitor slept through several', async () => {
    const { monitor, clock } = setupAt('2025-01-01T00:00:00Z')
    await monitor.pushProbe({ code: 'pp', health: 'healthy', schedule: '*/10 * * * *' })
    clock.set('2025-01-01T05:03:00Z')
    expect((await monitor.check())._unsafeUnwrap().opened).toMatchObject([{ title: 'pp missed its 00:10 run' }])
    expect(await notes(monitor, 1)).toHaveLength(1)
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-01T05:05:00Z'))
  })

  it('reads the schedule in its zone, else the monitor default, else UTC; `off` removes schedule and zone', async () => {
    const { monitor } = setupAt('2025-06-01T00:00:00Z', 'Europe/Berlin')
    await monitor.pushProbe({ code: 'aa', health: 'healthy', schedule: '@daily' })
    await monitor.pushProbe({ code: 'bb', health: 'healthy', schedule: '0 9 * * MON-FRI', tz: 'America/New_York' })
    expect(await expectedAt(monitor, 'aa')).toBe('2025-06-02T00:00:00+02:00')
    expect(await expectedAt(monitor, 'bb')).toBe('2025-06-02T09:00:00-04:00')
    await monitor.pushProbe({ code: 'bb', health: 'healthy', tz: 'off' })
    expect(await expectedAt(monitor, 'bb')).toBe('2025-06-02T09:00:00+02:00')
    await monitor.pushProbe({ code: 'bb', health: 'healthy', schedule: 'off' })
    expect((await monitor.showContract('bb'))._unsafeUnwrap().schedule).toBeNull()
    expect((await monitor.showContract('bb'))._unsafeUnwrap().contract).toMatchObject({
      expectedAt: null,
      missedAt: null,
    })
    const utc = setupAt('2025-06-01T00:00:00Z').monitor
    await utc.pushProbe({ code: 'aa', health: 'healthy', schedule: '@hourly' })
    expect(await expectedAt(utc, 'aa')).toBe('2025-06-01T01:00:00+00:00')
  })

  it('re-arms from the push that changes the schedule mid-day', async () => {
    const { monitor, clock } = setupAt('2025-01-01T03:00:00Z')
    await monitor.startJob({ code: 'job', schedule: '0 3 * * *' })
    clock.set('2025-01-01T12:00:00Z')
    await monitor.startJob({ code: 'job', schedule: '0 18 * * *' })
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-01T18:05:00Z'))
    clock.set('2025-01-01T18:05:00Z')
    expect((await monitor.check())._unsafeUnwrap().opened).toMatchObject([{ title: 'job missed its 18:00 run' }])
  })

  it('accepts seconds, L, # and W; refuses seven fields, nonsense, a pattern that never matches and an unknown zone', async () => {
    const { monitor } = setupAt('2025-01-01T00:00:00Z')
    expect((await monitor.pushProbe({ code: 'aa', health: 'healthy', schedule: '30 0 3 * * *' })).isOk()).toBe(true)
    expect(await expectedAt(monitor, 'aa')).toBe('2025-01-01T03:00:30+00:00')
    expect((await monitor.pushProbe({ code: 'aa', health: 'healthy', schedule: '0 9 * * 1#2' })).isOk()).toBe(true)
    expect(await expectedAt(monitor, 'aa')).toBe('2025-01-13T09:00:00+00:00')
    expect((await monitor.pushProbe({ code: 'aa', health: 'healthy', schedule: '0 9 15W * *' })).isOk()).toBe(true)
    expect(await expectedAt(monitor, 'aa')).toBe('2025-01-15T09:00:00+00:00')
    const refused = async (input: { schedule?: string; tz?: string }) =>
      (await monitor.pushProbe({ code: 'aa', health: 'healthy', ...input }))._unsafeUnwrapErr().message
    expect(await refused({ schedule: '0 0 0 1 1 * 2030' })).toMatch(
      /^invalid rule schedule — "0 0 0 1 1 \* 2030": .*5 or 6 parts/,
    )
    expect(await refused({ schedule: 'every day' })).toMatch(/^invalid rule schedule/)
    expect(await refused({ schedule: '0 0 30 2 *' })).toBe('invalid rule schedule — "0 0 30 2 *" never matches')
    expect(await refused({ tz: 'Mars/Olympus' })).toBe('invalid rule tz — unknown time zone "Mars/Olympus"')
    expect(() => new Monitor({ store: new MemoryStore(), timezone: 'Nowhere' })).toThrow(RangeError)
  })

  it('handles month ends (L) and leap days', async () => {
    const { monitor, clock } = setupAt('2024-01-31T12:00:00Z')
    await monitor.pushProbe({ code: 'month-end', health: 'healthy', schedule: '0 12 L * *' })
    await monitor.pushProbe({ code: 'leap', health: 'healthy', schedule: '0 12 29 2 *' })
    expect(await expectedAt(monitor, 'month-end')).toBe('2024-02-29T12:00:00+00:00')
    expect(await expectedAt(monitor, 'leap')).toBe('2024-02-29T12:00:00+00:00')
    clock.set('2024-02-29T12:01:00Z')
    await monitor.pushProbe({ code: 'month-end', health: 'healthy' })
    await monitor.pushProbe({ code: 'leap', health: 'healthy' })
    expect(await expectedAt(monitor, 'month-end')).toBe('2024-03-31T12:00:00+00:00')
    expect(await expectedAt(monitor, 'leap')).toBe('2028-02-29T12:00:00+00:00')
  })

  describe('across daylight-saving changes (docs/behaviour.md#schedules)', () => {
    it('Europe/Berlin, spring forward: a 02:30 daily job is expected at 03:00 CEST, once', async () => {
      const { monitor, clock } = setupAt('2025-03-29T02:30:00+01:00', 'Europe/Berlin')
      await monitor.startJob({ code: 'job', schedule: '30 2 * * *' })
      expect(await expectedAt(monitor, 'job')).toBe('2025-03-30T03:00:00+02:00')
      clock.set('2025-03-30T03:05:00+02:00')
      expect((await monitor.check())._unsafeUnwrap().opened).toMatchObject([{ title: 'job missed its 03:00 run' }])
      expect(await expectedAt(monitor, 'job')).toBe('2025-03-31T02:30:00+02:00')
    })

    it('America/New_York, fall back: a 01:30 daily job is expected once, at the first 01:30 (EDT)', async () => {
      const { monitor, clock } = setupAt('2025-11-01T01:30:00-04:00', 'America/New_York')
      await monitor.startJob({ code: 'job', schedule: '30 1 * * *' })
      expect(await expectedAt(monitor, 'job')).toBe('2025-11-02T01:30:00-04:00')
      clock.set('2025-11-02T01:31:00-04:00')
      await monitor.startJob({ code: 'job' })
      // The second 01:30 (EST) an hour later is not a new occurrence.
      expect(await expectedAt(monitor, 'job')).toBe('2025-11-03T01:30:00-05:00')
      clock.set('2025-11-02T01:40:00-05:00')
      expect((await monitor.check())._unsafeUnwrap().opened).toEqual([])
    })

    it('Europe/Berlin, fall back: an hourly job runs through both 02:00 hours', async () => {
      const { monitor, clock } = setupAt('2025-10-26T02:00:00+02:00', 'Europe/Berlin')
      await monitor.pushProbe({ code: 'pp', health: 'healthy', schedule: '0 * * * *' })
      expect(await expectedAt(monitor, 'pp')).toBe('2025-10-26T02:00:00+01:00')
      clock.set('2025-10-26T02:00:00+01:00')
      await monitor.pushProbe({ code: 'pp', health: 'healthy' })
      expect(await expectedAt(monitor, 'pp')).toBe('2025-10-26T03:00:00+01:00')
    })
  })
})

describe('min-runtime', () => {
  it('opens a short incident for a run that ends sooner, and recovers at a run that does not', async () => {
    const { monitor, clock } = setupAt('2025-01-01T00:00:00Z')
    const a = (await monitor.startJob({ code: 'db.backup', minRuntime: '1m' }))._unsafeUnwrap().run
    clock.advance('3s')
    const ended = (await monitor.endJob({ code: 'db.backup', uid: a.uid }))._unsafeUnwrap()
    expect(ended.opened).toMatchObject([{ triggerType: 'short', title: 'db.backup ended too soon' }])
    const b = (await monitor.startJob({ code: 'db.backup' }))._unsafeUnwrap().run
    clock.advance('1m')
    expect((await monitor.endJob({ code: 'db.backup', uid: b.uid }))._unsafeUnwrap().recovered).toHaveLength(1)
    expect(await notes(monitor, 1)).toEqual([
      `opened: db.backup ended too soon, after 3s, min-runtime 1m0s (run ${a.uid})`,
      `recovered: db.backup ran for 1m0s, min-runtime 1m0s (run ${b.uid})`,
    ])
    expect(await activeTitles(monitor)).toEqual([])
  })

  it('uses the rule in force when the run started; removing it recovers at the next run end', async () => {
    const { monitor, clock } = setupAt('2025-01-01T00:00:00Z')
    const a = (await monitor.startJob({ code: 'jj', minRuntime: '1m' }))._unsafeUnwrap().run
    await monitor.endJob({ code: 'jj', uid: a.uid })
    const b = (await monitor.startJob({ code: 'jj', minRuntime: 'off' }))._unsafeUnwrap().run
    clock.advance('1s')
    expect((await monitor.endJob({ code: 'jj', uid: b.uid }))._unsafeUnwrap().recovered).toHaveLength(1)
    expect((await monitor.endJob({ code: 'jj', uid: a.uid })).isErr()).toBe(true)
  })
})
