import type {
  Contract,
  Delivery,
  DeliveryStatus,
  Incident,
  IncidentEvent,
  IncidentHold,
  Report,
  Rules,
  Run,
  Sample,
  Silence,
  Step,
} from './domain.js'
import type { MaintenanceInForce } from './silence/silences.js'
import type { ContractOverview, DaemonLiveness, SummaryCounts, TruncateCounts } from './ports/store.js'

/** The incidents a change opened, recovered or relapsed, each as it is after the change. */
export interface IncidentChanges {
  readonly opened: readonly Incident[]
  readonly recovered: readonly Incident[]
  readonly relapsed: readonly Incident[]
}

/** What `check()` did at `now`. */
export interface CheckResult extends IncidentChanges {
  /** Codes of the probes/jobs flagged stale. */
  readonly markedStale: readonly string[]
}

export interface PushProbeResult extends IncidentChanges {
  readonly sample: Sample
}

export interface RunResult extends IncidentChanges {
  readonly run: Run
}

export interface IncidentResult {
  readonly incident: Incident
}

/** One page of `status`. */
export interface StatusView {
  /** Every non-resolved incident, ascending id. */
  readonly activeIncidents: readonly Incident[]
  /** Probes first, then jobs, each by code. */
  readonly contracts: readonly ContractOverview[]
  /** Pass as `after` to get the next page; absent on the last page. */
  readonly next?: { readonly kind: Contract['kind']; readonly code: string }
  /** Deliveries per status, so a failing notifier is visible. */
  readonly deliveries: Readonly<Record<DeliveryStatus, number>>
  /** The daemons alive on the store, by name (set by the daemon, not the Monitor; one for SQLite). */
  readonly daemons?: readonly DaemonLiveness[]
  /** The silences in force, ascending id. */
  readonly silences: readonly Silence[]
  /** The maintenance windows in force. */
  readonly maintenance: readonly MaintenanceInForce[]
  /** The active incidents whose notifications are held (by a silence, a window or a dependency), ascending id. */
  readonly holds: readonly IncidentHold[]
}

/** `silence list`: the silences not yet over (in force or to come) and the maintenance windows in force. */
export interface SilenceList {
  readonly silences: readonly Silence[]
  readonly maintenance: readonly MaintenanceInForce[]
}

export type SummaryView = SummaryCounts

/** `show <code>`: a probe or job with its most recent history. */
export interface ContractView {
  readonly kind: 'contract'
  readonly contract: Contract
  readonly lastReport: Report | undefined
  readonly rules: Rules
  readonly activeIncidents: readonly Incident[]
  /** Newest first, at most the requested limit. */
  readonly reports: readonly ReportWithIncidents[]
  /** All reports of the contract (the history may be longer than `reports`). */
  readonly reportCount: number
  /** The schedule and when the next run or push is expected; `null` without a schedule. */
  readonly schedule: ScheduleView | null
  /** Its active incidents whose notifications are held (by a silence, a window or its dependency). */
  readonly holds: readonly IncidentHold[]
}

/** A probe/job's schedule as `show` prints it. */
export interface ScheduleView {
  readonly expression: string
  /** The zone it is read in: its own, else the monitor's default. */
  readonly tz: string
  /** Milliseconds a run or push may be late. */
  readonly grace: number
  /** The next expected run or push; `null` when the schedule has no more. */
  readonly expectedAt: Date | null
  /** `expectedAt` as RFC 3339 in the zone (`2025-03-30T03:00:00+02:00`). */
  readonly expectedLocal: string | null
}

export interface ReportWithIncidents {
  readonly report: Report
  /** Non-resolved incidents whose timeline points at this report. */
  readonly activeIncidentIds: readonly number[]
}

/** `show <code>:<uid>`: one sample or run. */
export interface ReportView {
  readonly kind: 'report'
  readonly contract: Contract
  readonly report: Report
  /** Steps of a run in order; empty for samples. */
  readonly steps: readonly Step[]
  readonly activeIncidentIds: readonly number[]
}

/** `show INC-<id>`: an incident and its timeline. */
export interface IncidentView {
  readonly kind: 'incident'
  readonly incident: Incident
  /** The probe/job code of an automatic incident. */
  readonly contractCode: string | null
  readonly timeline: readonly IncidentEvent[]
}

export type ShowView = ContractView | ReportView | IncidentView

/** What `delete` removed. */
export type DeleteResult =
  | { readonly kind: 'incident'; readonly id: number }
  | { readonly kind: 'report'; readonly code: string; readonly report: Report }
  | {
      readonly kind: 'contract'
      readonly contract: Contract
      /** The log files of its runs (`Run.logPath`), for the caller to remove. */
      readonly logPaths: readonly string[]
    }

export type TruncateResult = TruncateCounts

/** Outbox deliveries for inspection. */
export type DeliveryList = readonly Delivery[]
