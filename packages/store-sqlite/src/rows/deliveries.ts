// Maps `deliveries` rows to domain values and back; no queries here.
import {
  DELIVERY_STATUSES,
  EVENT_NAMES,
  INCIDENT_STATES,
  TRIGGER_TYPES,
  type Delivery,
  type DeliveryPatch,
  type Incident,
  type NotificationEvent,
} from '@timon/core'
import type { Selectable } from 'kysely'
import type { DeliveriesTable } from '../tables.js'
import { dateOrNull, isoDate, msOrNull, oneOf } from './codec.js'

export type DeliveryRow = Selectable<DeliveriesTable>

/** A NotificationEvent after JSON.stringify: Dates became ISO strings. */
interface EventJson {
  readonly name: string
  readonly at: string
  readonly incident?: Record<keyof Incident, unknown>
  readonly note?: string
  readonly daemon?: string
  readonly host?: string
}

export const deliveries = {
  toDomain(row: DeliveryRow): Delivery {
    return {
      id: row.id,
      deliveryId: row.delivery_id,
      target: row.target,
      event: eventFromJson(row.event, row.id),
      orderingKey: row.ordering_key,
      status: oneOf(DELIVERY_STATUSES, row.status, 'deliveries.status'),
      attempts: row.attempts,
      nextAttemptAt: new Date(row.next_attempt_at),
      lastError: row.last_error,
      createdAt: new Date(row.created_at),
      finishedAt: dateOrNull(row.finished_at),
    }
  },
  toRow(delivery: Omit<Delivery, 'id'>): Omit<DeliveryRow, 'id'> {
    return {
      delivery_id: delivery.deliveryId,
      target: delivery.target,
      event: JSON.stringify(delivery.event),
      ordering_key: delivery.orderingKey,
      status: delivery.status,
      attempts: delivery.attempts,
      next_attempt_at: delivery.nextAttemptAt.getTime(),
      last_error: delivery.lastError,
      created_at: delivery.createdAt.getTime(),
      finished_at: msOrNull(delivery.finishedAt),
    }
  },
  patchToRow(patch: DeliveryPatch): Partial<Omit<DeliveryRow, 'id'>> {
    return {
      ...(patch.status === undefined ? {} : { status: patch.status }),
      ...(patch.attempts === undefined ? {} : { attempts: patch.attempts }),
      ...(patch.nextAttemptAt === undefined ? {} : { next_attempt_at: patch.nextAttemptAt.getTime() }),
      ...(patch.lastError === undefined ? {} : { last_error: patch.lastError }),
      ...(patch.finishedAt === undefined ? {} : { finished_at: msOrNull(patch.finishedAt) }),
    }
  },
}

/** Revives the Dates of a stored event (its own and its incident's). */
function eventFromJson(text: string, deliveryId: number): NotificationEvent {
  const where = `deliveries.event of ${deliveryId}`
  const raw = JSON.parse(text) as EventJson
  const event: { -readonly [K in keyof NotificationEvent]: NotificationEvent[K] } = {
    name: oneOf(EVENT_NAMES, raw.name, where),
    at: isoDate(raw.at, where),
  }
  if (raw.incident !== undefined) {
    const i = raw.incident
    event.incident = {
      id: i.id as number,
      state: oneOf(INCIDENT_STATES, i.state, where),
      triggerType: oneOf(TRIGGER_TYPES, i.triggerType, where),
      title: i.title as string,
      description: i.description as string | null,
      contractId: i.contractId as number | null,
      openedAt: isoDate(i.openedAt, where),
      recoveredAt: i.recoveredAt === null ? null : isoDate(i.recoveredAt, where),
      relapsedAt: i.relapsedAt === null ? null : isoDate(i.relapsedAt, where),
      resolvedAt: i.resolvedAt === null ? null : isoDate(i.resolvedAt, where),
    }
  }
  if (raw.note !== undefined) event.note = raw.note
  if (raw.daemon !== undefined) event.daemon = raw.daemon
  if (raw.host !== undefined) event.host = raw.host
  return event
}
