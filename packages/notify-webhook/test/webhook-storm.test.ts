import { Dispatcher, MemoryStore, type EventName } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { parseWebhooks, WebhookNotifier } from '../src/index.js'
import { event, startReceiver, type Receiver } from './helpers.js'

const INCIDENTS = 200
const TARGETS = ['w0', 'w1', 'w2', 'w3']
const ANSWER_AFTER_MS = 25

/** What the receiver saw of one request: which delivery, to which target, when it came and was answered. */
interface Seen {
  readonly deliveryId: string
  readonly target: string
  readonly incident: number
  readonly event: EventName
  readonly arrived: number
  answered?: number
}

let receiver: Receiver | undefined
afterEach(async () => {
  await receiver?.close()
})

describe('the outbox under a storm of pushes', () => {
  it('sends every delivery once, in incident order, within the limits, however often it is woken', async () => {
    const seen: Seen[] = []
    let inFlight = 0
    let maxInFlight = 0
    const perTarget = new Map<string, number>()
    let maxPerTarget = 0
    let dispatcher: Dispatcher | undefined
    receiver = await startReceiver((req, res) => {
      const target = req.url.split('/').pop() ?? ''
      const body = JSON.parse(req.body) as { _event: EventName; incident: { id: number } }
      const entry: Seen = {
        deliveryId: String(req.headers['x-timon-delivery']),
        target,
        incident: body.incident.id,
        event: body._event,
        arrived: performance.now(),
      }
      seen.push(entry)
      inFlight += 1
      maxInFlight = Math.max(maxInFlight, inFlight)
      perTarget.set(target, (perTarget.get(target) ?? 0) + 1)
      maxPerTarget = Math.max(maxPerTarget, perTarget.get(target) ?? 0)
      dispatcher?.wake() // a push arriving while attempts are in flight
      setTimeout(() => {
        inFlight -= 1
        perTarget.set(target, (perTarget.get(target) ?? 0) - 1)
        entry.answered = performance.now()
        res.end('ok')
      }, ANSWER_AFTER_MS)
    })

    const clock = new FakeClock()
    const store = new MemoryStore()
    const url = receiver.url
    const notifier = new WebhookNotifier({
      webhooks: parseWebhooks(
        TARGETS.map((name) => ({ name, on: ['incident.*'], url: `${url}/${name}` })),
      )._unsafeUnwrap(),
      hostname: 'prod-1',
      clock,
    })
    dispatcher = new Dispatcher({ store, notifier, clock })
    dispatcher.start()

    let ids = 0
    const push = async (incident: number, name: EventName) => {
      await store.transaction((tx) =>
        tx.insertDelivery({
          deliveryId: `INC-${incident}-${name}-${++ids}`,
          target: TARGETS[incident % TARGETS.length] ?? 'w0',
          event: event(name, { incident: { id: incident } }),
          orderingKey: `INC-${incident}`,
          nextAttemptAt: clock.now(),
          createdAt: clock.now(),
        }),
      )
      for (let wake = 0; wake < 3; wake++) dispatcher?.wake()
    }
    // Incidents open and, a little later, recover, while earlier deliveries are still in flight.
    for (let incident = 1; incident <= INCIDENTS; incident++) {
      await push(incident, 'incident.open')
      if (incident > 5) await push(incident - 5, 'incident.recovered')
    }
    for (let incident = INCIDENTS - 4; incident <= INCIDENTS; incident++) await push(incident, 'incident.recovered')
    await dispatcher.drain()
    await dispatcher.stop()
    notifier.close()

    const copies = new Map<string, number>()
    for (const entry of seen) copies.set(entry.deliveryId, (copies.get(entry.deliveryId) ?? 0) + 1)
    expect(seen).toHaveLength(2 * INCIDENTS)
    expect(Math.max(...copies.values())).toBe(1)
    expect(maxInFlight).toBe(8)
    expect(maxPerTarget).toBe(2)
    for (let incident = 1; incident <= INCIDENTS; incident++) {
      const [open, recovered, ...rest] = seen.filter((entry) => entry.incident === incident)
      expect([open?.event, recovered?.event, rest]).toEqual(['incident.open', 'incident.recovered', []])
      expect(open?.answered).toBeLessThanOrEqual(recovered?.arrived ?? 0)
    }
    expect(await store.transaction((tx) => tx.countDeliveries())).toEqual({
      pending: 0,
      delivered: 2 * INCIDENTS,
      failed: 0,
    })
  })
})
