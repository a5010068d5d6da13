import { describe, expect, it } from 'vitest'
import { notified, setup } from './helpers.js'

/** A monitor notifying `hook` of every event, reminding it every 4 h. */
function setupReminded(options: Parameters<typeof setup>[0] = {}) {
  return setup({ notifications: { targetsFor: () => ['hook'], remindEvery: () => 4 * 3_600_000 }, ...options })
}

describe('reminders', () => {
  it('reminds of an incident still open every remind_every until it recovers', async () => {
    const { monitor, clock } = setupReminded()
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-01T04:00:00Z'))
    clock.set('2025-01-01T04:00:00Z')
    await monitor.check()
    clock.set('2025-01-01T08:00:00Z')
    await monitor.check()
    expect((await notified(monitor)).slice(1)).toEqual([
      'incident.reminder INC-1: db.main is still open',
      'incident.reminder INC-1: db.main is still open',
    ])
    await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    expect(await monitor.nextDeadline()).toBeUndefined()
    clock.set('2025-01-01T12:00:00Z')
    await monitor.check()
    expect(await notified(monitor)).toHaveLength(4)
  })

  it('holds no reminder during maintenance, and reminds again after the release notification', async () => {
    const { monitor, clock } = setupReminded({
      maintenance: [{ codes: ['db.*'], schedule: '0 2 * * *', duration: 3 * 3_600_000 }],
    })
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    await monitor.pushProbe({ code: 'db.disk', health: 'critical' })
    clock.set('2025-01-01T03:00:00Z')
    // Held by the window: the relapse arms no reminder.
    await monitor.pushProbe({ code: 'db.disk', health: 'healthy' })
    await monitor.pushProbe({ code: 'db.disk', health: 'critical' })
    clock.set('2025-01-01T04:00:00Z')
    await monitor.check()
    expect(await notified(monitor)).toHaveLength(2)
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-01T05:00:00Z'))
    clock.set('2025-01-01T05:00:00Z')
    await monitor.check()
    expect((await notified(monitor)).slice(2)).toEqual([
      'incident.open INC-1: maintenance "0 2 * * *" for 3h (db.*) has ended and db.main is still open: its notifications were held',
      'incident.relapsed INC-2: maintenance "0 2 * * *" for 3h (db.*) has ended and db.disk is still relapsed: its notifications were held',
    ])
    clock.set('2025-01-01T09:00:00Z')
    await monitor.check()
    expect((await notified(monitor)).slice(4)).toEqual([
      'incident.reminder INC-1: db.main is still open',
      'incident.reminder INC-2: db.disk is still relapsed',
    ])
  })

  it('arms no reminder without remind_every, and forgets those of a resolved incident', async () => {
    const { monitor: quiet, clock: quietClock } = setup({ notifications: { targetsFor: () => ['hook'] } })
    await quiet.pushProbe({ code: 'db.main', health: 'critical' })
    expect(await quiet.nextDeadline()).toBeUndefined()
    quietClock.advance(24 * 3_600_000)
    const { monitor } = setupReminded()
    await monitor.openIncident({ title: 'disk replaced' })
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-01T04:00:00Z'))
    await monitor.resolve({ id: 1 })
    expect(await monitor.nextDeadline()).toBeUndefined()
  })
})
