import { describe, expect, it } from 'vitest'
import type { ColumnCodec, ColumnTypes } from '../column-codec.js'
import { deliveryRows } from './delivery-rows.js'

/** A schema keeping instants as ISO text and flags as 'y'/'n': the mapping must not care which. */
interface TextColumns extends ColumnTypes {
  readonly instant: string
  readonly flag: string
  readonly json: string
  readonly list: string
}

const TEXT_COLUMNS: ColumnCodec<TextColumns> = {
  store: 'TextStore',
  instant: (date) => date.toISOString(),
  date: (text) => new Date(text),
  flag: (value) => (value ? 'y' : 'n'),
  bool: (text) => text === 'y',
  json: (value) => JSON.stringify(value),
  parsed: (text) => JSON.parse(text),
  list: (values) => values.join(','),
  listed: (text) => text.split(','),
}

const rows = deliveryRows(TEXT_COLUMNS)
const at = new Date('2026-12-02T10:00:00Z')
const delivery = {
  deliveryId: 'd-1',
  target: 'ops',
  event: {
    name: 'incident.open' as const,
    at,
    incident: {
      id: 7,
      state: 'open' as const,
      triggerType: 'critical' as const,
      title: 'db.main is critical',
      description: null,
      contractId: 3,
      openedAt: at,
      recoveredAt: null,
      relapsedAt: null,
      resolvedAt: null,
    },
    note: 'first',
  },
  orderingKey: 'incident:7',
  status: 'pending' as const,
  attempts: 0,
  nextAttemptAt: at,
  lastError: null,
  createdAt: at,
  finishedAt: null,
}

describe('deliveryRows', () => {
  it('maps a delivery to a row in the schema’s encodings and back, reviving the event’s instants', () => {
    const row = rows.toRow(delivery)
    expect(row.next_attempt_at).toBe('2026-12-02T10:00:00.000Z')
    expect(typeof row.event).toBe('string')
    expect(rows.toDomain({ id: 1, ...row })).toEqual({ id: 1, ...delivery })
  })

  it('names the store, the row and the field of an event it cannot read', () => {
    const row = { id: 4, ...rows.toRow(delivery) }
    expect(() => rows.toDomain({ ...row, event: '{"name":"incident.open","at":"yesterday"}' })).toThrow(
      'TextStore: corrupt row: deliveries.event of 4: bad instant yesterday',
    )
    expect(() => rows.toDomain({ ...row, event: '"text"' })).toThrow('deliveries.event of 4: not an object')
    expect(() => rows.toDomain({ ...row, status: 'lost' })).toThrow(
      expect.objectContaining({ name: 'CorruptRowError', message: expect.stringContaining('deliveries.status') }),
    )
  })
})
