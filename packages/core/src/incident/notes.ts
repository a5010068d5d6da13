import type { AutomaticTrigger, IncidentEventType } from '../domain.js'
import { formatGoDuration } from '../duration.js'

/**
 * The automatic titles: `<code> is critical`, `… is stale`, `… is overtime`, `… is overlapping`,
 * `… ended too soon`; a missed run's title names its time ({@link missedTitle}).
 */
export function incidentTitle(code: string, trigger: AutomaticTrigger): string {
  return trigger === 'short' ? `${code} ended too soon` : `${code} is ${TITLE_WORDS[trigger]}`
}

/** The title of a `missed` incident: `db.backup missed its 03:00 run`, the time in the schedule's zone. */
export function missedTitle(code: string, expectedLocal: string): string {
  return `${code} missed its ${expectedLocal} run`
}

/** Timeline note of a missed incident opening or relapsing: which run, in full, and the grace it had. */
export function missedNote(
  entry: IncidentEventType,
  code: string,
  expectedLocal: string,
  expectedAt: string,
  grace: number,
): string {
  return `${code} missed its ${expectedLocal} run${again(entry)} (expected at ${expectedAt}, grace ${formatGoDuration(grace)})`
}

/** Timeline note of a missed incident recovering: a run started or a push arrived. */
export function missedRecoveredNote(code: string, report: ReportMention): string {
  return `${code} ${report.kind === 'run' ? 'started a run' : 'pushed a sample'} again (${report.kind} ${report.uid})`
}

/** Timeline note of a short incident: opened or relapsed by a run that ended too soon, recovered by one that did not. */
export function shortNote(
  entry: IncidentEventType,
  code: string,
  took: number,
  minRuntime: number | null,
  runUid: string,
): string {
  const rule = minRuntime === null ? 'min-runtime off' : `min-runtime ${formatGoDuration(minRuntime)}`
  if (entry === 'recovered') return `${code} ran for ${formatGoDuration(took)}, ${rule} (run ${runUid})`
  return `${code} ended too soon${again(entry)}, after ${formatGoDuration(took)}, ${rule} (run ${runUid})`
}

/** The sample or run a critical note refers to. Samples are called samples, runs runs (docs/behaviour.md#incident-notes). */
export interface ReportMention {
  readonly kind: 'sample' | 'run'
  readonly uid: string
}

/**
 * Timeline note of a critical incident. On open and relapse the suffix is the comment, else the
 * label of the run's first critical step; on recovery only the comment.
 */
export function criticalNote(
  entry: IncidentEventType,
  code: string,
  report: ReportMention,
  comment: string | undefined,
  label: string | undefined,
): string {
  const ref = `(${report.kind} ${report.uid})`
  const suffix =
    comment !== undefined ? `: ${comment}` : label !== undefined && entry !== 'recovered' ? ` at step: ${label}` : ''
  if (entry === 'recovered') return `${code} back to healthy ${ref}${suffix}`
  return `${code} turned critical${again(entry)} ${ref}${suffix}`
}

/** Timeline note of a stale incident opening or relapsing. */
export function staleNote(entry: IncidentEventType, code: string, staleIncidentAfter: number): string {
  return `${code} went stale${again(entry)}, after ${formatGoDuration(staleIncidentAfter)}`
}

/**
 * Timeline note of a stale incident recovering: the probe/job reported again, and how late (the
 * Go original said "reported in time", docs/behaviour.md#incident-notes).
 */
export function staleRecoveredNote(code: string, lateBy: number): string {
  return `${code} reported again, ${formatGoDuration(lateBy)} after going stale`
}

/** Timeline note of an overtime incident opening or relapsing. */
export function overtimeNote(entry: IncidentEventType, code: string, rule: number, runUid: string): string {
  return `${code} went overtime${again(entry)}, after ${formatGoDuration(rule)} (run ${runUid})`
}

/** Timeline note of an overtime incident recovering when its run ends. */
export function overtimeRecoveredNote(code: string, took: number, rule: number, runUid: string): string {
  return `${code} finished in ${formatGoDuration(took)}, overtime was ${formatGoDuration(rule)} (run ${runUid})`
}

/** Timeline note of an overlap incident: opened, relapsed or recovered. */
export function overlapNote(entry: IncidentEventType, code: string, runUid: string): string {
  if (entry === 'recovered') return `${code} stopped overlapping (run ${runUid})`
  return `${code} started overlapping${again(entry)} (run ${runUid})`
}

// --- internal ---

const TITLE_WORDS: Record<Exclude<AutomaticTrigger, 'short'>, string> = {
  missed: 'missing a scheduled run',
  critical: 'critical',
  stale: 'stale',
  job_overtime: 'overtime',
  job_overlap: 'overlapping',
}

function again(entry: IncidentEventType): string {
  return entry === 'relapsed' ? ' again' : ''
}
