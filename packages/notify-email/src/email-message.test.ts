import { buildPayload, compileBody } from '@timon/notify-webhook'
import { describe, expect, it } from 'vitest'
import { event } from '../../notify-webhook/test/helpers.js'
import { composeEmail } from './email-message.js'

const compose = (...args: Parameters<typeof event>) => composeEmail(buildPayload(event(...args), 'prod-1'), {})

describe('composeEmail', () => {
  it('titles an opened incident "[timon] INC-<id> <title>", and its later events with their verb', () => {
    expect(compose('incident.open', { incident: { id: 7 } }).subject).toBe('[timon] INC-7 db.backup is critical')
    expect(compose('incident.recovered').subject).toBe('[timon] INC-3 recovered: db.backup is critical')
    expect(compose('timon.started').subject).toBe('[timon] Timon started on prod-1')
  })

  it('writes the incident, its description, the note, its timeline in order and the timon show hint', () => {
    const { text } = compose('incident.resolved', {
      at: new Date('2026-04-19T03:00:00Z'),
      note: 'fixed the cron line',
      incident: {
        state: 'resolved',
        description: 'the nightly dump',
        relapsedAt: new Date('2026-04-19T02:00:00Z'),
        recoveredAt: new Date('2026-04-19T01:00:00Z'),
        resolvedAt: new Date('2026-04-19T03:00:00Z'),
      },
    })
    expect(text).toBe(
      [
        'INC-3 resolved: db.backup is critical',
        '',
        'State:    resolved',
        'Trigger:  critical',
        'Host:     prod-1',
        '',
        'the nightly dump',
        '',
        'Note (2026-04-19T03:00:00Z): fixed the cron line',
        '',
        'Timeline:',
        '  2026-04-19T00:05:40Z  opened',
        '  2026-04-19T01:00:00Z  recovered',
        '  2026-04-19T02:00:00Z  relapsed',
        '  2026-04-19T03:00:00Z  resolved',
        '',
        'The whole timeline and its notes: timon show INC-3',
        '',
      ].join('\n'),
    )
  })

  it('keeps a templated subject on one line', () => {
    const subject = compileBody('{{_event}}\n{{incident.title}}')._unsafeUnwrap()
    expect(composeEmail(buildPayload(event('incident.open'), 'h'), { subject }).subject).toBe(
      'incident.open db.backup is critical',
    )
  })
})
