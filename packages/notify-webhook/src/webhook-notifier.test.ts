import { describe, expect, it } from 'vitest'
import { parseWebhooks } from './webhook-config.js'
import { parseRetryAfter, WebhookNotifier } from './webhook-notifier.js'

describe('parseRetryAfter', () => {
  const now = new Date('2026-04-19T00:00:00Z')

  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Sun, 19 Apr 2026 00:01:30 GMT', 90_000],
    ['Sat, 18 Apr 2026 23:00:00 GMT', 0],
  ])('reads %j as a wait of %i ms', (value, wait) => {
    expect(parseRetryAfter(value, now)).toBe(wait)
  })

  it.each([undefined, '', 'soon', '1.5', '-3', '120abc', '2026-04-19'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined()
  })
})

describe('new WebhookNotifier', () => {
  it('refuses two webhooks with the same name', () => {
    const [webhook] = parseWebhooks([{ on: ['*'], url: 'http://127.0.0.1:1/' }])._unsafeUnwrap()
    if (webhook === undefined) throw new Error('no webhook')
    expect(() => new WebhookNotifier({ webhooks: [webhook, webhook] })).toThrow(/unique/)
  })
})
