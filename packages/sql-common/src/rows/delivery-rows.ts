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
import { corruptRow, dateOrNull, instantOrNull, oneOf, type ColumnCodec, type ColumnTypes } from '../column-codec.js'
import type { DeliveryRow } from '../tables.js'

/** Maps `deliveries` rows (the outbox) to domain values and back; a store's own columns (claims) stay out. */
export function deliveryRows<C extends ColumnTypes>(codec: ColumnCodec<C>) {
  type Row = DeliveryRow<C>
  return {
    toDomain(row: Row): Delivery {
      return {
        id: row.id,
        deliveryId: row.delivery_id,
        target: row.target,
        event: eventFromJson(codec, codec.parsed(row.event), row.id),
        orderingKey: row.ordering_key,
        status: oneOf(codec, DELIVERY_STATUSES, row.status, 'deliveries.status'),
        attempts: row.attempts,
        nextAttemptAt: codec.date(row.next_attempt_at),
        lastError: row.last_error,
        createdAt: codec.date(row.created_at),
        finishedAt: dateOrNull(codec, row.finished_at),
      }
    },
    toRow(delivery: Omit<Delivery, 'id'>): Omit<Row, 'id'> {
      return {
        delivery_id: delivery.deliveryId,
        target: delivery.target,
        event: codec.json(delivery.event),
        ordering_key: delivery.orderingKey,
        status: delivery.status,
        attempts: delivery.attempts,
        next_attempt_at: codec.instant(delivery.nextAttemptAt),
        last_error: delivery.lastError,
        created_at: codec.instant(delivery.createdAt),
        finished_at: instantOrNull(codec, delivery.finishedAt),
      }
    },
    patchToRow(patch: DeliveryPatch): Partial<Omit<Row, 'id'>> {
      return {
        ...(patch.status === undefined ? {} : { status: patch.status }),
        ...(patch.attempts === undefined ? {} : { attempts: patch.attempts }),
        ...(patch.nextAttemptAt === undefined ? {} : { next_attempt_at: codec.instant(patch.nextAttemptAt) }),
        ...(patch.lastError === undefined ? {} : { last_error: patch.lastError }),
        ...(patch.finishedAt === undefined ? {} : { finished_at: instantOrNull(codec, patch.finishedAt) }),
      }
    },
  }
}

// --- internal ---

/** A NotificationEvent after JSON.stringify: Dates became ISO strings. */
interface EventJson {
  readonly name: string
  readonly at: string
  readonly incident?: Record<keyof Incident, unknown>
  readonly note?: string
  readonly daemon?: string
  readonly host?: string
}

/** Revives the Dates of a stored event (its own and its incident's). */
function eventFromJson(codec: ColumnCodec<ColumnTypes>, json: unknown, deliveryId: number): NotificationEvent {
  const where = `deliveries.event of ${deliveryId}`
  if (typeof json !== 'object' || json === null) throw corruptRow(codec, `${where}: not an object`)
  const raw = json as EventJson
  const isoDate = (value: unknown): Date => {
    const date = typeof value === 'string' ? new Date(value) : undefined
    if (date === undefined || Number.isNaN(date.getTime()))
      throw corruptRow(codec, `${where}: bad instant ${String(value)}`)
    return date
  }
  const event: { -readonly [K in keyof NotificationEvent]: NotificationEvent[K] } = {
    name: oneOf(codec, EVENT_NAMES, raw.name, where),
    at: isoDate(raw.at),
  }
  if (raw.incident !== undefined) {
    const i = raw.incident
    event.incident = {
      id: i.id as number,
      state: oneOf(codec, INCIDENT_STATES, i.state, where),
      triggerType: oneOf(codec, TRIGGER_TYPES, i.triggerType, where),
      title: i.title as string,
      description: i.description as string | null,
      contractId: i.contractId as number | null,
      openedAt: isoDate(i.openedAt),
      recoveredAt: i.recoveredAt === null ? null : isoDate(i.recoveredAt),
      relapsedAt: i.relapsedAt === null ? null : isoDate(i.relapsedAt),
      resolvedAt: i.resolvedAt === null ? null : isoDate(i.resolvedAt),
    }
  }
  if (raw.note !== undefined) event.note = raw.note
  if (raw.daemon !== undefined) event.daemon = raw.daemon
  if (raw.host !== undefined) event.host = raw.host
  return event
}
