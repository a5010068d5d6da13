import type { EventName, Incident, IncidentState, NotificationEvent, TriggerType } from '@timon/core'

/** The `incident` object of a webhook payload: the incident after the transition, snake_case. */
export interface IncidentPayload {
  readonly id: number
  /** `INC-<id>`, as the CLI prints it. */
  readonly code: string
  readonly state: IncidentState
  readonly trigger_type: TriggerType
  readonly title: string
  readonly description: string | null
  /** RFC 3339 (UTC, to the second). */
  readonly opened_at: string
  /** RFC 3339 (UTC, to the second), or `null` when it never happened. */
  readonly recovered_at: string | null
  readonly relapsed_at: string | null
  readonly resolved_at: string | null
}

/**
 * What a webhook receives (the "webhooks" contract of architecture.md): sent as JSON when the
 * webhook has no `body`, and the view of its Mustache template when it has one.
 */
export interface WebhookPayload {
  readonly _event: EventName
  readonly _hostname: string
  /** RFC 3339 of the moment the event happened (UTC, to the second), e.g. `2026-04-19T00:05:40Z`. */
  readonly _timestamp: string
  /** Present for `incident.*` events only. */
  readonly incident?: IncidentPayload
  /** Present when the event has a note (the timeline note or the annotation). */
  readonly note?: string
  /** The daemon that sent a `timon.*` event (`[daemon] name`), when it has one. */
  readonly daemon?: string
  /** The machine that pushed the latest report of the incident's probe or job, when it said. */
  readonly host?: string
}

/**
 * Builds the contract payload of an outbox event.
 *
 * `_timestamp` is the event's own instant, not the moment the body is built (the Go original used
 * the send time): the same delivery then has the same body on every retry and after a restart.
 * Keys are absent, not `null`, when the event has no incident or no note.
 *
 * @param hostname the daemon's `[daemon] hostname`.
 */
export function buildPayload(event: NotificationEvent, hostname: string): WebhookPayload {
  const payload: { -readonly [K in keyof WebhookPayload]: WebhookPayload[K] } = {
    _event: event.name,
    _hostname: hostname,
    _timestamp: formatRfc3339(event.at),
  }
  if (event.incident !== undefined) payload.incident = toIncidentPayload(event.incident)
  if (event.note !== undefined) payload.note = event.note
  if (event.daemon !== undefined) payload.daemon = event.daemon
  if (event.host !== undefined) payload.host = event.host
  return payload
}

/** An instant as RFC 3339 in UTC, to the second: `2026-04-19T00:05:40Z`. */
export function formatRfc3339(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

// --- internal ---

function toIncidentPayload(incident: Incident): IncidentPayload {
  return {
    id: incident.id,
    code: `INC-${incident.id}`,
    state: incident.state,
    trigger_type: incident.triggerType,
    title: incident.title,
    description: incident.description,
    opened_at: formatRfc3339(incident.openedAt),
    recovered_at: formatOptional(incident.recoveredAt),
    relapsed_at: formatOptional(incident.relapsedAt),
    resolved_at: formatOptional(incident.resolvedAt),
  }
}

function formatOptional(at: Date | null): string | null {
  return at === null ? null : formatRfc3339(at)
}
