import { EVENT_NAMES } from '@timon/core'
import { describe, expect, it } from 'vitest'
import { matchEvent, matchesAny } from './match-event.js'

describe('matchEvent', () => {
  const table: readonly (readonly [string, readonly string[]])[] = [
    ['*', [...EVENT_NAMES]],
    [
      'incident.*',
      [
        'incident.open',
        'incident.recovered',
        'incident.relapsed',
        'incident.resolved',
        'incident.annotated',
        'incident.reminder',
      ],
    ],
    ['timon.*', ['timon.ping', 'timon.started', 'timon.test']],
    ['*.open', ['incident.open']],
    ['*.*', [...EVENT_NAMES]],
    ['incident.open', ['incident.open']],
    ['incident', []],
    ['incident.open.x', []],
    ['Incident.open', []],
    ['incid*', []],
    ['incident.*.x', []],
    ['', []],
  ]

  it.each(table)('pattern %j matches exactly %j', (pattern, expected) => {
    expect(EVENT_NAMES.filter((event) => matchEvent(pattern, event))).toEqual(expected)
  })

  it('matches when any pattern of the list does', () => {
    expect(matchesAny(['timon.ping', '*.open'], 'incident.open')).toBe(true)
    expect(matchesAny(['timon.ping', '*.open'], 'incident.resolved')).toBe(false)
    expect(matchesAny([], 'incident.open')).toBe(false)
  })
})
