import { err, ok, type Ok, type Result } from 'neverthrow'
import type { z } from 'zod'
import type {
  Contract,
  ContractKind,
  DeliveryStatus,
  Incident,
  Report,
  ReportMark,
  Rules,
  Run,
  RunExit,
  Silence,
} from './domain.js'
import { DEFAULT_RULES, isFailing, RULE_NAMES } from './domain.js'
import { conflict, notFound, tooOld, validation, type CoreError } from './errors.js'
import { formatHumanDuration } from './duration.js'
import { formatIssues } from './issues.js'
import { IncidentWriter } from './incident/incident-writer.js'
import {
  criticalNote,
  missedNote,
  missedRecoveredNote,
  missedTitle,
  overlapNote,
  overtimeNote,
  overtimeRecoveredNote,
  shortNote,
  staleNote,
  staleRecoveredNote,
} from './incident/notes.js'
import { SystemClock, type Clock } from './ports/clock.js'
import type { NotificationRouter } from './ports/notifier.js'
import type { ContractPatch, HistoryPage, HistoryQuery, Store, StoreTx } from './ports/store.js'
import {
  addSilenceSchema,
  endSilenceSchema,
  annotateSchema,
  endJobSchema,
  openIncidentSchema,
  pushProbeSchema,
  pushStepSchema,
  recordRunLogSchema,
  resolveSchema,
  skipRunSchema,
  startJobSchema,
  truncateSchema,
  type AddSilenceInput,
  type EndSilenceInput,
  type AnnotateInput,
  type EndJobInput,
  type OpenIncidentInput,
  type PushProbeInput,
  type PushStepInput,
  type RecordRunLogInput,
  type ResolveInput,
  type SkipRunInput,
  type StartJobInput,
  type TruncateInput,
} from './schemas.js'
import { isTimeZone } from './schedule/cron-schedule.js'
import { localTime, localTimestamp } from './schedule/expected.js'
import { armedSchedule, graceOf, rearmedAfterMiss, zoneOf } from './schedule/schedule-rule.js'
import { checkDependency } from './rules/dependency.js'
import { exportHistoryColumns, type HistoryColumns } from './history/columns.js'
import { historyQueryError } from './history/read.js'
import { countReport } from './rules/threshold.js'
import {
  Silencer,
  activeHolds,
  maintenanceInForce,
  parseMaintenance,
  releaseHeld,
  type MaintenanceWindow,
  type ParsedMaintenance,
} from './silence/silences.js'
import {
  pageOf,
  queryIncidentsSchema,
  storeQueryOf,
  type IncidentList,
  type QueryIncidentsInput,
} from './incident/incident-query.js'
import { planTruncate } from './truncate-policy.js'
import { formatIncidentCode, isPositiveInteger, parseTarget, type Target } from './validate.js'
import type {
  CheckResult,
  SilenceList,
  ContractView,
  DeleteResult,
  DeliveryList,
  IncidentResult,
  IncidentView,
  PushProbeResult,
  ReportView,
  RunResult,
  ScheduleView,
  ShowView,
  StatusView,
  SummaryView,
  TruncateResult,
} from './views.js'

/** Options of a {@link Monitor}. */
export interface MonitorOptions {
  /** Where everything is kept. */
  readonly store: Store
  /** The source of "now"; defaults to the system clock. Pass a `FakeClock` in tests. */
  readonly clock?: Clock
  /**
   * Who hears about incident events. Deliveries are written to the store's outbox in the same
   * transaction as the change; without a router no deliveries are written.
   */
  readonly notifications?: NotificationRouter
  /**
   * How validation errors name the fields of an input, from their keys (default: as they are,
   * camelCase). The daemon passes its wire's naming (`snakeCase`), so that an error answered over
   * the wire names the field as the caller sent it: the input is validated once, here.
   */
  readonly fieldName?: (key: string) => string
  /** The IANA time zone of schedules that name none (default `UTC`). */
  readonly timezone?: string
  /**
   * How far in the past a push's original time (`at`) may be, in ms (default 24 h,
   * {@link DEFAULT_MAX_PUSH_AGE_MS}); an older push fails as `too_old`.
   */
  readonly maxPushAgeMs?: number
  /** Maintenance windows: the codes they silence while in force (docs/behaviour.md#silences). */
  readonly maintenance?: readonly MaintenanceWindow[]
  /** Random sources, replaceable for deterministic tests. */
  readonly ids?: {
    /** A sample/run uid: 12 lowercase hexadecimal characters. */
    readonly uid?: () => string
    /** A delivery id, stable across retries (a UUID by default). */
    readonly deliveryId?: () => string
  }
}

/** Options of `show <code>`. */
export interface ShowOptions {
  /** How many of the most recent samples/runs to list (default 20). */
  readonly limit?: number
  /** List the whole history. */
  readonly all?: boolean
}

/** Options of `status`: one page of contracts. */
export interface StatusOptions {
  /** Contracts per page (default 1000). */
  readonly limit?: number
  /** Continue after this contract (the `next` of the previous page). */
  readonly after?: { readonly kind: ContractKind; readonly code: string }
}

/** Options of `delete`. */
export interface DeleteOptions {
  /** Delete even when linked to active incidents, or when the incident is not resolved. */
  readonly force?: boolean
}

/** How far in the past a push's original time may be by default: 24 hours. */
export const DEFAULT_MAX_PUSH_AGE_MS = 24 * 60 * 60 * 1000

/** How far ahead of the daemon's clock a push's original time may be (clocks drift): 5 minutes. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000

/**
 * The one facade of Timon's core: push samples and runs, open and move incidents, read status,
 * delete and truncate, and evaluate deadlines. Every method returns a `Result`; expected failures
 * (bad input, unknown targets, forbidden operations) are `err` values with a {@link CoreError}.
 *
 * The Monitor does no I/O of its own and never sleeps: time comes from the clock, persistence from
 * the store. Call {@link check} when {@link nextDeadline} comes (the daemon does this for you).
 */
export class Monitor {
  readonly #store: Store
  readonly #clock: Clock
  readonly #router: NotificationRouter | undefined
  readonly #uid: () => string
  readonly #deliveryId: () => string
  readonly #fieldName: ((key: string) => string) | undefined
  readonly #timezone: string
  readonly #maxPushAgeMs: number
  #maintenance: readonly ParsedMaintenance[]

  /**
   * @throws RangeError when `options.timezone` is not a known IANA zone (check it with `isTimeZone`
   * first), or a maintenance window's schedule does not read (check it with `parseSchedule`).
   */
  constructor(options: MonitorOptions) {
    this.#timezone = options.timezone ?? 'UTC'
    if (!isTimeZone(this.#timezone)) throw new RangeError(`unknown time zone "${this.#timezone}"`)
    this.#maintenance = parseMaintenance(options.maintenance ?? [], this.#timezone)
    this.#store = options.store
    this.#clock = options.clock ?? new SystemClock()
    this.#router = options.notifications
    this.#uid = options.ids?.uid ?? randomUid
    this.#deliveryId = options.ids?.deliveryId ?? randomUuid
    this.#fieldName = options.fieldName
    this.#maxPushAgeMs = options.maxPushAgeMs ?? DEFAULT_MAX_PUSH_AGE_MS
  }

  /** The clock this monitor reads. */
  get clock(): Clock {
    return this.#clock
  }

  /**
   * Records a probe sample (creating the probe on its first push), applies the rules it carries
   * (sticky: omitted rules stay, `'off'` removes one) and the critical and stale rules.
   */
  pushProbe(input: PushProbeInput): Promise<Result<PushProbeResult, CoreError>> {
    return this.#write(pushProbeSchema, input, async (tx, writer, now, push) => {
      const found = ofKind(await tx.findContract(push.code), push.code, 'probe')
      if (found.isErr()) return err(found.error)
      const merged = mergeRules(found.value?.rules ?? DEFAULT_RULES, push)
      const rules = needsDependencyCheck(merged, found.value)
        ? await checkDependency(tx, push.code, merged.value)
        : merged
      if (rules.isErr()) return err(rules.error)
      // With the rules in force from this push on: they decide, among others, what holds its notifications.
      const contract = withRules(
        found.value ??
          (await tx.insertContract({ code: push.code, kind: 'probe', rules: rules.value, createdAt: now })),
        rules.value,
      )
      // Most pushes have no original time: they await no lookup of the latest report.
      const late = push.at !== undefined && (await isLate(tx, contract, push.at))
      const counted = late
        ? undefined
        : countReport(push.health, contract, rules.value, isFailing(await writer.active(contract, 'critical')))
      // One literal, not a spread of a base one: every push inserts a sample.
      const sample = await tx.insertSample({
        contractId: contract.id,
        uid: this.#uid(),
        health: push.health,
        pushedAt: now,
        comment: push.comment ?? null,
        detail: push.detail ?? null,
        rules: rules.value,
        host: push.host ?? null,
        progress: counted?.progress ?? null,
      })
      if (counted === undefined) return ok({ sample, ...writer.changes })
      await tx.updateContract(contract.id, {
        rules: rules.value,
        ...this.#armedDeadlines(rules.value, now),
        ...counted.streaks,
        lastReportId: sample.id,
      })
      const mention = { kind: 'sample', uid: sample.uid } as const
      if (counted.action !== undefined) {
        // As a run's final step: the sample's detail (a command check's output) describes the incident it opens.
        const description = counted.action === 'degrade' ? push.detail : undefined
        await writer.apply(
          contract,
          'critical',
          counted.action,
          (entry) => criticalNote(entry, contract.code, mention, push.comment, undefined),
          sample.id,
          { description },
        )
      }
      await recoverStale(writer, contract, now)
      await writer.apply(contract, 'missed', 'recover', () => missedRecoveredNote(contract.code, mention), sample.id)
      return ok({ sample, ...writer.changes })
    })
  }

  /**
   * Starts a job run and returns it (its `uid` addresses later steps). Applies the job's sticky
   * rules, re-arms its stale deadlines from the start and evaluates overlap against every run of
   * the job still going.
   */
  startJob(input: StartJobInput): Promise<Result<RunResult, CoreError>> {
    return this.#write(startJobSchema, input, async (tx, writer, now, start) => {
      const found = ofKind(await tx.findContract(start.code), start.code, 'job')
      if (found.isErr()) return err(found.error)
      const merged = mergeRules(found.value?.rules ?? DEFAULT_RULES, start)
      const rules = needsDependencyCheck(merged, found.value)
        ? await checkDependency(tx, start.code, merged.value)
        : merged
      if (rules.isErr()) return err(rules.error)
      const contract = withRules(
        found.value ?? (await tx.insertContract({ code: start.code, kind: 'job', rules: rules.value, createdAt: now })),
        rules.value,
      )
      if (start.uid !== undefined && (await tx.findReport(contract.id, start.uid)) !== undefined)
        return err(conflict(`run ${start.code}:${start.uid} already exists`))
      const base = {
        contractId: contract.id,
        uid: start.uid ?? this.#uid(),
        startedAt: now,
        startComment: start.comment ?? null,
        rules: rules.value,
        host: start.host ?? null,
      }
      // A late run is history: it arms no overtime deadline and leaves the job's state alone.
      if (await isLate(tx, contract, start.at))
        return ok({ run: await tx.insertRun({ ...base, overtimeAt: null }), ...writer.changes })
      const going = await tx.unfinishedRuns(contract.id)
      const overtime = rules.value.overtimeIncidentAfter
      const run = await tx.insertRun({
        ...base,
        overtimeAt: overtime === null ? null : new Date(now.getTime() + overtime),
      })
      await tx.updateContract(contract.id, {
        rules: rules.value,
        ...this.#armedDeadlines(rules.value, now),
        lastReportId: run.id,
      })
      if (going.length === 0) {
        await writer.apply(
          contract,
          'job_overlap',
          'recover',
          (entry) => overlapNote(entry, contract.code, run.uid),
          run.id,
        )
      } else if (rules.value.overlapIncident) {
        await writer.apply(
          contract,
          'job_overlap',
          'degrade',
          (entry) => overlapNote(entry, contract.code, run.uid),
          run.id,
        )
      }
      await recoverStale(writer, contract, now)
      await writer.apply(
        contract,
        'missed',
        'recover',
        () => missedRecoveredNote(contract.code, { kind: 'run', uid: run.uid }),
        run.id,
      )
      return ok({ run, ...writer.changes })
    })
  }

  /**
   * Records a step of a running run. A warning or critical step sets the run's health at once;
   * the critical rule is applied when the run ends (`end: true`, or {@link endJob}).
   */
  pushStep(input: PushStepInput): Promise<Result<RunResult, CoreError>> {
    return this.#write(pushStepSchema, input, async (tx, writer, now, step) => {
      const found = await findRunningRun(tx, step.code, step.uid)
      if (found.isErr()) return err(found.error)
      const { contract, run } = found.value
      const health =
        step.health === 'warning' && run.health !== 'critical'
          ? 'warning'
          : step.health === 'critical'
            ? 'critical'
            : step.end === true && run.health === 'unknown'
              ? 'healthy'
              : run.health
      await tx.insertStep({
        reportId: run.id,
        label: step.label,
        health: step.health,
        at: now,
        detail: step.detail ?? null,
      })
      if (step.end !== true) {
        if (health !== run.health) await tx.updateRun(run.id, { health })
        return ok({ run: { ...run, health }, ...writer.changes })
      }
      const ended = await endRun(tx, run, {
        health,
        endedAt: now,
        endComment: step.endComment ?? step.label,
        exit: step.exit ?? null,
      })
      if (await isLate(tx, contract, step.at)) return ok({ run: ended, ...writer.changes })
      const counted = await applyRunEndRules(
        writer,
        tx,
        contract,
        ended,
        { comment: step.endComment, detail: step.detail },
        now,
        run.overtimeAt,
      )
      return ok({ run: counted, ...writer.changes })
    })
  }

  /** Ends a running run: its health becomes its worst step (healthy without steps), then the rules apply. */
  endJob(input: EndJobInput): Promise<Result<RunResult, CoreError>> {
    return this.#write(endJobSchema, input, async (tx, writer, now, end) => {
      const found = await findRunningRun(tx, end.code, end.uid)
      if (found.isErr()) return err(found.error)
      const { contract, run } = found.value
      const health = run.health === 'unknown' ? 'healthy' : run.health
      const ended = await endRun(tx, run, {
        health,
        endedAt: now,
        endComment: end.comment ?? null,
        exit: end.exit ?? null,
      })
      if (await isLate(tx, contract, end.at)) return ok({ run: ended, ...writer.changes })
      const counted = await applyRunEndRules(
        writer,
        tx,
        contract,
        ended,
        { comment: end.comment, detail: undefined },
        now,
        run.overtimeAt,
      )
      return ok({ run: counted, ...writer.changes })
    })
  }

  /** Records where a run's output is kept (`timon exec`); `show` and `logs` find it there. */
  recordRunLog(input: RecordRunLogInput): Promise<Result<RunResult, CoreError>> {
    return this.#write(recordRunLogSchema, input, async (tx, writer, _now, log) => {
      const contract = await tx.findContract(log.code)
      const report = contract?.kind === 'job' ? await tx.findReport(contract.id, log.uid) : undefined
      if (report?.kind !== 'run') return err(notFound('run'))
      await tx.updateRun(report.id, { logPath: log.path })
      return ok({ run: { ...report, logPath: log.path }, ...writer.changes })
    })
  }

  /**
   * Records a run that did not start because the previous one was still going
   * (`timon exec --skip-if-running`). It is kept in the history, already ended and healthy; it
   * evaluates no rule and leaves the job's current run, health and deadlines as they are. The job
   * is created if the run holding the lock has not reached the store yet.
   */
  skipRun(input: SkipRunInput): Promise<Result<RunResult, CoreError>> {
    return this.#write(skipRunSchema, input, async (tx, writer, now, skip) => {
      const found = ofKind(await tx.findContract(skip.code), skip.code, 'job')
      if (found.isErr()) return err(found.error)
      const contract =
        found.value ?? (await tx.insertContract({ code: skip.code, kind: 'job', rules: DEFAULT_RULES, createdAt: now }))
      const run = await tx.insertRun({
        contractId: contract.id,
        uid: this.#uid(),
        startedAt: now,
        startComment: skip.comment ?? null,
        rules: contract.rules,
        overtimeAt: null,
        skipped: true,
        host: skip.host ?? null,
      })
      return ok({ run, ...writer.changes })
    })
  }

  /** Opens a manual incident; only annotate, resolve and delete act on it afterwards. */
  openIncident(input: OpenIncidentInput): Promise<Result<IncidentResult, CoreError>> {
    return this.#write(openIncidentSchema, input, async (tx, writer, now, open) => {
      const incident = await tx.insertIncident({
        triggerType: 'manual',
        title: open.title,
        description: open.description ?? null,
        contractId: null,
        openedAt: now,
      })
      // The Go original wrote no timeline entry for manual incidents: docs/behaviour.md#manual-incidents.
      await tx.insertIncidentEvent({
        incidentId: incident.id,
        type: 'opened',
        reportId: null,
        note: 'opened manually',
        isSystem: false,
        at: now,
      })
      await writer.notify({ name: 'incident.open', at: now, incident })
      return ok({ incident })
    })
  }

  /** Adds a person's note to an incident's timeline (resolved incidents included). */
  annotate(input: AnnotateInput): Promise<Result<IncidentResult, CoreError>> {
    return this.#write(annotateSchema, input, async (tx, writer, now, annotation) => {
      const incident = await tx.getIncident(annotation.id)
      if (incident === undefined) return err(notFound('incident'))
      await tx.insertIncidentEvent({
        incidentId: incident.id,
        type: 'annotation',
        reportId: null,
        note: annotation.note,
        isSystem: false,
        at: now,
      })
      await writer.notify({ name: 'incident.annotated', at: now, incident, note: annotation.note })
      return ok({ incident })
    })
  }

  /** Resolves an incident for good, from any state; the optional note is kept on the resolve entry. */
  resolve(input: ResolveInput): Promise<Result<IncidentResult, CoreError>> {
    return this.#write(resolveSchema, input, async (tx, writer, _now, resolve) => {
      const incident = await tx.getIncident(resolve.id)
      if (incident === undefined) return err(notFound('incident'))
      const resolved = await writer.resolve(incident, resolve.note)
      if (resolved === undefined) return err(conflict('incident is already resolved'))
      return ok({ incident: resolved })
    })
  }

  /**
   * Flags stale probes/jobs, opens stale, overtime and missed incidents, releases what ended
   * silences held and sends due reminders: every deadline due at `clock.now()`.
   */
  async check(): Promise<Result<CheckResult, CoreError>> {
    const now = this.#clock.now()
    const result = {
      opened: [] as Incident[],
      recovered: [] as Incident[],
      relapsed: [] as Incident[],
      markedStale: [] as string[],
    }
    for (;;) {
      const batch = await this.#store.transaction(async (tx) => {
        const writer = this.#writer(tx, now)
        const contracts = await tx.dueContracts(now, CHECK_BATCH)
        for (const contract of contracts) {
          const incidentDue = contract.staleIncidentAt !== null && contract.staleIncidentAt <= now
          await tx.updateContract(
            contract.id,
            incidentDue ? { isStale: true, staleAt: null, staleIncidentAt: null } : { isStale: true, staleAt: null },
          )
          if (!contract.isStale) result.markedStale.push(contract.code)
          const rule = contract.rules.staleIncidentAfter
          if (incidentDue && rule !== null) {
            await writer.apply(contract, 'stale', 'degrade', (entry) => staleNote(entry, contract.code, rule), null)
          }
        }
        const runs = await tx.dueRuns(now, CHECK_BATCH)
        for (const run of runs) {
          await tx.updateRun(run.id, { overtimeAt: null })
          const contract = await tx.getContract(run.contractId)
          const rule = run.rules.overtimeIncidentAfter
          if (contract !== undefined && rule !== null) {
            await writer.apply(
              contract,
              'job_overtime',
              'degrade',
              (entry) => overtimeNote(entry, contract.code, rule, run.uid),
              run.id,
            )
          }
        }
        const missed = await tx.dueMissed(now, CHECK_BATCH)
        for (const contract of missed) await this.#noteMissed(tx, writer, contract, now)
        result.opened.push(...writer.changes.opened)
        result.recovered.push(...writer.changes.recovered)
        result.relapsed.push(...writer.changes.relapsed)
        return Math.max(contracts.length, runs.length, missed.length)
      })
      if (batch < CHECK_BATCH) break
    }
    await this.#store.transaction(async (tx) => {
      for (const silence of await tx.dueSilences(now, Number.MAX_SAFE_INTEGER))
        await tx.updateSilence(silence.id, { released: true })
      await this.#releaseHeld(tx, now)
    })
    await this.#remind(now)
    return ok(result)
  }

  /**
   * The earliest instant at which {@link check} has something to do, or `undefined` when nothing is
   * armed: a rule's deadline, a reminder, or the end of a silence or of a maintenance window in force.
   */
  async nextDeadline(): Promise<Date | undefined> {
    const stored = await this.#store.transaction(async (tx) =>
      earlier(earlier(await tx.nextDeadline(), await tx.nextSilenceEnd()), await tx.nextReminder()),
    )
    return earlier(stored, this.maintenanceEnd())
  }

  /**
   * The end of the first maintenance window in force now, if one is: the part of
   * {@link nextDeadline} that needs no store (at its end, {@link check} releases what it held).
   */
  maintenanceEnd(): Date | undefined {
    // Without windows, no Date of now: `replay` asks before every action.
    if (this.#maintenance.length === 0) return undefined
    let next: Date | undefined
    for (const window of maintenanceInForce(this.#maintenance, this.#clock.now())) next = earlier(next, window.endsAt)
    return next
  }

  /**
   * Replaces the maintenance windows (a daemon's reload). Notifications held by a window no longer
   * in force are released at the next {@link check}.
   *
   * @throws RangeError when a window's schedule does not read (check it with `parseSchedule`).
   */
  setMaintenance(windows: readonly MaintenanceWindow[]): void {
    this.#maintenance = parseMaintenance(windows, this.#timezone)
  }

  /**
   * Silences the codes `pattern` (a code glob) matches from now, `for` a duration or `until` an
   * instant: their incidents change as usual, but notifications are held until it ends.
   */
  addSilence(input: AddSilenceInput): Promise<Result<{ readonly silence: Silence }, CoreError>> {
    return this.#write(addSilenceSchema, input, async (tx, _writer, now, silence) => {
      const endsAt = silence.until ?? new Date(now.getTime() + (silence.for ?? 0))
      if (endsAt <= now) return err(validation('invalid silence — it must end after now'))
      return ok({
        silence: await tx.insertSilence({
          pattern: silence.pattern,
          startsAt: now,
          endsAt,
          comment: silence.comment ?? null,
          createdAt: now,
        }),
      })
    })
  }

  /**
   * The silences not yet over (or, with `endingAfter`, those that end after it: the silences of a
   * replay's window), and the maintenance windows in force.
   */
  async listSilences(options: { readonly endingAfter?: Date } = {}): Promise<Result<SilenceList, CoreError>> {
    const now = this.#clock.now()
    const silences = await this.#store.transaction((tx) => tx.listSilences(options.endingAfter ?? now))
    return ok({ silences, maintenance: maintenanceInForce(this.#maintenance, now) })
  }

  /**
   * Ends a silence now: the incidents it held that are still open or relapsed are notified once
   * (unless another silence still covers them).
   */
  endSilence(input: EndSilenceInput): Promise<Result<{ readonly silence: Silence }, CoreError>> {
    return this.#write(endSilenceSchema, input, async (tx, _writer, now, { id }) => {
      const silence = await tx.getSilence(id)
      if (silence === undefined) return err(notFound('silence'))
      if (silence.endsAt <= now) return ok({ silence })
      await tx.updateSilence(id, { endsAt: now, released: true })
      await this.#releaseHeld(tx, now)
      return ok({ silence: { ...silence, endsAt: now, released: true } })
    })
  }

  /** Active incidents and one page of probes and jobs with their last report. */
  async status(options: StatusOptions = {}): Promise<Result<StatusView, CoreError>> {
    const limit = options.limit ?? 1000
    if (!isPositiveInteger(limit)) return err(validation('limit must be a positive integer'))
    return ok(
      await this.#store.transaction(async (tx) => {
        const activeIncidents = await tx.listActiveIncidents()
        const page = await tx.listContractOverviews(
          options.after === undefined ? { limit: limit + 1 } : { after: options.after, limit: limit + 1 },
        )
        const contracts = page.slice(0, limit)
        const last = contracts.at(-1)?.contract
        const deliveries = await tx.countDeliveries()
        const now = this.#clock.now()
        const silences = (await tx.listSilences(now)).filter((silence) => silence.startsAt <= now)
        const view: StatusView = {
          activeIncidents,
          contracts,
          deliveries,
          silences,
          maintenance: maintenanceInForce(this.#maintenance, now),
          holds: await activeHolds(tx),
        }
        return page.length > limit && last !== undefined
          ? { ...view, next: { kind: last.kind, code: last.code } }
          : view
      }),
    )
  }

  /**
   * The newest samples/runs of many probes/jobs at once (ids from {@link status}) as marks (kind,
   * health, running), newest first, at most `perContract` each (default 20); probes/jobs without any
   * are absent from the map.
   */
  async recentReportMarks(
    contractIds: readonly number[],
    perContract = 20,
  ): Promise<Result<ReadonlyMap<number, readonly ReportMark[]>, CoreError>> {
    if (!isPositiveInteger(perContract)) return err(validation('perContract must be a positive integer'))
    return ok(await this.#store.transaction((tx) => tx.recentReportMarks(contractIds, perContract)))
  }

  /** Counts for a one-line summary; each probe/job counted once. */
  async summary(): Promise<Result<SummaryView, CoreError>> {
    return ok(await this.#store.transaction((tx) => tx.summarize()))
  }

  /** Shows an incident, a probe/job, or one sample/run, given as a target or as text (`INC-3`, `db.backup:3f2a9c1b7d4e`). */
  async show(target: Target | string, options: ShowOptions = {}): Promise<Result<ShowView, CoreError>> {
    const parsed = typeof target === 'string' ? parseTarget(target) : ok(target)
    if (parsed.isErr()) return err(parsed.error)
    const t = parsed.value
    if (t.kind === 'incident') return this.showIncident(t.id)
    if (t.kind === 'report') return this.showReport(t.code, t.uid)
    return this.showContract(t.code, options)
  }

  /** `show INC-<id>`: the incident with its timeline. */
  async showIncident(id: number): Promise<Result<IncidentView, CoreError>> {
    return this.#store.transaction(async (tx) => {
      const incident = await tx.getIncident(id)
      if (incident === undefined) return err(notFound('incident'))
      const timeline = await tx.listIncidentEvents(id)
      const contract = incident.contractId === null ? undefined : await tx.getContract(incident.contractId)
      return ok({ kind: 'incident' as const, incident, contractCode: contract?.code ?? null, timeline })
    })
  }

  /** `show <code>`: the probe/job, its rules and its most recent samples/runs. */
  async showContract(code: string, options: ShowOptions = {}): Promise<Result<ContractView, CoreError>> {
    const limit = options.all === true ? undefined : (options.limit ?? 20)
    if (limit !== undefined && !isPositiveInteger(limit)) return err(validation('limit must be a positive integer'))
    return this.#store.transaction(async (tx) => {
      const contract = await tx.findContract(code)
      if (contract === undefined) return err(notFound('contract'))
      const lastReport = contract.lastReportId === null ? undefined : await tx.getReport(contract.lastReportId)
      const reports = await tx.listReports(contract.id, limit === undefined ? {} : { limit })
      const linked = await tx.activeIncidentIdsOfReports(reports.map((r) => r.id))
      const activeIncidents = await tx.activeIncidentsOfContract(contract.id)
      const own = new Set(activeIncidents.map((incident) => incident.id))
      return ok({
        kind: 'contract' as const,
        contract,
        lastReport,
        rules: contract.rules,
        activeIncidents,
        reports: reports.map((report) => ({ report, activeIncidentIds: linked.get(report.id) ?? [] })),
        reportCount: await tx.countReports(contract.id),
        schedule: this.#scheduleView(contract),
        holds: (await activeHolds(tx)).filter((hold) => own.has(hold.incidentId)),
      })
    })
  }

  /** `show <code>:<uid>`: one sample or run, with steps for runs. */
  async showReport(code: string, uid: string): Promise<Result<ReportView, CoreError>> {
    return this.#store.transaction(async (tx) => {
      const contract = await tx.findContract(code)
      const report = contract === undefined ? undefined : await tx.findReport(contract.id, uid)
      if (contract === undefined || report === undefined) return err(notFound('report'))
      const steps = report.kind === 'run' ? await tx.listSteps(report.id) : []
      const linked = await tx.activeIncidentIdsOfReports([report.id])
      return ok({ kind: 'report' as const, contract, report, steps, activeIncidentIds: linked.get(report.id) ?? [] })
    })
  }

  /** The run `code:uid`, without its steps (`timon logs code:uid` follows it). */
  async findRun(code: string, uid: string): Promise<Result<Run, CoreError>> {
    return this.#store.transaction(async (tx) => {
      const contract = await tx.findContract(code)
      const report = contract === undefined ? undefined : await tx.findReport(contract.id, uid)
      if (report === undefined) return err(notFound('report'))
      if (report.kind !== 'run') return err(validation(`"${code}:${uid}" is a probe sample, not a job run`))
      return ok(report)
    })
  }

  /**
   * The latest run of job `code` that started, skipped runs left out however many there are
   * (`timon logs code`).
   */
  async latestRun(code: string): Promise<Result<Run, CoreError>> {
    return this.#store.transaction(async (tx) => {
      const contract = await tx.findContract(code)
      if (contract === undefined) return err(notFound('contract'))
      if (contract.kind !== 'job') return err(validation(`"${code}" is a probe, not a job`))
      const run = await tx.latestStartedRun(contract.id)
      return run === undefined ? err(notFound('report')) : ok(run)
    })
  }

  /**
   * Deletes an incident, a probe/job with its whole history, or one sample/run. Refused while
   * linked to active incidents (or, for an incident, while it is not resolved) unless `force`.
   */
  async delete(target: Target | string, options: DeleteOptions = {}): Promise<Result<DeleteResult, CoreError>> {
    const parsed = typeof target === 'string' ? parseTarget(target) : ok(target)
    if (parsed.isErr()) return err(parsed.error)
    const t = parsed.value
    const force = options.force === true
    return this.#store.transaction(async (tx): Promise<Result<DeleteResult, CoreError>> => {
      if (t.kind === 'incident') {
        const incident = await tx.getIncident(t.id)
        if (incident === undefined) return err(notFound('incident'))
        if (incident.state !== 'resolved' && !force) {
          return err(conflict(`cannot delete ${formatIncidentCode(t.id)} — the incident is not resolved`))
        }
        await tx.deleteIncident(t.id)
        return ok({ kind: 'incident', id: t.id })
      }
      const contract = await tx.findContract(t.code)
      if (t.kind === 'report') {
        const report = contract === undefined ? undefined : await tx.findReport(contract.id, t.uid)
        if (contract === undefined || report === undefined) return err(notFound('report'))
        const linked = (await tx.activeIncidentIdsOfReports([report.id])).get(report.id) ?? []
        if (linked.length > 0 && !force) return err(linkedConflict(`${t.code}:${t.uid}`, linked))
        await tx.deleteReport(report.id)
        if (contract.lastReportId === report.id) {
          await tx.updateContract(contract.id, { lastReportId: (await tx.latestReport(contract.id))?.id ?? null })
        }
        return ok({ kind: 'report', code: t.code, report })
      }
      if (contract === undefined) return err(notFound('contract'))
      const active = await tx.activeIncidentsOfContract(contract.id)
      if (active.length > 0 && !force)
        return err(
          linkedConflict(
            t.code,
            active.map((i) => i.id),
          ),
        )
      const logPaths = await tx.runLogPaths(contract.id)
      await tx.deleteContract(contract.id)
      return ok({ kind: 'contract', contract, logPaths })
    })
  }

  /**
   * Deletes old samples, runs and resolved incidents by age, and finished outbox deliveries. Never
   * deletes a probe/job, the latest sample/run of one, anything linked to an active incident, or a
   * pending delivery; those are skipped silently.
   */
  async truncate(input: TruncateInput): Promise<Result<TruncateResult, CoreError>> {
    const parsed = parseInput(truncateSchema, input, this.#fieldName)
    if (parsed.isErr()) return err(parsed.error)
    const { code, ...retention } = parsed.value
    const now = this.#clock.now()
    return this.#store.transaction(async (tx) => {
      const contract = code === undefined ? undefined : await tx.findContract(code)
      if (code !== undefined && contract === undefined) return err(notFound('contract'))
      const plan = planTruncate(retention, now, contract?.id ?? null)
      if (plan.isErr()) return err(plan.error)
      return ok(await tx.truncate(plan.value))
    })
  }

  /** Records a daemon event (`timon.started`, `timon.ping`) in the outbox for its subscribers; `from.daemon` names the daemon in it. */
  async emit(
    name: 'timon.started' | 'timon.ping',
    from: { readonly daemon?: string } = {},
  ): Promise<Result<{ readonly deliveries: number }, CoreError>> {
    const now = this.#clock.now()
    const event = from.daemon === undefined ? { name, at: now } : { name, at: now, daemon: from.daemon }
    const deliveries = await this.#store.transaction((tx) => this.#writer(tx, now).notify(event))
    return ok({ deliveries })
  }

  /** Outbox deliveries, newest first, e.g. the failed ones with their reasons. */
  async deliveries(
    query: { readonly status?: DeliveryStatus; readonly limit?: number } = {},
  ): Promise<Result<DeliveryList, CoreError>> {
    const limit = query.limit ?? 100
    if (!isPositiveInteger(limit)) return err(validation('limit must be a positive integer'))
    return ok(
      await this.#store.transaction((tx) =>
        tx.listDeliveries(query.status === undefined ? { limit } : { status: query.status, limit }),
      ),
    )
  }

  /**
   * Queues failed deliveries again (`timon deliveries retry`): delivery `id` (`not_found` when
   * there is none, `conflict` when it has not failed), or every failed one. They keep their
   * delivery id, are due now and get their target's retries afresh.
   */
  async retryDeliveries(
    which: { readonly id: number } | 'failed',
  ): Promise<Result<{ readonly requeued: number }, CoreError>> {
    if (which !== 'failed' && !isPositiveInteger(which.id)) return err(validation('id must be a positive integer'))
    return this.#store.transaction(async (tx) => {
      const now = this.#clock.now()
      if (which === 'failed') return ok({ requeued: await tx.requeueFailedDeliveries(now) })
      const delivery = await tx.getDelivery(which.id)
      if (delivery === undefined) return err(notFound('delivery'))
      if (delivery.status !== 'failed') return err(conflict(`delivery #${which.id} is ${delivery.status}, not failed`))
      return ok({ requeued: await tx.requeueFailedDeliveries(now, which.id) })
    })
  }

  /**
   * One page of the recorded history of a window (`timon replay`); pass its `next` as `after` for
   * the following page. Reads only.
   */
  async exportHistory(query: HistoryQuery): Promise<Result<HistoryPage, CoreError>> {
    const invalid = historyQueryError(query)
    if (invalid !== undefined) return err(invalid)
    return ok(await this.#store.transaction((tx) => tx.exportHistory(query)))
  }

  /**
   * The same page in column form (`GET /v1/history?format=columns`): what `historyColumnsOf` makes
   * of {@link exportHistory}'s page, exported by the store itself when it can (no `Sample` object
   * per sample; see `StoreTx.exportHistoryColumns`).
   */
  async exportHistoryColumns(query: HistoryQuery): Promise<Result<HistoryColumns, CoreError>> {
    const invalid = historyQueryError(query)
    if (invalid !== undefined) return err(invalid)
    return ok(await this.#store.transaction((tx) => exportHistoryColumns(tx, query)))
  }

  /**
   * The incidents matching every filter given, newest first (by opening), one page at a time:
   * pass the answer's `next` as `cursor` for the following page. Reads only.
   */
  async queryIncidents(input: QueryIncidentsInput = {}): Promise<Result<IncidentList, CoreError>> {
    const parsed = parseInput(queryIncidentsSchema, input, this.#fieldName)
    if (parsed.isErr()) return err(parsed.error)
    const found = await this.#store.transaction((tx) => tx.queryIncidents(storeQueryOf(parsed.value)))
    return ok(pageOf(found, parsed.value.limit))
  }

  // --- internal ---

  /**
   * Parses the input, then runs `work` in one transaction with an incident writer. An `err`
   * from `work` rolls the transaction back, so a refused operation leaves no trace.
   *
   * The write methods return its promise as it is, not from an `async` method: that would wait on
   * it with two more promise hops (`replay` makes millions of pushes).
   */
  async #write<S extends z.ZodType, T>(
    schema: S,
    input: unknown,
    work: (tx: StoreTx, writer: IncidentWriter, now: Date, input: z.output<S>) => Promise<Result<T, CoreError>>,
  ): Promise<Result<T, CoreError>> {
    const parsed = trustedMonitors.has(this) ? ok(input as z.output<S>) : parseInput(schema, input, this.#fieldName)
    if (parsed.isErr()) return err(parsed.error)
    const timed = this.#pushTime((parsed.value as { at?: Date }).at)
    if (timed.isErr()) return err(timed.error)
    const now = timed.value
    try {
      return await this.#store.transaction(async (tx) => {
        const writer = this.#writer(tx, now)
        const result = await work(tx, writer, now, parsed.value)
        if (result.isErr()) throw new Rollback(result.error)
        // A parent that stopped failing releases the dependents it held (docs/behaviour.md#dependencies).
        if (writer.stoppedFailing) await this.#releaseHeld(tx, now)
        return result
      })
    } catch (error) {
      if (error instanceof Rollback) return err(error.reason)
      throw error
    }
  }

  /**
   * The time a push counts at: now, or its original time `at` when given (a push a client kept
   * while the daemon was away), at most `maxPushAgeMs` old and not ahead of this clock by more than
   * {@link MAX_CLOCK_SKEW_MS} (a time just ahead counts as now).
   */
  #pushTime(at: Date | undefined): Result<Date, CoreError> {
    const now = this.#clock.now()
    if (at === undefined) return ok(now)
    const age = now.getTime() - at.getTime()
    if (age > this.#maxPushAgeMs) {
      return err(
        tooOld(
          `the push is too old: its time ${at.toISOString()} is ${formatHumanDuration(age)} ago, more than the ${formatHumanDuration(this.#maxPushAgeMs)} pushes are kept for (max_push_age)`,
        ),
      )
    }
    if (-age > MAX_CLOCK_SKEW_MS)
      return err(
        validation(
          `invalid at ${at.toISOString()} — it is ${formatHumanDuration(-age)} in the future: is this machine's clock right?`,
        ),
      )
    return ok(age < 0 ? now : at)
  }

  /** A fresh report re-arms the stale deadlines and the schedule's. */
  #armedDeadlines(rules: Rules, from: Date): ContractPatch {
    const { expectedAt, missedAt } = armedSchedule(rules, from, this.#timezone)
    const { isStale, staleAt, staleIncidentAt } = armedStaleDeadlines(rules, from)
    // A literal, not spreads: every push arms, and the spread allocated twice as much.
    return { isStale, staleAt, staleIncidentAt, expectedAt, missedAt }
  }

  /** A scheduled run was not seen in time: the `missed` incident opens (or relapses) and the next one is armed. */
  async #noteMissed(tx: StoreTx, writer: IncidentWriter, contract: Contract, now: Date): Promise<void> {
    await tx.updateContract(contract.id, rearmedAfterMiss(contract.rules, now, this.#timezone))
    if (contract.expectedAt === null) return
    const tz = zoneOf(contract.rules, this.#timezone)
    const expected = localTime(contract.expectedAt, tz)
    const at = localTimestamp(contract.expectedAt, tz)
    const grace = graceOf(contract.rules)
    await writer.apply(
      contract,
      'missed',
      'degrade',
      (entry) => missedNote(entry, contract.code, expected, at, grace),
      null,
      {
        title: missedTitle(contract.code, expected),
      },
    )
  }

  #scheduleView(contract: Contract): ScheduleView | null {
    const { rules, expectedAt } = contract
    if (rules.schedule === null) return null
    const tz = zoneOf(rules, this.#timezone)
    return {
      expression: rules.schedule,
      tz,
      grace: graceOf(rules),
      expectedAt,
      expectedLocal: expectedAt === null ? null : localTimestamp(expectedAt, tz),
    }
  }

  #writer(tx: StoreTx, now: Date): IncidentWriter {
    const silencer = new Silencer(tx, now, this.#maintenance)
    return new IncidentWriter(tx, now, this.#router, this.#deliveryId, (contract) => silencer.heldBy(contract))
  }

  /** Notifies the held incidents no longer held (see `releaseHeld`). */
  async #releaseHeld(tx: StoreTx, now: Date): Promise<void> {
    const writer = this.#writer(tx, now)
    await releaseHeld(tx, new Silencer(tx, now, this.#maintenance), now, (event) => writer.notify(event))
  }

  /** Sends the reminders due at `now` (docs/behaviour.md#reminders), in batches. */
  async #remind(now: Date): Promise<void> {
    for (let due = CHECK_BATCH; due === CHECK_BATCH; ) {
      due = await this.#store.transaction(async (tx) => {
        const writer = this.#writer(tx, now)
        const reminders = await tx.dueReminders(now, CHECK_BATCH)
        for (const { incidentId, target } of reminders) {
          const incident = await tx.getIncident(incidentId)
          const contract = incident?.contractId == null ? undefined : await tx.getContract(incident.contractId)
          if (incident === undefined) await tx.clearReminders(incidentId)
          else await writer.remind(incident, target, contract)
        }
        return reminders.length
      })
    }
  }
}

/**
 * Monitors whose callers only ever pass inputs that are already what their schemas output, so
 * that their writes skip the parse (see {@link trustInputs}).
 */
const trustedMonitors = new WeakSet<Monitor>()

/**
 * Makes `monitor` take its write inputs as already parsed: for `replay`, whose pushes are rebuilt
 * from recorded reports (validated when they were pushed) with the schemas' output types and keys,
 * millions of them, and parsing each again was a sixth of a replay's time. Internal to the core:
 * its entry points do not export it, so every other Monitor validates what it is given.
 */
export function trustInputs(monitor: Monitor): Monitor {
  trustedMonitors.add(monitor)
  return monitor
}

// --- internal ---

const CHECK_BATCH = 500

/** Thrown inside a transaction to roll it back with an expected error. */
class Rollback extends Error {
  constructor(readonly reason: CoreError) {
    super(reason.message)
    this.name = 'Rollback'
  }
}

/** The one validation of an input (see `formatIssues` for the wording of its problems). */
function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  fieldName?: (key: string) => string,
): Result<z.output<S>, CoreError> {
  const parsed = schema.safeParse(input, { reportInput: true })
  if (parsed.success) return ok(parsed.data)
  const issues = formatIssues('', parsed.error.issues, { customMessagesNameTheField: true, fieldName })
  return err(validation(issues[0] ?? 'invalid input', issues))
}

const RULE_NAME_SET: ReadonlySet<string> = new Set(RULE_NAMES)

/** Applies a push's rules to the rules in force: omitted ones stay, `null` removes one. */
function mergeRules(
  current: Rules,
  push: { readonly [K in keyof Rules]?: Rules[K] | undefined },
): Result<Rules, CoreError> {
  // Most pushes repeat the rules in force: they keep that very object (no copy; `sameRules` is then
  // an identity check). No object per rule, nor a list of names: `replay` merges millions. Over the
  // push's fields, not every rule's name: most pushes carry few rules, or none (a miss costs more).
  let rules = current
  let writable: Record<keyof Rules, unknown> | undefined
  for (const key in push) {
    if (!RULE_NAME_SET.has(key)) continue
    const name = key as keyof Rules
    const value = push[name]
    if (value === undefined || value === rules[name]) continue
    if (writable === undefined) {
      rules = { ...current }
      writable = rules
    }
    writable[name] = value
  }
  if (rules === current) return ok(current)
  if (rules.staleAfter !== null && rules.staleIncidentAfter !== null && rules.staleAfter > rules.staleIncidentAfter) {
    const message = `invalid rule stale-after — ${formatHumanDuration(rules.staleAfter)} must not be longer than stale-incident-after (${formatHumanDuration(rules.staleIncidentAfter)})`
    return err(validation(message, [message]))
  }
  return ok(rules)
}

/** A fresh report clears the stale flag and re-arms both stale deadlines from `from`. */
function armedStaleDeadlines(rules: Rules, from: Date): Pick<Contract, 'isStale' | 'staleAt' | 'staleIncidentAt'> {
  const at = (delay: number | null) => (delay === null ? null : new Date(from.getTime() + delay))
  return { isStale: false, staleAt: at(rules.staleAfter), staleIncidentAt: at(rules.staleIncidentAfter) }
}

/** The contract of `code` if it is of `kind`; `undefined` when it does not exist yet. */
function ofKind(
  contract: Contract | undefined,
  code: string,
  kind: ContractKind,
): Result<Contract | undefined, CoreError> {
  if (contract !== undefined && contract.kind !== kind) {
    return err(conflict(`code "${code}" is already used by a ${contract.kind}`))
  }
  return ok(contract)
}

/**
 * Whether merged rules still need their dependency checked: not when they are the very rules in
 * force (checked when they were pushed; a cycle through them would have been refused since).
 */
function needsDependencyCheck(
  merged: Result<Rules, CoreError>,
  found: Contract | undefined,
): merged is Ok<Rules, CoreError> {
  return merged.isOk() && merged.value !== found?.rules
}

/** The contract with the rules in force from this report on: itself when they are unchanged (most reports). */
function withRules(contract: Contract, rules: Rules): Contract {
  return contract.rules === rules ? contract : { ...contract, rules }
}

/**
 * A report arrived: an open or relapsed stale incident recovers, saying how late it came. No async
 * frame of its own: most reports find none (the writer answers those at once).
 */
function recoverStale(writer: IncidentWriter, contract: Contract, now: Date): Promise<Incident | undefined> {
  return writer.apply(
    contract,
    'stale',
    'recover',
    // A recovery always has the incident it recovers: the fallback is never taken.
    (_, stale) =>
      staleRecoveredNote(contract.code, now.getTime() - (stale?.relapsedAt ?? stale?.openedAt ?? now).getTime()),
    null,
  )
}

async function findRunningRun(
  tx: StoreTx,
  code: string,
  uid: string,
): Promise<Result<{ contract: Contract; run: Run }, CoreError>> {
  const contract = await tx.findContract(code)
  const report: Report | undefined = contract?.kind === 'job' ? await tx.findReport(contract.id, uid) : undefined
  if (contract === undefined || report === undefined || report.kind !== 'run') return err(notFound('run'))
  if (report.endedAt !== null) return err(conflict('job has already ended'))
  return ok({ contract, run: report })
}

/**
 * Whether a push with the original time `at` is older than the contract's latest sample or run:
 * it is then kept as history, changing neither the contract's state nor its incidents. A push
 * without `at` is never late.
 */
async function isLate(tx: StoreTx, contract: Contract, at: Date | undefined): Promise<boolean> {
  if (at === undefined || contract.lastReportId === null) return false
  const latest = await tx.getReport(contract.lastReportId)
  if (latest === undefined) return false
  return at.getTime() < (latest.kind === 'sample' ? latest.pushedAt : latest.startedAt).getTime()
}

async function endRun(
  tx: StoreTx,
  run: Run,
  end: { health: Run['health']; endedAt: Date; endComment: string | null; exit: RunExit | null },
): Promise<Run> {
  await tx.updateRun(run.id, { ...end, overtimeAt: null })
  return { ...run, ...end, overtimeAt: null }
}

/**
 * The rules evaluated when a run ends: critical (with the first critical step's label), overtime
 * (an overdue deadline fires first; the incident recovers when the run that went overtime ends,
 * docs/behaviour.md#overtime), overlap (recovers once at most one run is going) and, for the latest run, staleness
 * (counted from the end, docs/behaviour.md#job-staleness). Returns the run with its place in a
 * threshold streak.
 */
async function applyRunEndRules(
  writer: IncidentWriter,
  tx: StoreTx,
  contract: Contract,
  run: Run,
  end: { comment: string | undefined; detail: string | undefined },
  now: Date,
  overtimeAt: Date | null,
): Promise<Run> {
  const mention = { kind: 'run', uid: run.uid } as const
  const { comment } = end
  // An ended run's health is never `unknown` (endRun decides it).
  const counted = countReport(
    run.health === 'unknown' ? 'healthy' : run.health,
    contract,
    contract.rules,
    isFailing(await writer.active(contract, 'critical')),
  )
  await tx.updateContract(contract.id, counted.streaks)
  if (counted.progress !== null) await tx.updateRun(run.id, { progress: counted.progress })
  const action = counted.action
  if (action !== undefined) {
    const firstCritical =
      run.health === 'critical' ? (await tx.listSteps(run.id)).find((s) => s.health === 'critical')?.label : undefined
    // The final step's detail (a command's last lines of output) describes the incident it opens.
    const description = action === 'degrade' ? end.detail : undefined
    await writer.apply(
      contract,
      'critical',
      action,
      (entry) => criticalNote(entry, contract.code, mention, comment, firstCritical),
      run.id,
      { description },
    )
  }

  const rule = run.rules.overtimeIncidentAfter
  const took = now.getTime() - run.startedAt.getTime()
  if (rule !== null && overtimeAt !== null && overtimeAt <= now) {
    // The deadline passed but no check() ran since: it fires now, before the run's end recovers it.
    await writer.apply(
      contract,
      'job_overtime',
      'degrade',
      (entry) => overtimeNote(entry, contract.code, rule, run.uid),
      run.id,
    )
  }
  const overtime = await writer.active(contract, 'job_overtime')
  if (overtime !== undefined && rule !== null && (await lastDegradedBy(tx, overtime)) === run.id) {
    await writer.apply(
      contract,
      'job_overtime',
      'recover',
      () => overtimeRecoveredNote(contract.code, took, rule, run.uid),
      run.id,
    )
  }

  const { minRuntime } = run.rules
  const short = minRuntime !== null && took < minRuntime ? 'degrade' : 'recover'
  await writer.apply(
    contract,
    'short',
    short,
    (entry) => shortNote(entry, contract.code, took, minRuntime, run.uid),
    run.id,
  )

  if ((await tx.unfinishedRuns(contract.id)).length <= 1) {
    await writer.apply(
      contract,
      'job_overlap',
      'recover',
      (entry) => overlapNote(entry, contract.code, run.uid),
      run.id,
    )
  }

  if (contract.lastReportId === run.id) {
    await tx.updateContract(contract.id, armedStaleDeadlines(contract.rules, now))
    await recoverStale(writer, contract, now)
  }
  return counted.progress === null ? run : { ...run, progress: counted.progress }
}

/** The report whose degrade (open or relapse) is the incident's latest. */
async function lastDegradedBy(tx: StoreTx, incident: Incident): Promise<number | null | undefined> {
  const events = await tx.listIncidentEvents(incident.id)
  return events.findLast((e) => e.type === 'opened' || e.type === 'relapsed')?.reportId
}

/** The earlier of two instants, either absent. */
function earlier(a: Date | undefined, b: Date | undefined): Date | undefined {
  return a === undefined || (b !== undefined && b.getTime() < a.getTime()) ? b : a
}

function linkedConflict(target: string, incidentIds: readonly number[]): CoreError {
  return conflict(
    `cannot delete "${target}" — linked to active incidents: ${incidentIds.map(formatIncidentCode).join(', ')} — resolve them first`,
  )
}

function randomUid(): string {
  return randomUuid().replaceAll('-', '').slice(0, 12)
}

function randomUuid(): string {
  return globalThis.crypto.randomUUID()
}
