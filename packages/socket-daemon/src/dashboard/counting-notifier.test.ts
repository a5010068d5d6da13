import type { Delivery, DeliveryOutcome, Notifier } from '@timon/core'
import { describe, expect, it } from 'vitest'
import { countingNotifier } from './counting-notifier.js'

describe('countingNotifier', () => {
  it('counts each attempt’s outcome by target and passes everything else through', async () => {
    const outcomes: Record<string, DeliveryOutcome> = { ops: { ok: true }, pager: { ok: false, error: 'HTTP 503' } }
    const inner: Notifier = {
      targetsFor: () => ['ops', 'pager'],
      retryPolicy: (target) => (target === 'ops' ? { retries: 2, delayMs: 1000 } : undefined),
      deliver: (delivery) => Promise.resolve(outcomes[delivery.target] ?? { ok: true }),
    }
    const counted: [string, boolean][] = []
    const notifier = countingNotifier(inner, (target, ok) => counted.push([target, ok]))
    expect(notifier.targetsFor('incident.open')).toEqual(['ops', 'pager'])
    expect(notifier.retryPolicy('ops')).toEqual({ retries: 2, delayMs: 1000 })
    expect(await notifier.deliver({ target: 'pager' } as Delivery)).toEqual({ ok: false, error: 'HTTP 503' })
    expect(await notifier.deliver({ target: 'ops' } as Delivery)).toEqual({ ok: true })
    expect(counted).toEqual([
      ['pager', false],
      ['ops', true],
    ])
  })
})
