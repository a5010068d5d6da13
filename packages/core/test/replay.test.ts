import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { NotificationRouter } from '../src/ports/notifier.js'
import { collectHistory, historyPages, type History } from '../src/history/read.js'
import type { HistoryPage } from '../src/ports/store.js'
import { historyColumnsOf, historyPageOf } from '../src/history/columns.js'
import {
  compareOutcomes,
  historyColumnsPart,
  mergeOutcomes,
  outcomeOf,
  parseRuleSetting,
  replay,
  type Outcome,
  type RuleOverride,
} from '../src/replay/index.js'
import type { Monitor } from '../src/monitor.js'
import type { Silence } from '../src/domain.js'
import type { FakeClock } from '../src/testing/fake-clock.js'
import { setup } from './helpers.js'

const START = new Date('2025-01-01T00:00:00Z')
const ROUTER: NotificationRouter = {
  targetsFor: (event) =>
    event === 'incident.open' ? ['pager', 'chat'] : event.startsWith('incident.') ? ['chat'] : [],
}

/** Runs the check a punctual daemon would at each deadline strictly before `until` (at or before, when `inclusive`). */
async function runDeadlines(monitor: Monitor, clock: FakeClock, until: number, inclusive = false): Promise<void> {
  for (;;) {
    const due = (await monitor.nextDeadline())?.getTime()
    if (due === undefined || due > until || (!inclusive && due === until)) return
    clock.set(Math.max(due, clock.now().getTime()))
    await monitor.check()
  }
}

/** Records a history: `script` acts through `at(offset)`, which moves a punctual daemon's time forward. */
async function record(
  script: (monitor: Monitor, at: (offsetMs: number) => Promise<void>) => Promise<void>,
  endMs: number,
) {
  const { monitor, clock, store } = setup({ notifications: ROUTER })
  const at = async (offset: number) => {
    await runDeadlines(monitor, clock, START.getTime() + offset)
    clock.set(START.getTime() + offset)
  }
  await script(monitor, at)
  const to = new Date(START.getTime() + endMs)
  await runDeadlines(monitor, clock, to.getTime(), true)
  const history = await collectHistory(historyPages(store, { from: START, to, limit: 7 }))
  const { silences } = (await monitor.listSilences({ endingAfter: START }))._unsafeUnwrap()
  return { history, silences, to }
}

/**
 * A history as a store's export pages of `size` reports and incidents each, every delivery on the
 * first (so that the replay holds back only what a later page could precede).
 */
async function* pagesOf(history: History, size: number): AsyncGenerator<HistoryPage> {
  const count = Math.max(history.reports.length, history.incidents.length) / size
  const cursor = { reportId: 0, incidentId: 0, deliveryId: history.deliveries.at(-1)?.id ?? 0 }
  for (let i = 0; i <= count; i++) {
    const page = {
      reports: history.reports.slice(i * size, (i + 1) * size),
      incidents: history.incidents.slice(i * size, (i + 1) * size),
      deliveries: i === 0 ? history.deliveries : [],
    }
    cursor.reportId = page.reports.at(-1)?.id ?? cursor.reportId
    cursor.incidentId = page.incidents.at(-1)?.id ?? cursor.incidentId
    yield i + 1 > count ? page : { ...page, next: { ...cursor } }
  }
}

/** The pages of one of `count` parts, split as `timon replay --jobs` splits them (through the column form). */
async function* partPages(pages: AsyncIterable<HistoryPage>, index: number, count: number) {
  for await (const page of pages) yield historyPageOf(historyColumnsPart(historyColumnsOf(page), { index, count }))
}

/** A history replayed in `count` parts (each fed its share, or the whole history when `whole`), merged. */
async function replayedInParts(
  recorded: { history: History; silences?: readonly Silence[]; to: Date },
  count: number,
  whole = false,
) {
  const parts = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      replay({
        history: whole ? recorded.history : partPages(pagesOf(recorded.history, 3), index, count),
        silences: recorded.silences ?? [],
        from: START,
        to: recorded.to,
        part: { index, count },
      }),
    ),
  )
  return mergeOutcomes(parts.map((part) => part._unsafeUnwrap()))
}

const MIN = 60_000
const HOUR = 60 * MIN

async function replayed(
  recorded: Awaited<ReturnType<typeof record>>,
  overrides: RuleOverride[] = [],
  notifications: NotificationRouter = ROUTER,
) {
  const outcome = (
    await replay({
      history: recorded.history,
      silences: recorded.silences,
      from: START,
      to: recorded.to,
      rules: { overrides, notifications },
    })
  )._unsafeUnwrap()
  return { outcome, comparison: compareOutcomes(outcomeOf(recorded.history), outcome) }
}

const set = (text: string) => parseRuleSetting(text)._unsafeUnwrap()

describe('replay', () => {
  it('reproduces a random recorded history under unchanged rules', async () => {
    const duration = fc.integer({ min: 1, max: 3 * HOUR })
    const staleRule = fc.constantFrom(undefined, 'off', 10 * MIN, 30 * MIN, 2 * HOUR)
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('probe' as const),
        code: fc.constantFrom('db.main', 'db.replica', 'web.api'),
        health: fc.constantFrom('healthy', 'warning', 'critical'),
        detail: fc.constantFrom(undefined, 'CRITICAL - /var 97%'),
        staleAfter: staleRule,
        staleIncidentAfter: staleRule,
        failureThreshold: fc.constantFrom(undefined, 1, 2, 3),
        successThreshold: fc.constantFrom(undefined, 1, 2),
        schedule: fc.constantFrom(undefined, undefined, '*/30 * * * *', 'off'),
      }),
      fc.record({
        kind: fc.constant('start' as const),
        code: fc.constantFrom('job.backup', 'job.sync'),
        overtimeIncidentAfter: fc.constantFrom(undefined, 'off', 20 * MIN, HOUR),
        overlapIncident: fc.constantFrom(undefined, true, false),
        minRuntime: fc.constantFrom(undefined, 'off', 5 * MIN),
        staleIncidentAfter: staleRule,
      }),
      fc.record({
        kind: fc.constant('step' as const),
        pick: fc.nat(),
        health: fc.constantFrom('healthy', 'warning', 'critical'),
        end: fc.boolean(),
        detail: fc.constantFrom(undefined, 'last lines'),
      }),
      fc.record({ kind: fc.constant('end' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('open' as const), title: fc.constantFrom('disk full', 'maintenance') }),
      fc.record({
        kind: fc.constant('resolve' as const),
        pick: fc.nat(),
        note: fc.constantFrom(undefined, 'fixed it'),
      }),
      fc.record({ kind: fc.constant('annotate' as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('silence' as const),
        pattern: fc.constantFrom('db.*', 'web.api', 'job.*'),
        for: fc.constantFrom(10 * MIN, HOUR),
      }),
      fc.record({ kind: fc.constant('unsilence' as const), pick: fc.nat() }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(duration, op), { maxLength: 40 }), duration, async (script, tail) => {
        const running: { code: string; uid: string }[] = []
        let offset = 0
        const recorded = await record(
          async (monitor, at) => {
            for (const [delay, action] of script) {
              offset += delay
              await at(offset)
              const pickFrom = <T>(list: readonly T[], n: number) =>
                list.length === 0 ? undefined : list[n % list.length]
              switch (action.kind) {
                case 'probe': {
                  const { kind: _, ...input } = action
                  await monitor.pushProbe(input)
                  break
                }
                case 'start': {
                  const { kind: _, ...input } = action
                  const started = await monitor.startJob(input)
                  if (started.isOk()) running.push({ code: action.code, uid: started.value.run.uid })
                  break
                }
                case 'step': {
                  const run = pickFrom(running, action.pick)
                  if (run === undefined) break
                  await monitor.pushStep({
                    ...run,
                    label: 'step',
                    health: action.health,
                    end: action.end,
                    detail: action.detail,
                  })
                  if (action.end) running.splice(running.indexOf(run), 1)
                  break
                }
                case 'end': {
                  const run = pickFrom(running, action.pick)
                  if (run === undefined) break
                  await monitor.endJob(run)
                  running.splice(running.indexOf(run), 1)
                  break
                }
                case 'open':
                  await monitor.openIncident({ title: action.title })
                  break
                case 'resolve': {
                  const incident = pickFrom((await monitor.status())._unsafeUnwrap().activeIncidents, action.pick)
                  if (incident !== undefined) await monitor.resolve({ id: incident.id, note: action.note })
                  break
                }
                case 'annotate': {
                  const incident = pickFrom((await monitor.status())._unsafeUnwrap().activeIncidents, action.pick)
                  if (incident !== undefined) await monitor.annotate({ id: incident.id, note: 'looking' })
                  break
                }
                case 'silence':
                  await monitor.addSilence({ pattern: action.pattern, for: action.for })
                  break
                case 'unsilence': {
                  const silence = pickFrom((await monitor.listSilences())._unsafeUnwrap().silences, action.pick)
                  if (silence !== undefined) await monitor.endSilence({ id: silence.id })
                  break
                }
              }
            }
          },
          script.reduce((sum, [delay]) => sum + delay, tail),
        )
        const { outcome, comparison } = await replayed(recorded)
        expect(outcome).toEqual(outcomeOf(recorded.history))
        expect(comparison.codes).toEqual([])
        // Streamed page by page (routed as recorded), it replays as the whole history does.
        const { silences, to } = recorded
        const whole = await replay({ history: recorded.history, silences, from: START, to })
        const streamed = await replay({ history: pagesOf(recorded.history, 3), silences, from: START, to })
        expect(streamed._unsafeUnwrap()).toEqual(whole._unsafeUnwrap())
        // Split by code into parts replayed apart (`--jobs`), it replays as the whole history does.
        expect(await replayedInParts(recorded, 3)).toEqual(whole._unsafeUnwrap())
        expect(await replayedInParts(recorded, 2, true)).toEqual(whole._unsafeUnwrap())
      }),
      { numRuns: 100 },
    )
  })

  it('opens a stale incident later, or not at all, with a longer stale_incident_after', async () => {
    const recorded = await record(async (monitor, at) => {
      await monitor.pushProbe({ code: 'db.main', health: 'healthy', staleIncidentAfter: '30m' })
      await at(90 * MIN)
      await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
      await at(4 * HOUR)
      await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    }, 5 * HOUR)
    // Recorded: stale at 30m, back at 1h30, stale again at 2h, back at 4h, stale again at 4h30: one incident.
    expect(outcomeOf(recorded.history).incidents.map((i) => i.relapsedAt)).toEqual([
      new Date(START.getTime() + 4 * HOUR + 30 * MIN),
    ])
    const { outcome, comparison } = await replayed(recorded, [set('db.*:stale_incident_after=2h')])
    expect(outcome.incidents.map((i) => [i.openedAt, i.relapsedAt])).toEqual([
      [new Date(START.getTime() + 90 * MIN + 2 * HOUR), null],
    ])
    expect(comparison.summary).toEqual({
      incidents: { recorded: 1, replayed: 1 },
      notifications: { recorded: 6, replayed: 3 },
    })
    const [db] = comparison.codes
    expect(db?.changed.find((c) => c.type === 'incident')?.shiftMs).toBe(3 * HOUR)
    expect(db?.removed.map((e) => (e.type === 'notification' ? e.notification.event : e.type))).toEqual([
      'incident.recovered',
      'incident.relapsed',
      'incident.relapsed',
    ])
  })

  it('replays a dependency apart only within one part, and names one that crosses parts', async () => {
    // Of two parts, db.main and job.backup fall in part 0, web.api in part 1.
    const recorded = await record(async (monitor, at) => {
      await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
      await monitor.pushProbe({ code: 'job.backup', health: 'healthy', dependsOn: 'db.main' })
      await monitor.pushProbe({ code: 'web.api', health: 'healthy' })
      await at(10 * MIN)
      await monitor.pushProbe({ code: 'db.main', health: 'critical' })
      await monitor.pushProbe({ code: 'job.backup', health: 'critical' })
      await monitor.pushProbe({ code: 'web.api', health: 'critical' })
    }, HOUR)
    const whole = (await replay({ history: recorded.history, from: START, to: recorded.to }))._unsafeUnwrap()
    expect(whole.notifications.filter((n) => n.code === 'job.backup')).toEqual([])
    expect(await replayedInParts(recorded, 2)).toEqual(whole)

    const overrides = [set('web.api:depends_on=db.main')]
    const part = { index: 1, count: 2 }
    const crossing = await replay({
      history: recorded.history,
      from: START,
      to: recorded.to,
      part,
      rules: { overrides },
    })
    expect(crossing._unsafeUnwrapErr()).toEqual({
      code: 'cross_part',
      message: 'web.api depends on db.main, which another part of the replay replays',
      dependent: 'web.api',
      dependsOn: 'db.main',
    })
  })

  it('refuses an override value a push would refuse, naming its glob', async () => {
    const recorded = await record(async (monitor) => {
      await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    }, HOUR)
    const overrides = [{ code: 'db.*', rules: { staleAfter: -1 } }]
    const result = await replay({ history: recorded.history, from: START, to: recorded.to, rules: { overrides } })
    expect(result._unsafeUnwrapErr().message).toMatch(/^db\.\*: invalid rule stale-after/)
  })

  it('leaves codes the glob does not match as recorded', async () => {
    const recorded = await record(async (monitor) => {
      await monitor.pushProbe({ code: 'web.api', health: 'healthy', staleIncidentAfter: '30m' })
    }, HOUR)
    const { comparison } = await replayed(recorded, [set('db.*:stale_incident_after=2h')])
    expect(comparison.codes).toEqual([])
  })

  it('opens no overtime incident with a longer overtime_incident_after, and one with a shorter', async () => {
    const recorded = await record(async (monitor, at) => {
      const run = (await monitor.startJob({ code: 'job.backup', overtimeIncidentAfter: '1h' }))._unsafeUnwrap().run
      await at(45 * MIN)
      await monitor.endJob({ code: 'job.backup', uid: run.uid })
    }, HOUR)
    expect(outcomeOf(recorded.history).incidents).toEqual([])
    const { outcome } = await replayed(recorded, [set('job.*:overtime_incident_after=30m')])
    expect(outcome.incidents.map((i) => [i.trigger, i.openedAt, i.recoveredAt])).toEqual([
      ['job_overtime', new Date(START.getTime() + 30 * MIN), new Date(START.getTime() + 45 * MIN)],
    ])
  })

  it('opens no overlap incident with overlap_incident=false', async () => {
    const recorded = await record(async (monitor, at) => {
      await monitor.startJob({ code: 'job.sync' })
      await at(MIN)
      await monitor.startJob({ code: 'job.sync' })
    }, HOUR)
    expect(outcomeOf(recorded.history).incidents.map((i) => i.trigger)).toEqual(['job_overlap'])
    const { comparison } = await replayed(recorded, [set('job.sync:overlap_incident=false')])
    expect(comparison.summary.incidents).toEqual({ recorded: 1, replayed: 0 })
  })

  it('opens the critical incident at the third critical sample with failure_threshold=3', async () => {
    const recorded = await record(async (monitor, at) => {
      for (let i = 0; i < 4; i += 1) {
        await at(i * MIN)
        await monitor.pushProbe({ code: 'web.api', health: 'critical' })
      }
    }, HOUR)
    const { outcome, comparison } = await replayed(recorded, [set('web.api:failure_threshold=3')])
    expect(outcome.incidents.map((i) => i.openedAt)).toEqual([new Date(START.getTime() + 2 * MIN)])
    expect(comparison.codes[0]?.changed[0]).toMatchObject({ type: 'incident', shiftMs: 2 * MIN })
  })

  it('opens missed incidents under a schedule the history did not have', async () => {
    const recorded = await record(async (monitor, at) => {
      await monitor.pushProbe({ code: 'db.dump', health: 'healthy' })
      await at(2 * HOUR)
      await monitor.pushProbe({ code: 'db.dump', health: 'healthy' })
    }, 2 * HOUR)
    const { outcome } = await replayed(recorded, [set('db.dump:schedule=0 * * * *'), set('db.dump:grace=10m')])
    expect(outcome.incidents.map((i) => [i.trigger, i.openedAt, i.recoveredAt])).toEqual([
      ['missed', new Date(START.getTime() + HOUR + 10 * MIN), new Date(START.getTime() + 2 * HOUR)],
    ])
  })

  it('opens a short incident with min_runtime', async () => {
    const recorded = await record(async (monitor, at) => {
      const run = (await monitor.startJob({ code: 'job.backup' }))._unsafeUnwrap().run
      await at(MIN)
      await monitor.pushStep({ code: 'job.backup', uid: run.uid, label: 'done', health: 'healthy', end: true })
    }, HOUR)
    const { outcome } = await replayed(recorded, [set('job.*:min_runtime=5m')])
    expect(outcome.incidents.map((i) => [i.trigger, i.openedAt])).toEqual([['short', new Date(START.getTime() + MIN)]])
  })

  it('routes notifications by the webhooks given', async () => {
    const recorded = await record(async (monitor, at) => {
      await monitor.pushProbe({ code: 'web.api', health: 'critical' })
      await at(MIN)
      await monitor.pushProbe({ code: 'web.api', health: 'healthy' })
    }, HOUR)
    const { comparison } = await replayed(recorded, [], {
      targetsFor: (event) => (event === 'incident.open' ? ['pager'] : []),
    })
    expect(comparison.summary.notifications).toEqual({ recorded: 3, replayed: 1 })
    expect(
      comparison.codes[0]?.removed.map((e) =>
        e.type === 'notification' ? `${e.notification.target} ${e.notification.event}` : '',
      ),
    ).toEqual(['chat incident.open', 'chat incident.recovered'])
  })

  it('holds notifications in a maintenance window and sends what is still failing at its end', async () => {
    // Critical from 00:10; the window is 00:00–00:30 of every hour.
    const recorded = await record(async (monitor, at) => {
      await at(10 * MIN)
      await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    }, HOUR)
    const maintenance = [{ codes: ['db.*'], schedule: '0 * * * *', duration: 30 * MIN }]
    const outcome = (
      await replay({
        history: recorded.history,
        from: START,
        to: recorded.to,
        rules: { notifications: ROUTER, maintenance },
      })
    )._unsafeUnwrap()
    const opens = outcome.notifications.filter((n) => n.event === 'incident.open')
    expect(opens.map((n) => [n.target, n.at.getTime() - START.getTime()]).sort()).toEqual([
      ['chat', 30 * MIN],
      ['pager', 30 * MIN],
    ])
  })

  it('replays the silences of the window as they held, one ended early included', async () => {
    const recorded = await record(async (monitor, at) => {
      const first = (await monitor.addSilence({ pattern: 'db.*', for: HOUR }))._unsafeUnwrap().silence
      await at(10 * MIN)
      await monitor.pushProbe({ code: 'db.main', health: 'critical' })
      // Ended early: the incident held since 00:10 is notified now.
      await at(20 * MIN)
      await monitor.endSilence({ id: first.id })
      await at(30 * MIN)
      await monitor.addSilence({ pattern: 'db.main', for: 15 * MIN })
      await at(35 * MIN)
      await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
      await at(50 * MIN)
      await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    }, HOUR)
    const notified = (outcome: Outcome) =>
      outcome.notifications
        .filter((n) => n.target === 'chat')
        .map((n) => [n.event, (n.at.getTime() - START.getTime()) / MIN])
    expect(recorded.silences).toHaveLength(2)
    expect(notified(outcomeOf(recorded.history))).toEqual([
      ['incident.open', 20],
      ['incident.relapsed', 50],
    ])
    const { outcome, comparison } = await replayed(recorded)
    expect(notified(outcome)).toEqual(notified(outcomeOf(recorded.history)))
    expect(comparison.codes).toEqual([])
    // Without them, the open is notified when it happened, and so is the recovery.
    const unsilenced = await replayed({ ...recorded, silences: [] })
    expect(notified(unsilenced.outcome)).toEqual([
      ['incident.open', 10],
      ['incident.recovered', 35],
      ['incident.relapsed', 50],
    ])
  })

  it('keeps a person resolving an incident, and reports an override that makes the rules invalid', async () => {
    const recorded = await record(async (monitor, at) => {
      await monitor.pushProbe({ code: 'db.main', health: 'critical', staleAfter: '10m' })
      await at(MIN)
      await monitor.resolve({ id: 1, note: 'known' })
    }, HOUR)
    const { outcome } = await replayed(recorded)
    expect(outcome.incidents.map((i) => i.state)).toEqual(['resolved'])
    const refused = await replay({
      history: recorded.history,
      from: START,
      to: recorded.to,
      rules: { overrides: [set('db.*:stale_incident_after=5m')] },
    })
    expect(refused._unsafeUnwrapErr().message).toMatch(/^db\.main: invalid rule stale-after/)
  })

  it('reads --set values as a push does', () => {
    expect(parseRuleSetting('db.*:stale_incident_after=2h')._unsafeUnwrap()).toEqual({
      code: 'db.*',
      rules: { staleIncidentAfter: 2 * HOUR },
    })
    expect(parseRuleSetting('*:failure_threshold=off')._unsafeUnwrap()).toEqual({
      code: '*',
      rules: { failureThreshold: null },
    })
    expect(parseRuleSetting('db:stale=2h')._unsafeUnwrapErr().message).toMatch(/unknown rule "stale"/)
    expect(parseRuleSetting('db.*:grace=soon')._unsafeUnwrapErr().message).toMatch(/invalid rule grace/)
    expect(parseRuleSetting('no-equals')._unsafeUnwrapErr().message).toMatch(/expected GLOB:rule=value/)
  })
})
