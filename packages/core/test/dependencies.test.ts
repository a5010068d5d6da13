import { describe, expect, it } from 'vitest'
import { notes, notified, setupNotified } from './helpers.js'

describe('dependencies', () => {
  it("holds a dependent's notifications while its parent fails, and releases the still open ones when a push recovers the parent", async () => {
    const { monitor, clock } = setupNotified()
    await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    await monitor.pushProbe({ code: 'web.api', health: 'healthy', dependsOn: 'db.main' })
    await monitor.pushProbe({ code: 'web.jobs', health: 'healthy', dependsOn: 'db.main' })
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    clock.advance(60_000)
    await monitor.pushProbe({ code: 'web.api', health: 'critical' })
    await monitor.startJob({ code: 'web.report', dependsOn: 'db.main' })
    await monitor.pushProbe({ code: 'web.jobs', health: 'critical' })
    await monitor.pushProbe({ code: 'web.jobs', health: 'healthy' })
    expect(await notified(monitor)).toEqual(['incident.open INC-1: db.main turned critical (sample 000000000004)'])
    expect(await notes(monitor, 2)).toEqual([
      'opened: web.api turned critical (sample 000000000005) (held: depends on db.main: not notified)',
    ])
    // web.jobs' incident recovered but is not resolved: still held.
    expect((await monitor.status())._unsafeUnwrap().holds).toEqual([
      { incidentId: 2, heldBy: 'depends on db.main' },
      { incidentId: 3, heldBy: 'depends on db.main' },
    ])
    expect((await monitor.showContract('web.api'))._unsafeUnwrap().holds).toEqual([
      { incidentId: 2, heldBy: 'depends on db.main' },
    ])

    clock.advance(60_000)
    await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    expect((await notified(monitor)).slice(1)).toEqual([
      'incident.recovered INC-1: db.main back to healthy (sample 000000000009)',
      'incident.open INC-2: db.main is no longer failing and web.api is still open: its notifications were held',
    ])
    // Released: the next change notifies as usual, and nothing is held any more.
    expect((await monitor.status())._unsafeUnwrap().holds).toEqual([])
    await monitor.pushProbe({ code: 'web.api', health: 'healthy' })
    expect(await notified(monitor)).toHaveLength(4)
  })

  it("releases held incidents when the parent's incident is resolved, and holds a relapse while it relapses", async () => {
    const { monitor } = setupNotified()
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    await monitor.pushProbe({ code: 'web.api', health: 'critical', dependsOn: 'db.main' })
    await monitor.resolve({ id: 1 })
    expect((await notified(monitor)).slice(1)).toEqual([
      'incident.resolved INC-1',
      'incident.open INC-2: db.main is no longer failing and web.api is still open: its notifications were held',
    ])
    await monitor.pushProbe({ code: 'web.api', health: 'healthy' })
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    await monitor.pushProbe({ code: 'web.api', health: 'critical' })
    expect((await notes(monitor, 2)).at(-1)).toBe(
      'relapsed: web.api turned critical again (sample 000000000005) (held: depends on db.main: not notified)',
    )
  })

  it('keeps the rule sticky and removes it with off', async () => {
    const { monitor } = setupNotified()
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    await monitor.pushProbe({ code: 'web.api', health: 'healthy', dependsOn: 'db.main' })
    await monitor.pushProbe({ code: 'web.api', health: 'healthy' })
    expect((await monitor.showContract('web.api'))._unsafeUnwrap().rules.dependsOn).toBe('db.main')
    await monitor.pushProbe({ code: 'web.api', health: 'critical', dependsOn: 'off' })
    expect((await monitor.showContract('web.api'))._unsafeUnwrap().rules.dependsOn).toBeNull()
    expect(await notified(monitor)).toHaveLength(2)
  })

  it('refuses a code depending on itself, or a cycle, naming the codes, and changes nothing', async () => {
    const { monitor } = setupNotified()
    expect(
      (await monitor.pushProbe({ code: 'app.a', health: 'healthy', dependsOn: 'app.a' }))._unsafeUnwrapErr(),
    ).toMatchObject({
      code: 'validation',
      message: 'invalid rule depends-on \u2014 it would make a cycle: app.a \u2192 app.a',
    })
    await monitor.pushProbe({ code: 'app.a', health: 'healthy', dependsOn: 'app.b' })
    await monitor.startJob({ code: 'app.b', dependsOn: 'app.c' })
    const refused = (
      await monitor.pushProbe({ code: 'app.c', health: 'critical', dependsOn: 'app.a' })
    )._unsafeUnwrapErr()
    expect(refused.message).toBe(
      'invalid rule depends-on \u2014 it would make a cycle: app.c \u2192 app.a \u2192 app.b \u2192 app.c',
    )
    expect((await monitor.show('app.c')).isErr()).toBe(true)
    expect((await monitor.pushProbe({ code: 'app.c', health: 'healthy', dependsOn: 'app.d' })).isOk()).toBe(true)
    expect(
      (await monitor.pushProbe({ code: 'app.x', health: 'healthy', dependsOn: 'not a code' }))._unsafeUnwrapErr()
        .message,
    ).toContain('invalid rule depends-on')
  })

  it('names the silence, not the dependency, when both hold, and stays held by the dependency after the silence ends', async () => {
    const { monitor, clock } = setupNotified()
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    await monitor.addSilence({ pattern: 'web.*', for: '1h' })
    await monitor.pushProbe({ code: 'web.api', health: 'critical', dependsOn: 'db.main' })
    expect(await notes(monitor, 2)).toEqual([
      'opened: web.api turned critical (sample 000000000002) (silenced by SIL-1: not notified)',
    ])
    clock.advance(3_600_000)
    await monitor.check()
    expect(await notified(monitor)).toHaveLength(1)
    await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    expect((await notified(monitor)).at(-1)).toBe(
      'incident.open INC-2: db.main is no longer failing and web.api is still open: its notifications were held',
    )
  })
})
