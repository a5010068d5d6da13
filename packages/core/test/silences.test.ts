import { describe, expect, it } from 'vitest'
import { FakeClock } from '../src/testing/fake-clock.js'
import { notes, notified, setupNotified } from './helpers.js'

describe('silences', () => {
  it('records incidents of a silenced code without notifying, then notifies the still open ones once when the silence ends', async () => {
    const { monitor, clock } = setupNotified()
    const { silence } = (await monitor.addSilence({ pattern: 'db.*', for: '1h', comment: 'migration' }))._unsafeUnwrap()
    expect(silence).toMatchObject({
      id: 1,
      pattern: 'db.*',
      endsAt: new Date('2025-01-01T01:00:00Z'),
      comment: 'migration',
    })
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-01T01:00:00Z'))

    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    await monitor.pushProbe({ code: 'db.replica', health: 'critical' })
    await monitor.pushProbe({ code: 'web.api', health: 'critical' })
    clock.advance(10 * 60_000)
    await monitor.pushProbe({ code: 'db.replica', health: 'healthy' })
    expect(await notified(monitor)).toEqual(['incident.open INC-3: web.api turned critical (sample 000000000003)'])
    expect(await notes(monitor, 1)).toEqual([
      'opened: db.main turned critical (sample 000000000001) (silenced by SIL-1: not notified)',
    ])

    const status = (await monitor.status())._unsafeUnwrap()
    expect(status.silences.map((s) => s.id)).toEqual([1])

    clock.set('2025-01-01T01:00:00Z')
    await monitor.check()
    expect((await notified(monitor)).slice(1)).toEqual([
      'incident.open INC-1: SIL-1 has ended and db.main is still open: its notifications were held',
    ])
    expect((await monitor.status())._unsafeUnwrap().silences).toEqual([])
    expect(await monitor.nextDeadline()).toBeUndefined()
    // Once released, the incident notifies as usual.
    await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    expect(await notified(monitor)).toHaveLength(3)
  })

  it('notifies a relapsed incident as relapsed, and nothing for one resolved meanwhile, when the silence is ended early', async () => {
    const { monitor, clock } = setupNotified()
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    await monitor.pushProbe({ code: 'db.other', health: 'critical' })
    await monitor.addSilence({ pattern: '*', until: '2025-01-02T00:00:00Z' })
    clock.advance(60_000)
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    await monitor.resolve({ id: 2, note: 'fixed by hand' })
    expect(await notified(monitor)).toHaveLength(3)

    const ended = (await monitor.endSilence({ id: 1 }))._unsafeUnwrap()
    expect(ended.silence.endsAt).toEqual(clock.now())
    expect((await notified(monitor)).slice(3)).toEqual([
      'incident.relapsed INC-1: SIL-1 has ended and db.main is still relapsed: its notifications were held',
    ])
    expect(await monitor.nextDeadline()).toBeUndefined()
  })

  it('refuses a bad pattern, both or neither of for and until, an end in the past, and an unknown silence', async () => {
    const { monitor } = setupNotified()
    expect((await monitor.addSilence({ pattern: 'db main', for: '1h' }))._unsafeUnwrapErr().message).toContain(
      'invalid code glob "db main"',
    )
    expect((await monitor.addSilence({ pattern: 'db.*' }))._unsafeUnwrapErr().message).toContain(
      'give either for or until',
    )
    expect(
      (await monitor.addSilence({ pattern: 'db.*', for: '1h', until: '2030-01-01T00:00:00Z' }))._unsafeUnwrapErr()
        .message,
    ).toContain('give either for or until')
    expect(
      (await monitor.addSilence({ pattern: 'db.*', until: '2024-01-01T00:00:00Z' }))._unsafeUnwrapErr().message,
    ).toBe('invalid silence \u2014 it must end after now')
    expect((await monitor.endSilence({ id: 9 }))._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      subject: 'silence',
    })
  })

  it('holds a missed run inside a silence, and a threshold reached across a relapse', async () => {
    const { monitor, clock } = setupNotified()
    await monitor.startJob({ code: 'db.backup', schedule: '0 3 * * *' })
    await monitor.pushProbe({ code: 'db.disk', health: 'critical', failureThreshold: 2 })
    await monitor.pushProbe({ code: 'db.disk', health: 'critical' })
    await monitor.pushProbe({ code: 'db.disk', health: 'healthy' })
    expect(await notified(monitor)).toHaveLength(2)
    clock.set('2025-01-01T02:00:00Z')
    await monitor.addSilence({ pattern: 'db.*', for: '2h' })
    clock.set('2025-01-01T03:05:00Z')
    expect((await monitor.check())._unsafeUnwrap().opened).toMatchObject([{ triggerType: 'missed' }])
    await monitor.pushProbe({ code: 'db.disk', health: 'critical' })
    await monitor.pushProbe({ code: 'db.disk', health: 'critical' })
    expect(await notified(monitor)).toHaveLength(2)
    clock.set('2025-01-01T04:00:00Z')
    await monitor.check()
    expect((await notified(monitor)).slice(2).map((line) => line.split(':')[0])).toEqual([
      'incident.relapsed INC-1',
      'incident.open INC-2',
    ])
  })
})

describe('maintenance windows', () => {
  it('silences the codes of a window in force (one that began before the monitor started too), and notifies at its end', async () => {
    const clock = new FakeClock('2025-01-05T02:30:00Z') // a Sunday, inside the 02:00 window
    const { monitor } = setupNotified({
      clock,
      maintenance: [{ codes: ['db.*'], schedule: '0 2 * * SUN', duration: 2 * 3_600_000 }],
    })
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-05T04:00:00Z'))
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    expect(await notified(monitor)).toEqual([])
    expect(await notes(monitor, 1)).toEqual([
      'opened: db.main turned critical (sample 000000000001) (silenced by maintenance "0 2 * * SUN" for 2h (db.*): not notified)',
    ])
    expect((await monitor.status())._unsafeUnwrap().maintenance).toMatchObject([
      { codes: ['db.*'], endsAt: new Date('2025-01-05T04:00:00Z') },
    ])

    clock.set('2025-01-05T04:00:00Z')
    await monitor.check()
    expect(await notified(monitor)).toEqual([
      'incident.open INC-1: maintenance "0 2 * * SUN" for 2h (db.*) has ended and db.main is still open: its notifications were held',
    ])
    expect(await monitor.nextDeadline()).toBeUndefined()
  })

  it('reads the window in its own zone', async () => {
    const clock = new FakeClock('2025-01-05T01:30:00Z') // 02:30 in Berlin
    const { monitor } = setupNotified({
      clock,
      maintenance: [{ codes: ['*'], schedule: '0 2 * * SUN', tz: 'Europe/Berlin', duration: 3_600_000 }],
    })
    expect((await monitor.listSilences())._unsafeUnwrap().maintenance).toMatchObject([
      { startsAt: new Date('2025-01-05T01:00:00Z') },
    ])
  })
})
