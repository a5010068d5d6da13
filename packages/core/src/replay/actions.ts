import type { History } from '../history/read.js'
import type { HistoryCursor, HistoryDelivery, HistoryIncident, HistoryPage, HistoryReport } from '../ports/store.js'

export type RunReport = Extract<HistoryReport, { kind: 'run' }>

/** One recorded action, at its instant; `rank` orders actions of the same millisecond. */
export type Action = {
  readonly at: number
  readonly rank: number
  readonly order: number
  readonly code: string | null
} & (
  | { readonly kind: 'sample'; readonly report: Extract<HistoryReport, { kind: 'sample' }> }
  | { readonly kind: 'start' | 'end'; readonly run: RunReport }
  | {
      readonly kind: 'step'
      readonly run: RunReport
      readonly step: RunReport['steps'][number]
      readonly ends: boolean
    }
  | { readonly kind: 'open'; readonly incident: HistoryIncident }
  | { readonly kind: 'resolve' | 'annotate'; readonly incident: HistoryIncident; readonly note: string }
)

/**
 * The recorded actions of a history within `[from, to]`, in the order they are replayed, in
 * batches as its pages come. A page's actions are held back until no later page can hold an
 * earlier one: every recorded delivery has been read (they route the replay's notifications, so
 * `onDeliveries` hears of them all before the first batch), and for reports and incidents, the
 * time at which their last row read began. That relies on each part's rows beginning in id order,
 * as a store stamps them; a row that breaks it throws.
 */
export async function* orderedActions(
  history: History | AsyncIterable<HistoryPage>,
  from: number,
  to: number,
  onDeliveries: (deliveries: readonly HistoryDelivery[]) => void,
): AsyncGenerator<readonly Action[]> {
  let pending: Action[] = []
  let cursor: HistoryCursor | undefined
  // How far each part has been read: the time its last row began (+∞ once exhausted).
  let reportsAt = -Infinity
  let incidentsAt = -Infinity
  let deliveriesDone = false
  let released = -Infinity
  for await (const page of Symbol.asyncIterator in history ? history : [history]) {
    onDeliveries(page.deliveries)
    for (const action of actionsOf(page, from, to)) {
      if (action.at < released)
        throw new Error(
          `the history is not in time order: ${action.kind} of ${action.code ?? 'a manual incident'} at ${new Date(action.at).toISOString()} came after ${new Date(released).toISOString()}`,
        )
      pending.push(action)
    }
    const next = 'next' in page ? page.next : undefined
    const exhausted = (part: keyof HistoryCursor) => next === undefined || next[part] === (cursor?.[part] ?? 0)
    const lastReport = page.reports.at(-1)
    const lastIncident = page.incidents.at(-1)
    reportsAt = exhausted('reportId') ? Infinity : lastReport === undefined ? reportsAt : beganAt(lastReport)
    incidentsAt = exhausted('incidentId')
      ? Infinity
      : lastIncident === undefined
        ? incidentsAt
        : lastIncident.openedAt.getTime()
    deliveriesDone ||= exhausted('deliveryId')
    cursor = next
    if (!deliveriesDone) continue
    released = Math.max(released, Math.min(reportsAt, incidentsAt))
    pending.sort(inReplayOrder)
    const ready = released === Infinity ? pending.length : countBefore(pending, released)
    if (ready === 0) continue
    yield ready === pending.length ? pending : pending.slice(0, ready)
    pending = ready === pending.length ? [] : pending.slice(ready)
  }
}

// --- internal ---

/** When a report began: a sample's push, a run's start. */
function beganAt(report: HistoryReport): number {
  return (report.kind === 'sample' ? report.pushedAt : report.startedAt).getTime()
}

function inReplayOrder(a: Action, b: Action): number {
  return a.at - b.at || a.rank - b.rank || a.order - b.order
}

/** How many of the sorted `actions` are strictly before `at`. */
function countBefore(actions: readonly Action[], at: number): number {
  let low = 0
  let high = actions.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if ((actions[mid] as Action).at < at) low = mid + 1
    else high = mid
  }
  return low
}

/** The recorded actions of a page within `[from, to]`, in no particular order. */
function* actionsOf(page: Pick<History, 'reports' | 'incidents'>, from: number, to: number): Generator<Action> {
  const within = (action: Action) => action.at >= from && action.at <= to
  for (const report of page.reports) {
    if (report.kind === 'sample') {
      const action: Action = {
        kind: 'sample',
        at: report.pushedAt.getTime(),
        rank: 0,
        order: report.id,
        code: report.code,
        report,
      }
      if (within(action)) yield action
      continue
    }
    const start: Action = {
      kind: 'start',
      at: report.startedAt.getTime(),
      rank: 0,
      order: report.id,
      code: report.code,
      run: report,
    }
    if (within(start)) yield start
    if (report.skipped) continue
    const endedAt = report.endedAt?.getTime()
    // A last step at the run's end ended it (`push job step --end`): replayed as such, its detail describes an incident it opens.
    const endStep = report.steps.at(-1)
    const endsWithStep = endStep !== undefined && endStep.at.getTime() === endedAt
    for (const step of report.steps) {
      const action: Action = {
        kind: 'step',
        at: step.at.getTime(),
        rank: 1,
        order: step.id,
        code: report.code,
        run: report,
        step,
        ends: endsWithStep && step === endStep,
      }
      if (within(action)) yield action
    }
    if (endedAt !== undefined && !endsWithStep) {
      const end: Action = { kind: 'end', at: endedAt, rank: 2, order: report.id, code: report.code, run: report }
      if (within(end)) yield end
    }
  }
  for (const incident of page.incidents) {
    if (incident.triggerType === 'manual') {
      const open: Action = {
        kind: 'open',
        at: incident.openedAt.getTime(),
        rank: 3,
        order: incident.id,
        code: null,
        incident,
      }
      if (within(open)) yield open
    }
    for (const entry of incident.timeline) {
      if (entry.isSystem || (entry.type !== 'resolved' && entry.type !== 'annotation')) continue
      const kind = entry.type === 'resolved' ? 'resolve' : 'annotate'
      const action: Action = {
        kind,
        at: entry.at.getTime(),
        rank: 4,
        order: entry.id,
        code: incident.code,
        incident,
        note: entry.note,
      }
      if (within(action)) yield action
    }
  }
}
