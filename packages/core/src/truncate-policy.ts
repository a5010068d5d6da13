import { err, ok, type Result } from 'neverthrow'
import type { Delivery, Incident, Report, ReportHealth } from './domain.js'
import { validation, type CoreError } from './errors.js'

/** Retention durations of `truncate`, in milliseconds. At least one is required. */
export interface TruncateOptions {
  /** Reports of any health older than this. Exclusive with the three health options. */
  readonly keep?: number | undefined
  /** Healthy reports older than this; defaults to `keepWarning`. */
  readonly keepHealthy?: number | undefined
  /** Warning reports older than this; defaults to `keepCritical`. */
  readonly keepWarning?: number | undefined
  /** Critical reports (and unfinished runs with no verdict) older than this. */
  readonly keepCritical?: number | undefined
  /** Resolved incidents whose resolution is older than this. */
  readonly keepIncidents?: number | undefined
  /** Outbox deliveries delivered or failed longer ago than this (every target's; not with a code). */
  readonly keepDeliveries?: number | undefined
}

/**
 * What a truncation deletes, decided once from the options and "now". Stores execute it, in SQL
 * or in memory, with the predicates below as the definition.
 */
export interface TruncatePlan {
  /** Restrict to this contract (and its incidents); `null` means everything. */
  readonly contractId: number | null
  /**
   * Per effective health, reports last active at or before the cutoff are deleted; `null` keeps
   * that health. `undefined` when reports are not truncated at all.
   */
  readonly reportCutoffs: Readonly<Record<Exclude<ReportHealth, 'unknown'>, Date | null>> | undefined
  /** Resolved incidents resolved at or before this are deleted; `undefined` keeps them all. */
  readonly incidentCutoff: Date | undefined
  /** Deliveries delivered or failed at or before this are deleted; `undefined` keeps them all. */
  readonly deliveryCutoff: Date | undefined
}

/**
 * Turns truncate options into a plan. Health options inherit from the next higher severity
 * (`keepHealthy` ← `keepWarning` ← `keepCritical`), as the Timon README says (the Go original does
 * not implement it; docs/behaviour.md#truncate).
 */
export function planTruncate(
  options: TruncateOptions,
  now: Date,
  contractId: number | null,
): Result<TruncatePlan, CoreError> {
  const { keep, keepHealthy, keepWarning, keepCritical, keepIncidents, keepDeliveries } = options
  const healthFlags = [keepHealthy, keepWarning, keepCritical]
  if ([keep, keepIncidents, keepDeliveries, ...healthFlags].every((d) => d === undefined)) {
    return err(validation('at least one keep flag is required'))
  }
  // The outbox knows incidents, not probes/jobs: its retention is the same for every code.
  if (keepDeliveries !== undefined && contractId !== null) {
    return err(validation('keep-deliveries applies to every target and cannot be limited to a code'))
  }
  if (keep !== undefined && healthFlags.some((d) => d !== undefined)) {
    return err(validation('keep cannot be combined with keep-healthy, keep-warning, or keep-critical'))
  }
  const cutoff = (duration: number | undefined) => (duration === undefined ? null : new Date(now.getTime() - duration))
  let reportCutoffs: TruncatePlan['reportCutoffs']
  if (keep !== undefined) {
    const all = cutoff(keep)
    reportCutoffs = { healthy: all, warning: all, critical: all }
  } else if (healthFlags.some((d) => d !== undefined)) {
    const critical = keepCritical
    const warning = keepWarning ?? critical
    const healthy = keepHealthy ?? warning
    reportCutoffs = { healthy: cutoff(healthy), warning: cutoff(warning), critical: cutoff(critical) }
  }
  return ok({
    contractId,
    reportCutoffs,
    incidentCutoff: cutoff(keepIncidents) ?? undefined,
    deliveryCutoff: cutoff(keepDeliveries) ?? undefined,
  })
}

/**
 * The health a report is judged by: an unfinished run with no warning or critical step counts as
 * critical.
 */
export function retentionHealth(report: Report): Exclude<ReportHealth, 'unknown'> {
  return report.health === 'unknown' ? 'critical' : report.health
}

/** The instant a report's age counts from: push time, end time, or start time while running. */
export function reportActivityTime(report: Report): Date {
  return report.kind === 'sample' ? report.pushedAt : (report.endedAt ?? report.startedAt)
}

/**
 * Whether the plan's cutoffs select a report. Callers (stores) still spare the latest report of
 * each contract and reports linked to non-resolved incidents.
 */
export function isReportTruncated(report: Report, plan: TruncatePlan): boolean {
  if (plan.reportCutoffs === undefined) return false
  if (plan.contractId !== null && report.contractId !== plan.contractId) return false
  const cutoff = plan.reportCutoffs[retentionHealth(report)]
  return cutoff !== null && reportActivityTime(report).getTime() <= cutoff.getTime()
}

/** Whether the plan selects a delivery: finished (delivered or failed) at or before the cutoff. */
export function isDeliveryTruncated(delivery: Delivery, plan: TruncatePlan): boolean {
  if (plan.deliveryCutoff === undefined || delivery.status === 'pending' || delivery.finishedAt === null) return false
  return delivery.finishedAt.getTime() <= plan.deliveryCutoff.getTime()
}

/** Whether the plan selects an incident: resolved, resolved at or before the cutoff, in scope. */
export function isIncidentTruncated(incident: Incident, plan: TruncatePlan): boolean {
  if (plan.incidentCutoff === undefined || incident.state !== 'resolved' || incident.resolvedAt === null) return false
  if (plan.contractId !== null && incident.contractId !== plan.contractId) return false
  return incident.resolvedAt.getTime() <= plan.incidentCutoff.getTime()
}
