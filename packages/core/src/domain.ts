import type { Health } from './validate.js'

/** Every health a report can have: the three pushed ones plus `unknown` (a run with no verdict yet). */
export const REPORT_HEALTHS = ['healthy', 'warning', 'critical', 'unknown'] as const
export type ReportHealth = (typeof REPORT_HEALTHS)[number]

/** Probes receive samples; jobs receive runs. Codes are unique across both. */
export const CONTRACT_KINDS = ['probe', 'job'] as const
export type ContractKind = (typeof CONTRACT_KINDS)[number]

export const INCIDENT_STATES = ['open', 'recovered', 'relapsed', 'resolved'] as const
export type IncidentState = (typeof INCIDENT_STATES)[number]

export const TRIGGER_TYPES = ['manual', 'critical', 'stale', 'job_overtime', 'job_overlap', 'missed', 'short'] as const
export type TriggerType = (typeof TRIGGER_TYPES)[number]
/** Triggers that the rules open by themselves (every trigger but `manual`). */
export type AutomaticTrigger = Exclude<TriggerType, 'manual'>

/** Timeline entry types, as shown by `timon show INC-<id>`. */
export const INCIDENT_EVENT_TYPES = ['opened', 'recovered', 'relapsed', 'resolved', 'annotation'] as const
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number]

/**
 * Notification events. Incident events come from state changes; the `timon.*` ones from the daemon
 * (`timon.test` only from `timon notify test`, never through the outbox).
 */
export const EVENT_NAMES = [
  'incident.open',
  'incident.recovered',
  'incident.relapsed',
  'incident.resolved',
  'incident.annotated',
  'incident.reminder',
  'timon.ping',
  'timon.started',
  'timon.test',
] as const
export type EventName = (typeof EVENT_NAMES)[number]

/**
 * The rules in force for a probe or job. Rules are sticky: a push that omits one keeps it. All
 * durations are milliseconds; `null` means the rule is off.
 */
export interface Rules {
  /** Flag the probe/job as stale when nothing arrives within this delay. */
  readonly staleAfter: number | null
  /** Flag it stale and open a `stale` incident when nothing arrives within this delay. */
  readonly staleIncidentAfter: number | null
  /** Jobs: open a `job_overtime` incident when a run lasts longer than this. */
  readonly overtimeIncidentAfter: number | null
  /** Jobs: open a `job_overlap` incident when a run starts while another is going (default on). */
  readonly overlapIncident: boolean
  /**
   * A cron expression (five fields, six with seconds, or `@hourly` … `@yearly`): when a run or
   * push is expected. A `missed` incident opens when one is `grace` late.
   */
  readonly schedule: string | null
  /** The IANA time zone of `schedule`; `null` means the monitor's default zone. */
  readonly tz: string | null
  /** How late a scheduled run or push may be before it counts as missed; `null` means {@link DEFAULT_GRACE_MS}. */
  readonly grace: number | null
  /** Jobs: open a `short` incident when a run ends sooner than this. */
  readonly minRuntime: number | null
  /** Open the critical incident at this many critical reports in a row; `null` means 1. */
  readonly failureThreshold: number | null
  /** Recover the critical incident after this many healthy reports in a row; `null` means 1. */
  readonly successThreshold: number | null
  /**
   * The code this probe/job depends on: while it has an open or relapsed incident, this one's
   * incident notifications are held (docs/behaviour.md#dependencies).
   */
  readonly dependsOn: string | null
}

/** The grace of a schedule without one: 5 minutes. */
export const DEFAULT_GRACE_MS = 5 * 60_000

/** The rules of a contract that has never been given any. */
export const DEFAULT_RULES: Rules = {
  staleAfter: null,
  staleIncidentAfter: null,
  overtimeIncidentAfter: null,
  overlapIncident: true,
  schedule: null,
  tz: null,
  grace: null,
  minRuntime: null,
  failureThreshold: null,
  successThreshold: null,
  dependsOn: null,
}

/** The names of the rules, in {@link DEFAULT_RULES}' order. */
export const RULE_NAMES = Object.keys(DEFAULT_RULES) as readonly (keyof Rules)[]

/**
 * Whether two rule sets are equal, rule by rule: a history's samples mostly carry their probe's
 * previous set, which its readers then share instead of keeping one copy per sample.
 */
export function sameRules(a: Rules, b: Rules): boolean {
  if (a === b) return true
  for (const name of RULE_NAMES) if (a[name] !== b[name]) return false
  return true
}

/** A probe or a job: the thing that reports. */
export interface Contract {
  readonly id: number
  readonly code: string
  readonly kind: ContractKind
  readonly rules: Rules
  /** Set when a stale deadline passed; cleared by the next report. */
  readonly isStale: boolean
  /** When the stale flag is due to be set, or `null` when not armed. */
  readonly staleAt: Date | null
  /** When a stale incident is due to open, or `null` when not armed. */
  readonly staleIncidentAt: Date | null
  /** The newest sample or run, `null` when there is none. */
  readonly lastReportId: number | null
  readonly createdAt: Date
  /** The next time a run or push is expected by the schedule, `null` without one. */
  readonly expectedAt: Date | null
  /** When that expected run counts as missed (`expectedAt` plus grace): the schedule's deadline. */
  readonly missedAt: Date | null
  /** Critical reports in a row, up to the latest (reset by a healthy or warning one). */
  readonly failureStreak: number
  /** Healthy reports in a row, up to the latest (reset by a critical or warning one). */
  readonly successStreak: number
}

/** The state of a contract just inserted: nothing armed, no report, no streak. */
export const NEW_CONTRACT_STATE = {
  isStale: false,
  staleAt: null,
  staleIncidentAt: null,
  lastReportId: null,
  expectedAt: null,
  missedAt: null,
  failureStreak: 0,
  successStreak: 0,
} as const satisfies Omit<Contract, 'id' | 'code' | 'kind' | 'rules' | 'createdAt'>

/** Where a report stands in a streak towards a threshold: the `count`-th of `of` ("2 of 3"). */
export interface Progress {
  readonly count: number
  readonly of: number
}

interface ReportBase {
  readonly id: number
  readonly contractId: number
  /** 12 lowercase hexadecimal characters, random; unique within its contract. */
  readonly uid: string
  readonly health: ReportHealth
  /** The rules in force when this report was pushed. */
  readonly rules: Rules
  /** Its place in a critical or healthy streak towards a threshold above 1; `null` otherwise. */
  readonly progress: Progress | null
  /** The machine that pushed it (its hostname, or `TIMON_HOST`); `null` or absent when not said. */
  readonly host?: string | null
}

/** One health push of a probe. */
export interface Sample extends ReportBase {
  readonly kind: 'sample'
  readonly health: Health
  readonly pushedAt: Date
  readonly comment: string | null
  /** Longer text than the comment, such as a command check's output after its first line. */
  readonly detail: string | null
}

/** How the command of a run ended (`timon exec`): its exit code, or the signal that killed it. */
export interface RunExit {
  readonly code: number | null
  /** A signal name such as `SIGTERM`; `null` when the command exited by itself. */
  readonly signal: string | null
}

/** One run of a job, from start to end. */
export interface Run extends ReportBase {
  readonly kind: 'run'
  readonly startedAt: Date
  readonly startComment: string | null
  /** `null` while the run is going. */
  readonly endedAt: Date | null
  readonly endComment: string | null
  /** When the run goes overtime; cleared once that deadline fired. */
  readonly overtimeAt: Date | null
  /** How its command ended, for runs wrapped by `timon exec`. */
  readonly exit: RunExit | null
  /** Where its output is kept, for runs wrapped by `timon exec`. */
  readonly logPath: string | null
  /** `true` for a run that did not start because the previous one was still going (`--skip-if-running`). */
  readonly skipped: boolean
}

/** A sample or a run. */
export type Report = Sample | Run

/** A report reduced to what a history strip draws: cheap to read for thousands of probes and jobs. */
export interface ReportMark {
  readonly kind: Report['kind']
  readonly health: ReportHealth
  /** A run that has not ended yet. */
  readonly running: boolean
}

/** One step of a run. */
export interface Step {
  readonly id: number
  readonly reportId: number
  readonly label: string
  readonly health: Health
  readonly at: Date
  /** Longer text attached to the step, such as the last lines of a command's output. */
  readonly detail: string | null
}

/**
 * A silence: while it is in force (`startsAt` ≤ now < `endsAt`), the incidents of the codes its
 * `pattern` (a code glob) matches change as usual but send no notification (docs/behaviour.md#silences).
 */
export interface Silence {
  readonly id: number
  readonly pattern: string
  readonly startsAt: Date
  /** When it ends; `timon silence end` moves it to that moment. */
  readonly endsAt: Date
  readonly comment: string | null
  readonly createdAt: Date
  /** Set once its end has been handled (held notifications released): its deadline is no longer armed. */
  readonly released: boolean
}

/** An incident whose notifications were held (by a silence or a dependency), and by what, for the notes. */
export interface HeldIncident {
  readonly incident: Incident
  /** What held it: `SIL-3`, a maintenance window, or `depends on <code>`. */
  readonly heldBy: string
}

/** What holds an incident's notifications, as `status` reports it. */
export interface IncidentHold {
  readonly incidentId: number
  /** `SIL-3`, a maintenance window, or `depends on <code>`. */
  readonly heldBy: string
}

/**
 * When an incident still open or relapsed is next reminded to one target (its `remind_every`):
 * a deadline (docs/behaviour.md#reminders).
 */
export interface Reminder {
  readonly incidentId: number
  readonly target: string
  readonly remindAt: Date
}

/** Whether an incident is failing (open or relapsed): what holds dependents and counts as down. */
export function isFailing(incident: Pick<Incident, 'state'> | undefined): boolean {
  return incident?.state === 'open' || incident?.state === 'relapsed'
}

/** An incident: opened by a rule or by hand, then moved through the state machine. */
export interface Incident {
  readonly id: number
  readonly state: IncidentState
  readonly triggerType: TriggerType
  readonly title: string
  readonly description: string | null
  /** The probe/job it belongs to; `null` for manual incidents. */
  readonly contractId: number | null
  readonly openedAt: Date
  readonly recoveredAt: Date | null
  readonly relapsedAt: Date | null
  readonly resolvedAt: Date | null
}

/** One line of an incident's timeline. */
export interface IncidentEvent {
  readonly id: number
  readonly incidentId: number
  readonly type: IncidentEventType
  /** The sample or run that caused it, when there is one (and it still exists). */
  readonly reportId: number | null
  readonly note: string
  /** `true` for entries written by the rules, `false` for a person's resolve or annotation. */
  readonly isSystem: boolean
  readonly at: Date
}

/** A notification event as stored in the outbox: what happened, when, and the incident after it. */
export interface NotificationEvent {
  readonly name: EventName
  readonly at: Date
  /** The incident as it is after the transition; absent for `timon.*` events. */
  readonly incident?: Incident
  /** The timeline note of the transition or annotation, when the event has one. */
  readonly note?: string
  /** The daemon (`[daemon] name`) that emitted a `timon.*` event, when it has a name. */
  readonly daemon?: string
  /** The machine that pushed the latest report of the incident's probe or job, when it said. */
  readonly host?: string
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

/**
 * One notification event to be delivered to one target (a webhook). Written in the same
 * transaction as the change that caused it, then worked off by a dispatcher.
 */
export interface Delivery {
  readonly id: number
  /** Stable across retries and restarts, so receivers can de-duplicate. */
  readonly deliveryId: string
  /** The notifier target (e.g. a webhook's name) this delivery goes to. */
  readonly target: string
  readonly event: NotificationEvent
  /** Deliveries with the same target and key go out in order (one incident's events). */
  readonly orderingKey: string | null
  readonly status: DeliveryStatus
  /** Attempts made so far. */
  readonly attempts: number
  /** When the next attempt is due (pending deliveries). */
  readonly nextAttemptAt: Date
  readonly lastError: string | null
  readonly createdAt: Date
  /** When it was delivered or given up. */
  readonly finishedAt: Date | null
}
