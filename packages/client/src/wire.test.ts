import { describe, expect, it } from 'vitest'
import { camelCase, fromWire, snakeCase, toWire, toWireJson } from './wire.js'

describe('the wire serializer', () => {
  it('converts keys to snake_case and instants to RFC 3339 UTC strings, recursively', () => {
    const value = {
      activeIncidents: [{ id: 3, openedAt: new Date('2026-11-22T00:43:54.123Z'), recoveredAt: null }],
      contracts: [
        {
          contract: { staleIncidentAt: new Date(0), rules: { staleAfter: 300000, overlapIncident: true } },
          lastReport: undefined,
        },
      ],
      deliveries: { pending: 1, delivered: 0, failed: 2 },
    }
    expect(toWire(value)).toEqual({
      active_incidents: [{ id: 3, opened_at: '2026-11-22T00:43:54.123Z', recovered_at: null }],
      contracts: [
        {
          contract: {
            stale_incident_at: '1970-01-01T00:00:00.000Z',
            rules: { stale_after: 300000, overlap_incident: true },
          },
        },
      ],
      deliveries: { pending: 1, delivered: 0, failed: 2 },
    })
  })

  it('writes the JSON text of toWire in one pass, exactly', () => {
    const values: unknown[] = [
      {
        sample: { id: 1, pushedAt: new Date(0), comment: 'a "quoted"\nline ✓', host: null, rules: { staleAfter: 5 } },
        opened: [],
        skipped: undefined,
        list: [1, undefined, () => 1, 'x', [new Date(1)], { deepKeyName: false }],
        '"oddKey\\': -0,
        nan: Number.NaN,
        fn: () => 1,
      },
      [],
      'text',
      42,
      null,
    ]
    for (const value of values) expect(toWireJson(value)).toBe(JSON.stringify(toWire(value)))
  })

  it('turns strings under *_at and at keys back into dates, and nothing else', () => {
    const json = {
      opened_at: '2026-11-22T00:43:54.123Z',
      at: '2026-01-01T00:00:00Z',
      title: '2026-11-22T00:43:54.123Z',
      next_at: 'not a date',
    }
    const back = fromWire(json) as Record<string, unknown>
    expect(back.openedAt).toEqual(new Date('2026-11-22T00:43:54.123Z'))
    expect(back.at).toEqual(new Date('2026-01-01T00:00:00Z'))
    expect(back.title).toBe('2026-11-22T00:43:54.123Z')
    expect(back.nextAt).toBe('not a date')
  })

  it('round-trips a view through JSON', () => {
    const view = {
      kind: 'report',
      contract: { id: 1, code: 'db.backup', createdAt: new Date('2025-01-01T00:00:00Z'), staleAt: null },
      report: {
        kind: 'run',
        startedAt: new Date('2025-01-01T01:00:00Z'),
        endedAt: new Date('2025-01-01T01:05:00.5Z'),
        endComment: 'ok',
      },
      steps: [{ id: 1, label: 'dump', at: new Date('2025-01-01T01:01:00Z') }],
      activeIncidentIds: [1, 2],
    }
    expect(fromWire(JSON.parse(JSON.stringify(toWire(view))))).toEqual(view)
  })

  it('converts key names both ways', () => {
    expect(snakeCase('activeIncidentIds')).toBe('active_incident_ids')
    expect(snakeCase('already_snake')).toBe('already_snake')
    expect(camelCase('active_incident_ids')).toBe('activeIncidentIds')
    expect(camelCase('_event')).toBe('_event')
  })

  it('converts the same way once its key caches are full (thousands of distinct keys)', () => {
    for (let i = 0; i < 5000; i++) {
      expect(snakeCase(`someKey${i}X`)).toBe(`some_key${i}_x`)
      expect(camelCase(`some_key_${i}_x`)).toBe(`someKey${i}X`)
    }
    expect(snakeCase('activeIncidentIds')).toBe('active_incident_ids')
    expect(camelCase('active_incident_ids')).toBe('activeIncidentIds')
  })
})
