import type { AutomaticTrigger, IncidentEventType } from '../domain.js'
import { formatGoDuration } from '../duration.js'

/** The automatic titles: `<code> is critical`, `… is stale`, `… is overtime`, `… is overlapping`. */
export function incidentTitle(code: string, trigger: AutomaticTrigger): string {
  return `${code} is ${TITLE_WORDS[trigger]}`
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

const TITLE_WORDS: Record<AutomaticTrigger, string> = {
  critical: 'critical',
  stale: 'stale',
  job_overtime: 'overtime',
  job_overlap: 'overlapping',
}

function again(entry: IncidentEventType): string {
  return entry === 'relapsed' ? ' again' : ''
}
