import type { Contract, Incident, IncidentState, Report, Run } from '@timon/core'
import { formatAgo, formatIncidentCode, goQuote } from '@timon/core/lite'
import { RUNNING_MARK, formatHealth, type Style } from './style.js'

/** `<human> ago` for the time from `at` to `now` (`4m 12s ago`). */
export function ago(at: Date, now: Date): string {
  return formatAgo(now.getTime() - at.getTime())
}

/** `INC-1, INC-4`: incident ids as codes, comma-joined. */
export function incidentCodes(ids: readonly number[]): string {
  return ids.map(formatIncidentCode).join(', ')
}

/** `text` quoted as Go's `%q`, or `''` when there is no text. */
export function quoted(text: string | null | undefined): string {
  return text === null || text === undefined ? '' : goQuote(text)
}

/**
 * The health of a report as `status` and `show <code>` print it: `● running` (with the run's uid
 * when `withUid`) plus ` (<icon> <health>)` once the run has a verdict, or `<icon> <health>`.
 */
export function reportHealth(report: Report, style: Style, withUid: boolean): string {
  if (report.kind === 'run' && report.endedAt === null) {
    const running = style.cyan(withUid ? `${RUNNING_MARK} running ${report.uid}` : `${RUNNING_MARK} running`)
    return report.health === 'unknown' ? running : `${running} (${formatHealth(report.health, style)})`
  }
  return formatHealth(report.health, style)
}

/**
 * The health cell of a probe/job (`status`, `show <code>`): `? unknown` with no report; otherwise
 * {@link reportHealth} with the run uid, wrapped as `stale (…)` when the stale flag is set.
 */
export function contractHealth(contract: Contract, lastReport: Report | undefined, style: Style): string {
  if (lastReport === undefined) return formatHealth('unknown', style)
  const health = reportHealth(lastReport, style, true)
  return contract.isStale ? `${style.yellow('stale')} (${health})` : health
}

/** When a report happened for "… ago": the push time of a sample, the start time of a run. */
export function reportTime(report: Report): Date {
  return report.kind === 'sample' ? report.pushedAt : report.startedAt
}

/** The comment shown for a report: the sample's comment, else the run's end comment, else its start comment. */
export function reportComment(report: Report): string | null {
  if (report.kind === 'sample') return report.comment
  return report.endComment ?? report.startComment
}

/** An incident state, coloured: open and relapsed red, recovered yellow, resolved green. */
export function incidentState(state: IncidentState, style: Style): string {
  switch (state) {
    case 'open':
    case 'relapsed':
      return style.red(state)
    case 'recovered':
      return style.yellow(state)
    case 'resolved':
      return style.green(state)
  }
}

/** Whether an incident was opened by hand (it has no probe/job). */
export function isManual(incident: Incident): boolean {
  return incident.contractId === null
}

/** The run's duration from start to end, or `undefined` while it runs. */
export function runDuration(run: Run): number | undefined {
  return run.endedAt === null ? undefined : run.endedAt.getTime() - run.startedAt.getTime()
}

/** `1 active incident`, `2 active incidents`: a count with its noun, pluralised with `s`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}
