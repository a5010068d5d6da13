import type { EventName, IncidentEventType, IncidentState, TriggerType } from '../domain.js'
import type { History } from '../history/read.js'
import type { HistoryDelivery, HistoryIncident, HistoryPage } from '../ports/store.js'

/** An incident as a replay compares it: by its code, trigger and times, not by its id. */
export interface OutcomeIncident {
  /** The probe/job's code; `null` for a manual incident. */
  readonly code: string | null
  readonly trigger: TriggerType
  readonly title: string
  readonly description: string | null
  readonly state: IncidentState
  readonly openedAt: Date
  readonly recoveredAt: Date | null
  readonly relapsedAt: Date | null
  readonly resolvedAt: Date | null
  readonly timeline: readonly {
    readonly type: IncidentEventType
    readonly at: Date
    readonly note: string
    readonly isSystem: boolean
  }[]
}

/** A notification to one target, naming the incident it is about by code, trigger and opening time. */
export interface OutcomeNotification {
  readonly target: string
  readonly event: EventName
  readonly at: Date
  readonly code: string | null
  readonly trigger: TriggerType
  readonly incidentOpenedAt: Date
  readonly note: string | null
}

/** The incidents and notifications of a history, recorded or replayed, in time order. */
export interface Outcome {
  readonly incidents: readonly OutcomeIncident[]
  readonly notifications: readonly OutcomeNotification[]
}

/**
 * The incidents and incident notifications of a history (`timon.*` events left out), ordered by
 * time; ids are dropped, since a replay numbers its incidents afresh.
 */
export function outcomeOf(history: History): Outcome {
  const incidents = history.incidents.map(
    (i): OutcomeIncident => ({
      code: i.code,
      trigger: i.triggerType,
      title: i.title,
      description: i.description,
      state: i.state,
      openedAt: i.openedAt,
      recoveredAt: i.recoveredAt,
      relapsedAt: i.relapsedAt,
      resolvedAt: i.resolvedAt,
      timeline: i.timeline.map(({ type, at, note, isSystem }) => ({ type, at, note, isSystem })),
    }),
  )
  const notifications = history.deliveries.flatMap((d): OutcomeNotification[] => {
    const incident = d.event.incident
    if (incident === undefined) return []
    return [
      {
        target: d.target,
        event: d.event.name,
        at: d.event.at,
        code: d.code,
        trigger: incident.triggerType,
        incidentOpenedAt: incident.openedAt,
        note: d.event.note ?? null,
      },
    ]
  })
  return { incidents: incidents.sort(incidentOrder), notifications: notifications.sort(notificationOrder) }
}

/** The order of an outcome's incidents: by opening time, then code and trigger. */
export function incidentOrder(a: OutcomeIncident, b: OutcomeIncident): number {
  return a.openedAt.getTime() - b.openedAt.getTime() || byKey(a, b)
}

/** The order of an outcome's notifications: by time, then code, trigger and target. */
export function notificationOrder(a: OutcomeNotification, b: OutcomeNotification): number {
  return a.at.getTime() - b.at.getTime() || byKey(a, b) || a.target.localeCompare(b.target)
}

/** {@link outcomeOf} a history's pages, holding only their incidents and deliveries (not the samples). */
export async function outcomeOfPages(pages: AsyncIterable<HistoryPage>): Promise<Outcome> {
  const incidents: HistoryIncident[] = []
  const deliveries: HistoryDelivery[] = []
  for await (const page of pages) {
    incidents.push(...page.incidents)
    deliveries.push(...page.deliveries)
  }
  return outcomeOf({ reports: [], incidents, deliveries })
}

/** Same-instant entries in a fixed order, whatever order a store or a replay wrote them in. */
function byKey(a: { code: string | null; trigger: string }, b: { code: string | null; trigger: string }): number {
  return (a.code ?? '').localeCompare(b.code ?? '') || a.trigger.localeCompare(b.trigger)
}
