import { ok, err, type Result } from 'neverthrow'
import {
  reportActivityTime,
  type Contract,
  type ContractKind,
  type ContractOverview,
  type ContractView,
  type CoreError,
  type Incident,
  type Monitor,
  type Report,
  type ReportHealth,
  type ReportMark,
  type StatusView,
} from '@timon/core'
import { coversCode, type Access } from './access.js'

/** State flags of a probe/job besides its health. */
export const SUBJECT_FLAGS = ['stale', 'running', 'overtime', 'incident', 'held'] as const
export type SubjectFlag = (typeof SUBJECT_FLAGS)[number]

/** One probe or job as the overview shows it. */
export interface SubjectRow {
  readonly code: string
  readonly kind: ContractKind
  /** The first dot-separated segment of the code: the overview groups by it. */
  readonly group: string
  /** The health of the last report; `none` before the first one. */
  readonly health: ReportHealth | 'none'
  readonly flags: readonly SubjectFlag[]
  /** When the last report arrived, ended, or (running) started. */
  readonly lastReportAt: Date | undefined
  /** The machine the last report came from, when it said (`TIMON_HOST`, `?host=`). */
  readonly host: string | undefined
  /** Recent samples/runs, oldest first. */
  readonly recent: readonly ReportMark[]
}

/** An active incident with the code of its probe/job (`null` for manual ones). */
export interface IncidentRow {
  readonly incident: Incident
  readonly code: string | null
}

/** Everything the overview and the status page need, restricted to what the caller may see. */
export interface Overview {
  /** Active incidents, newest first. */
  readonly incidents: readonly IncidentRow[]
  /** By code, grouped by {@link SubjectRow.group} in code order. */
  readonly subjects: readonly SubjectRow[]
}

/**
 * Reads every probe/job (all status pages) and their recent reports in one batched query, keeping
 * only what `access` covers.
 */
export async function loadOverview(
  monitor: Monitor,
  access: Access,
  stripLength: number,
): Promise<Result<Overview, CoreError>> {
  const pages = await loadStatus(monitor)
  if (pages.isErr()) return err(pages.error)
  const { contracts, activeIncidents, holds } = pages.value
  const held = new Set(holds.map((hold) => hold.incidentId))
  const visible = contracts.filter((c) => coversCode(access, c.contract.code))
  const recent = await monitor.recentReportMarks(
    visible.map((c) => c.contract.id),
    stripLength,
  )
  if (recent.isErr()) return err(recent.error)
  const codeOf = new Map(contracts.map((c) => [c.contract.id, c.contract.code]))
  const byId = new Map(activeIncidents.map((i) => [i.id, i]))
  const incidents = activeIncidents
    .map((incident) => ({
      incident,
      code: incident.contractId === null ? null : (codeOf.get(incident.contractId) ?? null),
    }))
    .filter((row) => coversCode(access, row.code))
    .reverse()
  const subjects = visible
    .map((o) => {
      const incidents = o.activeIncidentIds.flatMap((id) => byId.get(id) ?? [])
      const isHeld = incidents.some((incident) => held.has(incident.id))
      return subjectRow(o.contract, o.lastReport, incidents, recent.value.get(o.contract.id) ?? [], isHeld)
    })
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  return ok({ incidents, subjects })
}

/** The row of one probe/job from its `show` view, with its `stripLength` newest reports. */
export function subjectRowOf(view: ContractView, stripLength: number): SubjectRow {
  const newestFirst = view.reports.slice(0, stripLength).map((r) => markOf(r.report))
  return subjectRow(view.contract, view.lastReport, view.activeIncidents, newestFirst, view.holds.length > 0)
}

/** A report as its history-strip mark. */
export function markOf(report: Report): ReportMark {
  return { kind: report.kind, health: report.health, running: report.kind === 'run' && report.endedAt === null }
}

/** The first segment of a code: `db` for `db.backup`. */
export function groupOf(code: string): string {
  const dot = code.indexOf('.')
  return dot === -1 ? code : code.slice(0, dot)
}

/** Every page of `status`, concatenated. */
export async function loadStatus(
  monitor: Monitor,
): Promise<Result<Pick<StatusView, 'contracts' | 'activeIncidents' | 'holds'>, CoreError>> {
  const contracts: ContractOverview[] = []
  let after: StatusView['next']
  for (;;) {
    const page = await monitor.status(after === undefined ? { limit: STATUS_PAGE } : { limit: STATUS_PAGE, after })
    if (page.isErr()) return err(page.error)
    contracts.push(...page.value.contracts)
    after = page.value.next
    if (after === undefined)
      return ok({ contracts, activeIncidents: page.value.activeIncidents, holds: page.value.holds })
  }
}

// --- internal ---

const STATUS_PAGE = 1000

function subjectRow(
  contract: Contract,
  lastReport: Report | undefined,
  incidents: readonly Incident[],
  newestFirst: readonly ReportMark[],
  /** Whether an active incident's notifications are held (silence, window, dependency). */
  held: boolean,
): SubjectRow {
  const flags: SubjectFlag[] = []
  if (contract.isStale) flags.push('stale')
  if (lastReport?.kind === 'run' && lastReport.endedAt === null) flags.push('running')
  if (incidents.some((i) => i.triggerType === 'job_overtime')) flags.push('overtime')
  if (incidents.length > 0) flags.push('incident')
  if (held) flags.push('held')
  return {
    code: contract.code,
    kind: contract.kind,
    group: groupOf(contract.code),
    health: lastReport?.health ?? 'none',
    flags,
    lastReportAt: lastReport === undefined ? undefined : reportActivityTime(lastReport),
    host: lastReport?.host ?? undefined,
    recent: [...newestFirst].reverse(),
  }
}
