import type { EventName, Incident, IncidentEventType, IncidentState } from '../domain.js'

/** What can happen to an incident. */
export const INCIDENT_ACTIONS = ['degrade', 'recover', 'resolve'] as const
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number]

/** The outcome of one transition: the new state, its timeline entry and its notification. */
export interface Transition {
  readonly to: IncidentState
  readonly entry: IncidentEventType
  readonly event: EventName
}

/** `none` stands for "no active incident of that trigger": a degrade then opens a new one. */
export type IncidentStateOrNone = IncidentState | 'none'

/**
 * The one incident state machine. A missing cell means "nothing happens". Departures from the Go
 * original (docs/behaviour.md#incident-state-machine): relapsed recovers again, so open → recovered → relapsed →
 * recovered … cycles; resolving is permanent and allowed from any non-resolved state.
 */
export const TRANSITIONS: Readonly<Record<IncidentStateOrNone, Partial<Record<IncidentAction, Transition>>>> = {
  none: {
    degrade: { to: 'open', entry: 'opened', event: 'incident.open' },
  },
  open: {
    recover: { to: 'recovered', entry: 'recovered', event: 'incident.recovered' },
    resolve: { to: 'resolved', entry: 'resolved', event: 'incident.resolved' },
  },
  recovered: {
    degrade: { to: 'relapsed', entry: 'relapsed', event: 'incident.relapsed' },
    resolve: { to: 'resolved', entry: 'resolved', event: 'incident.resolved' },
  },
  relapsed: {
    recover: { to: 'recovered', entry: 'recovered', event: 'incident.recovered' },
    resolve: { to: 'resolved', entry: 'resolved', event: 'incident.resolved' },
  },
  resolved: {},
}

/** The transition `action` causes from `from`, or `undefined` when nothing happens. */
export function transitionFor(from: IncidentStateOrNone, action: IncidentAction): Transition | undefined {
  return TRANSITIONS[from][action]
}

/**
 * The timestamps an incident has after entering `to` at `at`: each state sets its own stamp, and
 * recovering starts a new cycle, so it clears the previous relapse.
 */
export function stampsFor(
  incident: Pick<Incident, 'recoveredAt' | 'relapsedAt' | 'resolvedAt'>,
  to: IncidentState,
  at: Date,
): Pick<Incident, 'recoveredAt' | 'relapsedAt' | 'resolvedAt'> {
  switch (to) {
    case 'open':
      return { recoveredAt: null, relapsedAt: null, resolvedAt: null }
    case 'recovered':
      return { recoveredAt: at, relapsedAt: null, resolvedAt: null }
    case 'relapsed':
      return { recoveredAt: incident.recoveredAt, relapsedAt: at, resolvedAt: null }
    case 'resolved':
      return { recoveredAt: incident.recoveredAt, relapsedAt: incident.relapsedAt, resolvedAt: at }
  }
}
