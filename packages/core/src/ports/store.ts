import type {
  Contract,
  ContractKind,
  Delivery,
  DeliveryStatus,
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
  Step,
  TriggerType,
} from '../domain.js'
import type { Health } from '../validate.js'
import type { TruncatePlan } from '../truncate-policy.js'
import type { StoreHealth } from '../store-fault.js'

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
  recentReportMarks(contractIds: readonly number[], perContract: number): Promise<ReadonlyMap<number, readonly ReportMark[]>>
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
  /** The earliest `nextAttemptAt` of a pending delivery, if any. */
  nextDeliveryAt(): Promise<Date | undefined>
  /** Deliveries, newest first, optionally of one status. */
  listDeliveries(query: DeliveryQuery): Promise<readonly Delivery[]>
  countDeliveries(): Promise<Readonly<Record<DeliveryStatus, number>>>

  // --- history export ---
  /**
   * One page of the history of a window (`timon replay`, `replayHistory`): reports with steps,
   * incidents with their timelines, and deliveries, each part in id order after its cursor. See
   * {@link HistoryQuery} for what falls in the window.
   */
  exportHistory(query: HistoryQuery): Promise<HistoryPage>
}

// --- inputs and outputs of the port ---

export interface NewContract {
  readonly code: string
  readonly kind: ContractKind
  readonly rules: Rules
  readonly createdAt: Date
}

export type ContractPatch = Partial<
  Pick<Contract, 'rules' | 'isStale' | 'staleAt' | 'staleIncidentAt' | 'lastReportId' | 'expectedAt' | 'missedAt' | 'failureStreak' | 'successStreak'>
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
  readonly rules: Rules
  /** Default `null`. */
  readonly progress?: Progress | null
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

export interface DeliveryQuery {
  readonly status?: DeliveryStatus
  readonly limit: number
}

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
export type HistoryReport = (Sample & { readonly code: string }) | (Run & { readonly code: string; readonly steps: readonly Step[] })

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
