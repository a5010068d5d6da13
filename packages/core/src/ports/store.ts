import type {
  Contract,
  ContractKind,
  Delivery,
  DeliveryStatus,
  HeldIncident,
  Reminder,
  Incident,
  IncidentEvent,
  IncidentEventType,
  IncidentState,
  NotificationEvent,
  Progress,
  Report,
  ReportHealth,
  ReportMark,
  Rules,
  Run,
  RunExit,
  Sample,
  Silence,
  Step,
  TriggerType,
} from '../domain.js'
import type { Health } from '../validate.js'
import type { HistoryColumns } from '../history/columns.js'
import type { TruncatePlan } from '../truncate-policy.js'
import type { StoreHealth } from '../store-fault.js'
import type { ApiToken, TokenScope } from '../tokens/token.js'

/**
 * Persistence for the core. Adapters implement it in domain types only (no SQL or driver type
 * crosses it) and prove it with `describeStoreConformance` from `@timon/core/conformance`.
 *
 * Absence is `undefined`; the core decides whether that is an error. Adapters throw only for faults
 * they cannot explain (I/O, corrupt rows).
 */
export interface Store {
  /**
   * Runs `work` atomically and in isolation: all its writes commit together or not at all, and
   * transactions never interleave. A thrown error rolls back and is rethrown.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>
  /** Releases the store's resources; no call may follow. */
  close(): Promise<void>
  /**
   * Whether the storage works, cheaply enough to ask on every health probe; optional, a store
   * without it is taken as healthy. A fault seen since opening (e.g. a `StoreFault` thrown by a
   * transaction) is reported until it is gone.
   */
  health?(): Promise<StoreHealth>
  /**
   * Records that the daemon `beat.name` is alive now (inserting it on its first beat). Optional: a
   * store one process owns has no other daemons to list. The time is the store's clock (the
   * database server's, for a shared store), so daemons whose clocks differ agree.
   */
  heartbeat?(beat: DaemonBeat): Promise<void>
  /** The daemons whose last beat is at most `withinMs` old, by name. Optional, with {@link heartbeat}. */
  liveDaemons?(withinMs: number): Promise<readonly DaemonLiveness[]>
}

/** What a {@link Store} offers inside a transaction. */
export interface StoreTx {
  // --- contracts (probes and jobs) ---
  findContract(code: string): Promise<Contract | undefined>
  getContract(id: number): Promise<Contract | undefined>
  insertContract(input: NewContract): Promise<Contract>
  updateContract(id: number, patch: ContractPatch): Promise<void>
  /** Deletes a contract with all its reports, steps, incidents and their timelines. */
  deleteContract(id: number): Promise<void>
  /**
   * One page of contracts for `status`, probes first then jobs, each by code; each with its last
   * report and the ids of its non-resolved incidents (ascending).
   */
  listContractOverviews(page: ContractPage): Promise<readonly ContractOverview[]>

  // --- reports (samples and runs) ---
  insertSample(input: NewSample): Promise<Sample>
  insertRun(input: NewRun): Promise<Run>
  getReport(id: number): Promise<Report | undefined>
  findReport(contractId: number, uid: string): Promise<Report | undefined>
  updateRun(id: number, patch: RunPatch): Promise<void>
  /** The newest report of a contract (highest id), if any. */
  latestReport(contractId: number): Promise<Report | undefined>
  /** The newest run of a job (highest id) that started, i.e. was not skipped, if any. */
  latestStartedRun(contractId: number): Promise<Run | undefined>
  /** Reports of a contract, newest first; `beforeId` pages further back. */
  listReports(contractId: number, page: ReportPage): Promise<readonly Report[]>
  countReports(contractId: number): Promise<number>
  /**
   * The newest reports of each of many contracts, as marks (the dashboard's history strips): newest
   * first, at most `perContract` each. Contracts without reports are absent from the map.
   */
  recentReportMarks(
    contractIds: readonly number[],
    perContract: number,
  ): Promise<ReadonlyMap<number, readonly ReportMark[]>>
  /** Runs of a job that have not ended, oldest first, `excludeId` left out. */
  unfinishedRuns(contractId: number, excludeId?: number): Promise<readonly Run[]>
  /**
   * Deletes a report and its steps; timeline entries keep existing with `reportId` null, and a
   * contract whose `lastReportId` pointed at it gets `null`.
   */
  deleteReport(id: number): Promise<void>
  /** The `logPath` of every run of a contract that has one. */
  runLogPaths(contractId: number): Promise<readonly string[]>

  // --- steps ---
  insertStep(input: NewStep): Promise<Step>
  /** Steps of a run in insertion order. */
  listSteps(reportId: number): Promise<readonly Step[]>

  // --- incidents ---
  /**
   * Inserts an incident. At most one non-resolved incident may exist per (contract, trigger):
   * an adapter enforces it (a unique index) and throws if it is violated.
   */
  insertIncident(input: NewIncident): Promise<Incident>
  getIncident(id: number): Promise<Incident | undefined>
  /** The non-resolved incident of a contract for a trigger, if any. */
  activeIncident(contractId: number, trigger: TriggerType): Promise<Incident | undefined>
  updateIncident(id: number, patch: IncidentPatch): Promise<void>
  /** Deletes an incident and its timeline. */
  deleteIncident(id: number): Promise<void>
  /** Every non-resolved incident, ascending id. */
  listActiveIncidents(): Promise<readonly Incident[]>
  /** The non-resolved incidents of a contract, ascending id. */
  activeIncidentsOfContract(contractId: number): Promise<readonly Incident[]>
  /**
   * For each given report, the ids (ascending) of the non-resolved incidents that have a timeline
   * entry pointing at it. Reports without any are absent from the map.
   */
  activeIncidentIdsOfReports(reportIds: readonly number[]): Promise<ReadonlyMap<number, readonly number[]>>
  insertIncidentEvent(input: NewIncidentEvent): Promise<IncidentEvent>
  /** An incident's timeline in insertion order. */
  listIncidentEvents(incidentId: number): Promise<readonly IncidentEvent[]>

  // --- deadlines ---
  /** Contracts whose stale or stale-incident deadline is at or before `at`, earliest first. */
  dueContracts(at: Date, limit: number): Promise<readonly Contract[]>
  /** Unfinished runs whose overtime deadline is at or before `at`, earliest first. */
  dueRuns(at: Date, limit: number): Promise<readonly Run[]>
  /** Contracts whose schedule deadline (`missedAt`) is at or before `at`, earliest first. */
  dueMissed(at: Date, limit: number): Promise<readonly Contract[]>
  /** The earliest armed deadline of any contract (stale, stale-incident, missed) or run, if any. */
  nextDeadline(): Promise<Date | undefined>

  // --- silences (docs/behaviour.md#silences) ---
  insertSilence(input: NewSilence): Promise<Silence>
  getSilence(id: number): Promise<Silence | undefined>
  /** Silences not over at `at` (`endsAt` after it: in force or still to come), ascending id. */
  listSilences(at: Date): Promise<readonly Silence[]>
  updateSilence(id: number, patch: SilencePatch): Promise<void>
  /** Silences not yet released whose end is at or before `at`, earliest end first. */
  dueSilences(at: Date, limit: number): Promise<readonly Silence[]>
  /** The earliest end of a silence not yet released (an indexed deadline), if any. */
  nextSilenceEnd(): Promise<Date | undefined>
  /** Records that an incident's notifications are held by `heldBy` (replacing an earlier hold). */
  holdIncident(incidentId: number, heldBy: string): Promise<void>
  /** Held incidents with an id above `afterId`, ascending id, at most `limit`. */
  heldIncidents(afterId: number, limit: number): Promise<readonly HeldIncident[]>
  /** Forgets an incident's hold (deleting the incident forgets it too). */
  releaseIncident(incidentId: number): Promise<void>

  // --- reminders (docs/behaviour.md#reminders) ---
  /** Arms (or moves) the reminder of an incident to one target. */
  armReminder(reminder: Reminder): Promise<void>
  /** Forgets every reminder of an incident (deleting the incident forgets them too). */
  clearReminders(incidentId: number): Promise<void>
  /** Reminders due at or before `at`, earliest first, at most `limit`. */
  dueReminders(at: Date, limit: number): Promise<readonly Reminder[]>
  /** The earliest armed reminder (an indexed deadline), if any. */
  nextReminder(): Promise<Date | undefined>

  // --- aggregates ---
  /** Counts for `summary`: each contract counted once (see {@link SummaryCounts}). */
  summarize(): Promise<SummaryCounts>

  // --- truncation ---
  /**
   * Deletes what `plan` selects (see `isReportTruncated` and `isIncidentTruncated`): reports and
   * resolved incidents, never a contract's last report (`lastReportId`), never a report linked to
   * a non-resolved incident.
   */
  truncate(plan: TruncatePlan): Promise<TruncateCounts>

  // --- outbox ---
  insertDelivery(input: NewDelivery): Promise<Delivery>
  getDelivery(id: number): Promise<Delivery | undefined>
  /**
   * Pending deliveries due at or before `at`, oldest first, at most `limit`; a delivery is left
   * out while an older pending delivery with the same target and ordering key exists.
   */
  dueDeliveries(at: Date, limit: number): Promise<readonly Delivery[]>
  updateDelivery(id: number, patch: DeliveryPatch): Promise<void>
  /**
   * Claims due deliveries for `claim.owner` until its lease runs out, and returns them, oldest
   * first, at most `limit`: what `dueDeliveries` would give, less those another owner holds a lease
   * on. The owner's own claims are given again, their leases renewed. So several dispatchers on one
   * store (daemons on one database) never attempt one delivery at once, and one incident's events
   * still go out in order: a delivery is not claimable while an older one of its target and ordering
   * key is pending, claimed or not.
   *
   * The lease runs on the store's clock: `at` for a store one process owns, the database server's
   * for a shared one. `leaseMs` 0 makes the claim expire at once (another owner may take it).
   */
  claimDueDeliveries(at: Date, claim: DeliveryClaim, limit: number): Promise<readonly Delivery[]>
  /**
   * Records an attempt's outcome (`patch`) and releases the claim, only while `owner` still holds
   * it (its claim is the latest, even with the lease run out): `false`, changing nothing, once another
   * owner took the delivery over.
   */
  settleDelivery(id: number, owner: string, patch: DeliveryPatch): Promise<boolean>
  /**
   * Makes failed deliveries pending again, due at `at`, with no attempts counted and no finish
   * time; their delivery id (and last error, until the next attempt) stays. Only delivery `id`
   * when given (if it failed), else every failed one.
   *
   * @returns how many were queued again.
   */
  requeueFailedDeliveries(at: Date, id?: number): Promise<number>
  /** The earliest `nextAttemptAt` of a pending delivery, if any. */
  nextDeliveryAt(): Promise<Date | undefined>
  /** Deliveries, newest first, optionally of one status. */
  listDeliveries(query: DeliveryQuery): Promise<readonly Delivery[]>
  countDeliveries(): Promise<Readonly<Record<DeliveryStatus, number>>>

  // --- API tokens ---
  /** Inserts a token; a name already held by a token not revoked is a unique violation (thrown). */
  insertToken(input: NewToken): Promise<ApiToken>
  /** The token not revoked named `name`, if any. */
  findTokenByName(name: string): Promise<ApiToken | undefined>
  /** The token (revoked or not) whose secret hashes to `secretHash`, if any. */
  findTokenBySecretHash(secretHash: string): Promise<ApiToken | undefined>
  /** The tokens not revoked, by name. */
  listTokens(): Promise<readonly ApiToken[]>
  updateToken(id: number, patch: TokenPatch): Promise<void>

  // --- history export ---
  /**
   * One page of the history of a window (`timon replay`, `replayHistory`): reports with steps,
   * incidents with their timelines, and deliveries, each part in id order after its cursor. See
   * {@link HistoryQuery} for what falls in the window.
   */
  exportHistory(query: HistoryQuery): Promise<HistoryPage>
  /**
   * Optional: the same page as {@link exportHistory} in column form (`GET /v1/history?format=columns`),
   * for a store that can build the sample columns from its rows without a `Sample` object each,
   * which cost the daemon more than reading them; a column may come as its JSON text (`JsonColumn`,
   * written as `JSON.stringify` writes its values), which the daemon sends as it is. For the same
   * query it must equal `historyColumnsOf(await tx.exportHistory(query))` (the conformance suite
   * checks it). Callers use `exportHistoryColumns(tx, query)` of `@timon/core`, which falls back to
   * that when it is absent.
   */
  exportHistoryColumns?(query: HistoryQuery): Promise<HistoryColumns>

  // --- incident queries ---
  /**
   * Incidents matching every filter of `query`, newest first (`openedAt` descending, then id
   * descending), at most `limit`, each with its probe/job's code (`null` for manual ones). An
   * adapter answers it from an index on (`openedAt`, id).
   */
  queryIncidents(query: IncidentQuery): Promise<readonly CodedIncident[]>
}

// --- inputs and outputs of the port ---

export interface NewContract {
  readonly code: string
  readonly kind: ContractKind
  readonly rules: Rules
  readonly createdAt: Date
}

export type ContractPatch = Partial<
  Pick<
    Contract,
    | 'rules'
    | 'isStale'
    | 'staleAt'
    | 'staleIncidentAt'
    | 'lastReportId'
    | 'expectedAt'
    | 'missedAt'
    | 'failureStreak'
    | 'successStreak'
  >
>

/** Paging of `listContractOverviews`: strictly after (kind, code) in status order. */
export interface ContractPage {
  readonly after?: { readonly kind: ContractKind; readonly code: string }
  readonly limit: number
}

export interface ContractOverview {
  readonly contract: Contract
  readonly lastReport: Report | undefined
  readonly activeIncidentIds: readonly number[]
}

export interface NewSample {
  readonly contractId: number
  readonly uid: string
  readonly health: Health
  readonly pushedAt: Date
  readonly comment: string | null
  /** Default `null`. */
  readonly detail?: string | null
  readonly rules: Rules
  /** Default `null`. */
  readonly progress?: Progress | null
  /** The machine that pushed it; default `null`. */
  readonly host?: string | null
}

export interface NewRun {
  readonly contractId: number
  readonly uid: string
  readonly startedAt: Date
  readonly startComment: string | null
  readonly rules: Rules
  readonly overtimeAt: Date | null
  /** A skipped run is recorded already ended, with `startedAt` as its end (default `false`). */
  readonly skipped?: boolean
  /** The machine that pushed it; default `null`. */
  readonly host?: string | null
}

export type RunPatch = Partial<{
  readonly health: ReportHealth
  readonly endedAt: Date
  readonly endComment: string | null
  readonly overtimeAt: Date | null
  readonly exit: RunExit | null
  readonly logPath: string | null
  readonly progress: Progress | null
}>

export interface ReportPage {
  readonly beforeId?: number
  /** At most this many; omit for all. */
  readonly limit?: number
}

export interface NewStep {
  readonly reportId: number
  readonly label: string
  readonly health: Health
  readonly at: Date
  /** Default `null`. */
  readonly detail?: string | null
}

export interface NewIncident {
  readonly triggerType: TriggerType
  readonly title: string
  readonly description: string | null
  readonly contractId: number | null
  readonly openedAt: Date
}

export type IncidentPatch = Partial<{
  readonly description: string | null
  readonly state: IncidentState
  readonly recoveredAt: Date | null
  readonly relapsedAt: Date | null
  readonly resolvedAt: Date | null
}>

export interface NewSilence {
  readonly pattern: string
  readonly startsAt: Date
  readonly endsAt: Date
  readonly comment: string | null
  readonly createdAt: Date
}

export type SilencePatch = Partial<{
  readonly endsAt: Date
  readonly released: boolean
}>

export interface NewIncidentEvent {
  readonly incidentId: number
  readonly type: IncidentEventType
  readonly reportId: number | null
  readonly note: string
  readonly isSystem: boolean
  readonly at: Date
}

/** A count and the first codes (ascending, at most 3) of one `summary` category. */
export interface CodeCount {
  readonly count: number
  readonly codes: readonly string[]
}

/**
 * `summary` counts. Each contract with a report lands in exactly one category: `stale` when its
 * stale flag is set, else `running` when its last report is an unfinished run, else the health of
 * its last report (`unknown` ones are not counted).
 */
export interface SummaryCounts {
  readonly activeIncidents: number
  readonly critical: CodeCount
  readonly stale: CodeCount
  readonly warning: CodeCount
  readonly healthy: CodeCount
  readonly running: CodeCount
}

/** What a truncation deleted. */
export interface TruncateCounts {
  readonly samples: number
  readonly runs: number
  readonly incidents: number
  /** Finished outbox deliveries deleted. */
  readonly deliveries: number
  /** The log files of the deleted runs (`Run.logPath`), for the caller to remove. */
  readonly logPaths: readonly string[]
}

export interface NewDelivery {
  readonly deliveryId: string
  readonly target: string
  readonly event: NotificationEvent
  readonly orderingKey: string | null
  readonly nextAttemptAt: Date
  readonly createdAt: Date
}

export type DeliveryPatch = Partial<{
  readonly status: DeliveryStatus
  readonly attempts: number
  readonly nextAttemptAt: Date
  readonly lastError: string | null
  readonly finishedAt: Date | null
}>

/** Who claims deliveries (a daemon's name and a per-process nonce) and for how long, in ms. */
export interface DeliveryClaim {
  readonly owner: string
  readonly leaseMs: number
}

/** A daemon's heartbeat: who it is, since when it runs and which version. */
export interface DaemonBeat {
  readonly name: string
  readonly startedAt: Date
  readonly version: string
}

/** A daemon alive on a store: its beat and when it was last seen (store clock). */
export interface DaemonLiveness extends DaemonBeat {
  readonly lastSeenAt: Date
}

export interface DeliveryQuery {
  readonly status?: DeliveryStatus
  readonly limit: number
}

export interface NewToken {
  readonly name: string
  readonly scope: TokenScope
  readonly codes: readonly string[]
  readonly secretHash: string
  readonly createdAt: Date
  readonly expiresAt: Date | null
}

export type TokenPatch = Partial<{
  readonly lastUsedAt: Date
  readonly revoked: true
}>

/**
 * What {@link StoreTx.exportHistory} reads. Samples count by `pushedAt`, runs (with their steps)
 * by `startedAt`, incidents by `openedAt`, deliveries by `createdAt`, each within
 * `[from, to]`. With `code`, only what belongs to a probe/job the code glob matches (see
 * `matchCodeGlob`); without it, manual incidents and `timon.*` deliveries too.
 */
export interface HistoryQuery {
  readonly from: Date
  readonly to: Date
  readonly code?: string
  /** Continue after these ids (the `next` of the previous page); omit for the first page. */
  readonly after?: HistoryCursor
  /** At most this many rows of each part are scanned per page. */
  readonly limit: number
}

/** Where a history export stands in each of its parts: the last id scanned. */
export interface HistoryCursor {
  readonly reportId: number
  readonly incidentId: number
  readonly deliveryId: number
}

/** A sample or run with its probe/job's code, a run with its steps (insertion order). */
export type HistoryReport =
  | (Sample & { readonly code: string })
  | (Run & { readonly code: string; readonly steps: readonly Step[] })

/** An incident with its code (`null` for manual ones) and its timeline in insertion order. */
export interface HistoryIncident extends Incident {
  readonly code: string | null
  readonly timeline: readonly IncidentEvent[]
}

/** A delivery with the code of its incident's probe/job (`null` for manual incidents and `timon.*` events). */
export interface HistoryDelivery extends Delivery {
  readonly code: string | null
}

/** One page of a history export; the parts are in id order. */
export interface HistoryPage {
  readonly reports: readonly HistoryReport[]
  readonly incidents: readonly HistoryIncident[]
  readonly deliveries: readonly HistoryDelivery[]
  /** The cursor of the next page; absent when every part is exhausted. */
  readonly next?: HistoryCursor
}

/** What {@link StoreTx.queryIncidents} selects; each filter given narrows it. */
export interface IncidentQuery {
  /** Only incidents in one of these states (a non-empty list). */
  readonly states?: readonly IncidentState[]
  /** Only incidents of one of these triggers (a non-empty list). */
  readonly triggers?: readonly TriggerType[]
  /** Only incidents of a probe/job whose code one of these globs matches (`matchCodeGlob`); manual incidents then never match. */
  readonly codes?: readonly string[]
  /** Only incidents opened at or after this instant. */
  readonly since?: Date
  /** Only incidents opened at or before this instant. */
  readonly until?: Date
  /** Only incidents older than this one (the last of the previous page) in the order of the answer. */
  readonly before?: IncidentCursor
  readonly limit: number
}

/** Where a page of {@link StoreTx.queryIncidents} ended: its last incident. */
export interface IncidentCursor {
  readonly openedAt: Date
  readonly id: number
}

/** An incident with the code of its probe/job (`null` for a manual incident). */
export interface CodedIncident extends Incident {
  readonly code: string | null
}
