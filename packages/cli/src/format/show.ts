import type {
  ContractView,
  IncidentView,
  Progress,
  Report,
  ReportView,
  Rules,
  ScheduleView,
  ShowView,
} from '@timon/core'
import { formatHumanDuration, formatIncidentCode } from '@timon/core/lite'
import {
  ago,
  contractHealth,
  incidentCodes,
  incidentState,
  quoted,
  reportComment,
  reportHealth,
  runDuration,
} from './common.js'
import { PLAIN, formatHealth, type Style } from './style.js'
import { formatTable, type Row } from './tabwriter.js'

/**
 * The human output of `timon show <target>` (reference §6.10 with the project's decisions: no
 * trailing spaces, the rules in force, the most recent samples/runs with a hint when there are
 * more, and a sample's comment). Dispatches on the view's `kind`.
 *
 * @param now the instant "… ago" is measured from.
 */
export function formatShow(view: ShowView, now: Date, style: Style = PLAIN): string {
  switch (view.kind) {
    case 'contract':
      return formatContractView(view, now, style)
    case 'report':
      return formatReportView(view, now, style)
    case 'incident':
      return formatIncidentView(view, now, style)
  }
}

/**
 * `show <code>`: a probe or job, its rules in force, its active incidents and its most recent
 * samples/runs, newest first.
 *
 * ```
 * JOB  nightly.sync
 *   health                   ● running 3f2a9c1b7d4e (⚠ warning)
 *   last start               3m 2s ago
 *   stale after              1d 1h
 *   overlap incident         yes
 *   active incidents         INC-4
 *
 * RUNS
 *   3f2a9c1b7d4e  ● running (⚠ warning)  started 3m 2s ago  "Starting nightly sync"
 * ```
 */
export function formatContractView(view: ContractView, now: Date, style: Style = PLAIN): string {
  const { contract, lastReport } = view
  const isJob = contract.kind === 'job'
  const rows: Row[] = [`${style.bold(isJob ? 'JOB' : 'PROBE')}  ${contract.code}`]
  rows.push(['  health', contractHealth(contract, lastReport, style)])
  if (lastReport !== undefined) {
    const at = lastReport.kind === 'sample' ? lastReport.pushedAt : lastReport.startedAt
    rows.push([isJob ? '  last start' : '  last push', ago(at, now)])
    if (lastReport.host != null) rows.push(['  host', lastReport.host])
  }
  rows.push(...ruleRows(view.rules, isJob))
  if (view.schedule !== null) rows.push(...scheduleRows(view.schedule, now))
  if (view.activeIncidents.length > 0) {
    rows.push(['  active incidents', style.red(incidentCodes(view.activeIncidents.map((incident) => incident.id)))])
  }
  // Notifications held: the incident, then what holds it (`INC-7: depends on db.main`, `INC-8: SIL-3`).
  for (const { incidentId, heldBy } of view.holds)
    rows.push(['  held', style.yellow(`${formatIncidentCode(incidentId)}: ${heldBy}`)])

  const noun = isJob ? 'run' : 'sample'
  rows.push('', isJob ? 'RUNS' : 'SAMPLES')
  if (view.reports.length === 0) rows.push('  None')
  // A host column once the listed reports come from more than one machine (as in status).
  const hosts = new Set(view.reports.flatMap(({ report }) => (report.host == null ? [] : [report.host])))
  const hostCell = hosts.size > 1 ? (report: Report) => [report.host ?? '-'] : () => []
  for (const { report, activeIncidentIds } of view.reports) {
    if (report.kind === 'sample') {
      rows.push([
        `  ${report.uid}`,
        ...hostCell(report),
        withProgress(formatHealth(report.health, style), report.progress),
        quoted(report.comment),
        ago(report.pushedAt, now),
      ])
      continue
    }
    if (report.skipped) {
      rows.push([
        `  ${report.uid}`,
        ...hostCell(report),
        style.dim('\u21b7 skipped'),
        `skipped ${ago(report.startedAt, now)}`,
        quoted(report.startComment),
      ])
      continue
    }
    const duration = runDuration(report)
    rows.push([
      `  ${report.uid}`,
      ...hostCell(report),
      withProgress(reportHealth(report, style, false), report.progress),
      report.endedAt === null || duration === undefined
        ? `started ${ago(report.startedAt, now)}`
        : `ended ${ago(report.endedAt, now)} (${formatHumanDuration(duration)})`,
      quoted(reportComment(report)),
      style.red(incidentCodes(activeIncidentIds)),
    ])
  }
  const hidden = view.reportCount - view.reports.length
  if (hidden > 0 && view.reports.length > 0) {
    rows.push(
      style.dim(`  \u2026 ${hidden} older ${hidden === 1 ? noun : `${noun}s`} not shown (use --limit N or --all)`),
    )
  }
  return formatTable(rows)
}

/**
 * `show <code>:<uid>`: one sample or run, the rules it was pushed with, the active incidents that
 * point at it, and a run's steps.
 */
export function formatReportView(view: ReportView, now: Date, style: Style = PLAIN): string {
  const { contract, report } = view
  const isJob = contract.kind === 'job'
  const rows: Row[] = [
    `${style.bold(isJob ? 'JOB' : 'PROBE')}  ${contract.code}  ${report.kind === 'run' ? 'run' : 'sample'} ${report.uid}`,
  ]
  rows.push(['  health', withProgress(reportHealth(report, style, false), report.progress)])
  if (report.host != null) rows.push(['  host', report.host])
  if (report.kind === 'sample') {
    rows.push(['  pushed', ago(report.pushedAt, now)])
    if (report.comment !== null) rows.push(['  comment', report.comment])
  } else {
    if (report.skipped) rows.push(['  skipped', 'yes: the previous run was still going (timon exec --skip-if-running)'])
    rows.push(['  started', ago(report.startedAt, now)])
    if (report.startComment !== null) rows.push(['  start comment', report.startComment])
    const duration = runDuration(report)
    if (duration !== undefined && !report.skipped) rows.push(['  duration', formatHumanDuration(duration)])
    if (report.endComment !== null) rows.push(['  end comment', report.endComment])
    if (report.exit !== null)
      rows.push([
        '  exit',
        report.exit.signal === null ? `code ${report.exit.code ?? '?'}` : `signal ${report.exit.signal}`,
      ])
    if (report.logPath !== null) rows.push(['  log', report.logPath])
  }
  rows.push(...ruleRows(report.rules, isJob))
  if (view.activeIncidentIds.length > 0)
    rows.push(['  active incidents', style.red(incidentCodes(view.activeIncidentIds))])

  if (report.kind === 'run') {
    rows.push('', 'STEPS')
    if (view.steps.length === 0) rows.push('  None')
    for (const step of view.steps) {
      rows.push([
        `  +${formatHumanDuration(step.at.getTime() - report.startedAt.getTime())}`,
        formatHealth(step.health, style),
        quoted(step.label),
      ])
    }
    const duration = runDuration(report)
    if (duration !== undefined) rows.push([`  +${formatHumanDuration(duration)}`, 'end', quoted(report.endComment)])
  }
  return formatTable(rows)
}

/**
 * `show INC-<id>`: an incident's details and its timeline, each entry's time counted from the
 * opening.
 */
export function formatIncidentView(view: IncidentView, now: Date, style: Style = PLAIN): string {
  const { incident } = view
  const rows: Row[] = [`${style.bold('INCIDENT')}  ${formatIncidentCode(incident.id)}`]
  rows.push(['  state', incidentState(incident.state, style)])
  rows.push(['  trigger type', incident.triggerType])
  if (view.contractCode !== null) rows.push(['  probe/job', view.contractCode])
  rows.push(['  title', incident.title])
  if (incident.description !== null) {
    // A multi-line description (a command's last lines of output) stays in its column.
    const [first = '', ...more] = incident.description.split('\n')
    rows.push(['  description', first], ...more.map((line): Row => ['', line]))
  }
  rows.push(['  opened', ago(incident.openedAt, now)])
  if (incident.recoveredAt !== null) rows.push(['  recovered', ago(incident.recoveredAt, now)])
  if (incident.relapsedAt !== null) rows.push(['  relapsed', ago(incident.relapsedAt, now)])
  if (incident.resolvedAt !== null) rows.push(['  resolved', ago(incident.resolvedAt, now)])

  rows.push('', 'TIMELINE')
  if (view.timeline.length === 0) rows.push('  None')
  for (const event of view.timeline) {
    rows.push([
      `  +${formatHumanDuration(event.at.getTime() - incident.openedAt.getTime())}`,
      event.type,
      event.isSystem ? style.dim('[system]') : '[human]',
      quoted(event.note),
    ])
  }
  return formatTable(rows)
}

// --- internal ---

/** The rule lines: each duration rule that is set, and for jobs whether overlaps open incidents. */
function ruleRows(rules: Rules, isJob: boolean): Row[] {
  const rows: Row[] = []
  if (rules.staleAfter !== null) rows.push(['  stale after', formatHumanDuration(rules.staleAfter)])
  if (rules.staleIncidentAfter !== null)
    rows.push(['  stale incident after', formatHumanDuration(rules.staleIncidentAfter)])
  if (isJob && rules.overtimeIncidentAfter !== null)
    rows.push(['  overtime incident after', formatHumanDuration(rules.overtimeIncidentAfter)])
  if (isJob) rows.push(['  overlap incident', rules.overlapIncident ? 'yes' : 'no'])
  if (isJob && rules.minRuntime !== null) rows.push(['  min runtime', formatHumanDuration(rules.minRuntime)])
  if (rules.failureThreshold !== null) rows.push(['  failure threshold', String(rules.failureThreshold)])
  if (rules.successThreshold !== null) rows.push(['  success threshold', String(rules.successThreshold)])
  if (rules.dependsOn !== null) rows.push(['  depends on', rules.dependsOn])
  return rows
}

/**
 * The schedule lines of `show <code>`: the expression with its zone and grace, and the next
 * expected run or push in that zone (`2025-03-30T03:00:00+02:00 (in 2h 5m)`).
 */
function scheduleRows(schedule: ScheduleView, now: Date): Row[] {
  const rows: Row[] = [
    ['  schedule', `${schedule.expression} (${schedule.tz}, grace ${formatHumanDuration(schedule.grace)})`],
  ]
  if (schedule.expectedAt === null || schedule.expectedLocal === null) return [...rows, ['  next expected', 'none']]
  const until = schedule.expectedAt.getTime() - now.getTime()
  return [
    ...rows,
    [
      '  next expected',
      until > 0 ? `${schedule.expectedLocal} (in ${formatHumanDuration(until)})` : schedule.expectedLocal,
    ],
  ]
}

/** A report's health with its place in a streak towards a threshold: `✗ critical (2 of 3)`. */
function withProgress(health: string, progress: Progress | null): string {
  return progress === null ? health : `${health} (${progress.count} of ${progress.of})`
}
