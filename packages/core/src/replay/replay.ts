import { err, ok, type Result } from 'neverthrow'
import { RULE_NAMES, type Incident, type Rules, type Silence } from '../domain.js'
import { validation, type CoreError } from '../errors.js'
import { historyPages, type History } from '../history/read.js'
import { matchCodeGlob } from '../code-glob.js'
import { MemoryStore } from '../memory-store.js'
import { Monitor, trustInputs } from '../monitor.js'
import { pushProbeSchema } from '../schemas.js'
import type { Clock } from '../ports/clock.js'
import type { NotificationRouter } from '../ports/notifier.js'
import type { HistoryDelivery, HistoryIncident, HistoryPage, HistoryReport } from '../ports/store.js'
import type { MaintenanceWindow } from '../silence/silences.js'
import type { IncidentChanges } from '../views.js'
import { orderedActions, type Action, type RunReport } from './actions.js'
import { parseOverrides } from './rule-setting.js'
import { outcomeOfPages, type Outcome } from './outcome.js'
import { partOfCode, type ReplayPart } from './parts.js'

/** Rules to change for the probes/jobs a code glob matches (`matchCodeGlob`). */
export interface RuleOverride {
  readonly code: string
  readonly rules: Partial<Rules>
}

/** The rules a history is replayed under; what is not given stays as recorded. */
export interface ReplayRules {
  /** Applied in order to the rules each recorded report carried (a later override wins). */
  readonly overrides?: readonly RuleOverride[]
  /** Who hears about which event (webhooks' `on`); by default the targets the recorded deliveries went to, per event. */
  readonly notifications?: NotificationRouter
  /** The time zone of schedules that name none (default `UTC`), as the daemon's `timezone`. */
  readonly timezone?: string
  /** Maintenance windows in force (the daemon's `[[maintenance]]`): they silence their codes' notifications. */
  readonly maintenance?: readonly MaintenanceWindow[]
}

/** What {@link replay} replays. */
export interface ReplayOptions {
  /**
   * The recorded history: whole, or a store's export pages (`historyPages`), replayed as they come
   * so that a long history is never held whole (each part's rows must begin in id order, as a
   * store stamps them). Its reports are taken as valid, as a store recorded them: they are not
   * checked again.
   */
  readonly history: History | AsyncIterable<HistoryPage>
  /**
   * The silences of the window (`timon silence add`), as `Monitor.listSilences({ endingAfter: from })`
   * answers them: each holds its codes' notifications from its start to its end (as `silence end`
   * moved it), as it did. Add or drop some to see what they would have held.
   */
  readonly silences?: readonly Silence[]
  readonly rules?: ReplayRules
  /** The window: recorded actions outside it are left out; deadlines are evaluated up to `to`. */
  readonly from: Date
  readonly to: Date
  /**
   * Replay only this part of the codes (see `partOfCode`), to run the parts side by side and
   * `mergeOutcomes` theirs; by default, the whole history.
   */
  readonly part?: ReplayPart
}

/**
 * Why a replay failed: a {@link CoreError}, or `cross_part` when a code of the replayed part
 * depends on a code of another part (replay in one part then).
 */
export type ReplayError =
  | CoreError
  | { readonly code: 'cross_part'; readonly message: string; readonly dependent: string; readonly dependsOn: string }

/**
 * Replays a recorded history through a fresh {@link Monitor} on a clock of its own and a `MemoryStore`,
 * under changed rules, and returns the incidents and notifications that would have happened.
 *
 * Recorded actions (samples, runs with their steps, skipped runs, manual incidents, a person's
 * resolves and annotations, and the `silences` given, at their start, before the actions of the same
 * millisecond) are applied in time order; between two of them the clock moves
 * deadline by deadline, running `check()` at each, as a daemon that is never late would. A
 * deadline at the very instant of an action comes after it (the report was in time). Actions at
 * the same millisecond go in a fixed order: run starts and samples, steps, run ends, manual
 * incidents, resolves and annotations. A resolve or annotation of an automatic incident goes to
 * the replay's latest incident of the same probe/job and trigger, and is dropped when there is
 * none (or it is already resolved).
 *
 * An `err` when an override's value is invalid (as a push would refuse it) or makes a recorded
 * report's rules invalid (e.g. `stale_after` longer than `stale_incident_after`), naming the code.
 */
export async function replay(options: ReplayOptions): Promise<Result<Outcome, ReplayError>> {
  const { history, from, to, part = WHOLE } = options
  const overrides = parseOverrides(options.rules?.overrides ?? [])
  if (overrides.isErr()) return err(overrides.error)
  const rules = { ...options.rules, overrides: overrides.value }
  /** The replay's time in ms: read and moved before every action, without a Date each time. */
  let time = from.getTime()
  // The Monitor's clock: a `FakeClock`'s `set` makes a Date each move, which no one reads.
  const clock: Clock = { now: () => new Date(time) }
  const moveTo = (at: number) => {
    time = Math.max(at, time)
  }
  // Only each probe's latest sample is kept: memory grows with the probes, not with the history.
  const store = new MemoryStore({ samples: 'latest' })
  let uid = ''
  const recordedTargets = new Map<string, string[]>()
  // The pushes below are rebuilt from recorded reports with the schemas' output types: not parsed again.
  const monitor = trustInputs(
    new Monitor({
      store,
      clock,
      notifications: rules.notifications ?? routerOf(recordedTargets),
      timezone: rules.timezone ?? 'UTC',
      maintenance: rules.maintenance ?? [],
      ids: { uid: () => uid },
    }),
  )
  const latest = new Map<string, Incident>()
  const manual = new Map<number, number>()
  const remember = (changes: IncidentChanges) => {
    for (const incident of changes.opened) latest.set(`${incident.contractId}\u0000${incident.triggerType}`, incident)
  }
  const contractIds = new Map<string, number>()
  // A probe's pushes mostly carry the same rules object (a page shares them): merged once, not per sample.
  const pushRules = new Map<string, { readonly recorded: Rules; readonly push: Partial<Rules> }>()
  /**
   * The rules a probe's push carries; `undefined` when they are those its previous push carried (rules
   * are sticky, and this replay's pushes are the only writes of them): the Monitor then merges none.
   */
  const probeRulesOf = (report: HistoryReport): Result<Partial<Rules> | undefined, ReplayError> => {
    const cached = pushRules.get(report.code)
    if (cached?.recorded === report.rules) return SAME_RULES
    const effective = rulesFor(report, rules)
    const crossing = crossPart(report.code, effective, part)
    if (crossing !== undefined) return err(crossing)
    const push = probeRules(effective)
    pushRules.set(report.code, { recorded: report.rules, push })
    return ok(push)
  }
  const parts = new Map<string | null, number>()
  const inPart = (code: string | null): boolean => {
    if (part.count === 1) return true
    let index = parts.get(code)
    if (index === undefined) parts.set(code, (index = partOfCode(code, part.count)))
    return index === part.index
  }

  /** The next deadline if one is due by `until`: what `monitor.nextDeadline()` answers, without a transaction. */
  const dueBy = (until: number, inclusive: boolean): number | undefined => {
    const stored = store.nextDue()?.getTime()
    const windowEnd = monitor.maintenanceEnd()?.getTime()
    const due = windowEnd === undefined || (stored !== undefined && stored <= windowEnd) ? stored : windowEnd
    return due === undefined || due > until || (!inclusive && due === until) ? undefined : due
  }
  const fireDeadlines = async (until: number, inclusive: boolean) => {
    for (let due = dueBy(until, inclusive); due !== undefined; due = dueBy(until, inclusive)) {
      moveTo(due)
      const checked = await monitor.check()
      if (checked.isOk()) remember(checked.value)
    }
  }

  // The silences in the order they began; each is added when the replay reaches its start.
  const silences = (options.silences ?? [])
    .filter((silence) => silence.endsAt > from && silence.startsAt <= to)
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.id - b.id)
  let begun = 0
  const nextSilenceAt = () => silences[begun]?.startsAt.getTime() ?? Infinity
  /** Adds the silences that began by `at`, each once the deadlines before its start have fired. */
  const beginSilences = async (at: number) => {
    for (; nextSilenceAt() <= at; begun++) {
      const { startsAt, pattern, endsAt, comment } = silences[begun] as Silence
      await fireDeadlines(startsAt.getTime(), false)
      moveTo(startsAt.getTime())
      // One that began before the window and is over by the time reached adds nothing (an `err`).
      await monitor.addSilence({ pattern, until: endsAt, ...(comment === null ? {} : { comment }) })
    }
  }

  const automaticTarget = (incident: HistoryIncident): Incident | undefined => {
    const contractId = incident.code === null ? undefined : contractIds.get(incident.code)
    return contractId === undefined ? undefined : latest.get(`${contractId}\u0000${incident.triggerType}`)
  }

  const apply = async (action: Action): Promise<Result<unknown, ReplayError>> => {
    switch (action.kind) {
      case 'sample': {
        const { report } = action
        uid = report.uid
        const ruled = probeRulesOf(report)
        if (ruled.isErr()) return ruled
        const input = {
          code: report.code,
          health: report.health,
          comment: report.comment ?? undefined,
          detail: report.detail ?? undefined,
        }
        // No spread of absent rules: a spread after the fields is V8's slow path, even of nothing.
        const pushed = await monitor.pushProbe(ruled.value === undefined ? input : { ...input, ...ruled.value })
        if (pushed.isErr()) return pushed
        contractIds.set(report.code, pushed.value.sample.contractId)
        remember(pushed.value)
        return pushed
      }
      case 'start': {
        const { run } = action
        uid = run.uid
        const comment = run.startComment ?? undefined
        if (run.skipped) return monitor.skipRun({ code: run.code, comment })
        const runRules = rulesFor(run, rules)
        const crossing = crossPart(run.code, runRules, part)
        if (crossing !== undefined) return err(crossing)
        const started = await monitor.startJob({ code: run.code, comment, ...runRules })
        if (started.isErr()) return started
        contractIds.set(run.code, started.value.run.contractId)
        remember(started.value)
        return started
      }
      case 'step': {
        const { run, step, ends } = action
        const detail = step.detail ?? undefined
        const base = { code: run.code, uid: run.uid, label: step.label, health: step.health, detail }
        // An end comment equal to the label is the one `--end` wrote for want of one.
        const endComment = run.endComment === step.label ? undefined : (run.endComment ?? undefined)
        const pushed = await monitor.pushStep(ends ? { ...base, end: true, endComment, ...exitInput(run) } : base)
        if (pushed.isOk()) remember(pushed.value)
        return pushed
      }
      case 'end': {
        const { run } = action
        const ended = await monitor.endJob({
          code: run.code,
          uid: run.uid,
          comment: run.endComment ?? undefined,
          ...exitInput(run),
        })
        if (ended.isOk()) remember(ended.value)
        return ended
      }
      case 'open': {
        const opened = await monitor.openIncident({
          title: action.incident.title,
          description: action.incident.description ?? undefined,
        })
        if (opened.isOk()) manual.set(action.incident.id, opened.value.incident.id)
        return opened
      }
      case 'resolve':
      case 'annotate': {
        const id =
          action.incident.triggerType === 'manual'
            ? manual.get(action.incident.id)
            : automaticTarget(action.incident)?.id
        if (id === undefined) return ok(undefined)
        // A recorded resolve or annotation that has nothing left to act on is dropped, not an error.
        if (action.kind === 'annotate') return ok(await monitor.annotate({ id, note: action.note }))
        return ok(await monitor.resolve(action.note === DEFAULT_RESOLVE_NOTE ? { id } : { id, note: action.note }))
      }
    }
  }

  for await (const batch of orderedActions(history, from.getTime(), to.getTime(), (deliveries) =>
    addRecordedTargets(recordedTargets, deliveries),
  )) {
    for (const action of batch) {
      if (!inPart(action.code)) continue
      if (nextSilenceAt() <= action.at) await beginSilences(action.at)
      // Most actions have no deadline before them: asked first, so that they await nothing more.
      if (dueBy(action.at, false) !== undefined) await fireDeadlines(action.at, false)
      moveTo(action.at)
      const result = await apply(action)
      if (result.isErr())
        return err(
          result.error.code === 'cross_part'
            ? result.error
            : validation(`${action.code ?? 'replay'}: ${result.error.message}`),
        )
    }
  }
  await beginSilences(to.getTime())
  await fireDeadlines(to.getTime(), true)
  return ok(await outcomeOfPages(historyPages(store, { from, to: new Date(Math.max(to.getTime(), time)) })))
}

/**
 * A router that sends each event to the targets its recorded deliveries went to: replaying with
 * it keeps the routing as it was.
 */
export function recordedRouter(history: History): NotificationRouter {
  return routerOf(addRecordedTargets(new Map(), history.deliveries))
}

// --- internal ---

/** Adds the targets each event's recorded deliveries went to. */
function addRecordedTargets(
  targets: Map<string, string[]>,
  deliveries: readonly HistoryDelivery[],
): Map<string, string[]> {
  for (const { event, target } of deliveries) {
    const list = targets.get(event.name) ?? []
    if (!list.includes(target)) targets.set(event.name, [...list, target])
  }
  return targets
}

function routerOf(targets: ReadonlyMap<string, readonly string[]>): NotificationRouter {
  return { targetsFor: (event) => targets.get(event) ?? [] }
}

/** All the codes: a replay's part by default. */
const WHOLE: ReplayPart = { index: 0, count: 1 }

/** A `cross_part` error when `code` of `part` depends on a code of another part. */
function crossPart(code: string, rules: Rules, part: ReplayPart): ReplayError | undefined {
  const { dependsOn } = rules
  if (dependsOn === null || partOfCode(dependsOn, part.count) === part.index) return undefined
  return {
    code: 'cross_part',
    message: `${code} depends on ${dependsOn}, which another part of the replay replays`,
    dependent: code,
    dependsOn,
  }
}

/** A probe push's rules unchanged since its previous push: one result, not one per sample. */
const SAME_RULES = ok(undefined)

/** What `Monitor.resolve` writes on the timeline when no note is given. */
const DEFAULT_RESOLVE_NOTE = 'resolved'

/** The rules a report carried, with the overrides whose glob matches its code applied. */
function rulesFor(report: HistoryReport, rules: ReplayRules): Rules {
  let result = report.rules
  for (const override of rules.overrides ?? []) {
    if (matchCodeGlob(override.code, report.code)) result = { ...result, ...override.rules }
  }
  return result
}

/** The rules a probe's push takes: those of its schema (a probe has no run to time or overlap). */
function probeRules(rules: Rules): Partial<Rules> {
  const picked: Partial<Record<keyof Rules, unknown>> = {}
  for (const name of PROBE_RULE_NAMES) picked[name] = rules[name]
  return picked as Partial<Rules>
}

const PROBE_RULE_NAMES = RULE_NAMES.filter((name) => name in pushProbeSchema.shape)

/** How a recorded run ended, as an input (its signal name was checked when it was pushed). */
function exitInput(run: RunReport): { exit?: { code: number | null; signal: `SIG${string}` | null } } {
  return run.exit === null ? {} : { exit: { code: run.exit.code, signal: run.exit.signal as `SIG${string}` | null } }
}
