import { describe, expect, it } from 'vitest'
import { Dispatcher } from '../src/dispatcher.js'
import type { Delivery, EventName } from '../src/domain.js'
import { MemoryStore } from '../src/memory-store.js'
import type { DeliveryOutcome, Notifier } from '../src/ports/notifier.js'
import { FakeClock } from '../src/testing/fake-clock.js'

/** One call of the hand notifier, answered when the test says so. */
interface PendingCall {
  readonly delivery: Delivery
  answer(outcome: DeliveryOutcome): void
}

/** A notifier whose attempts stay in flight until the test answers them. */
function handNotifier(retries = 3) {
  const open: PendingCall[] = []
  const sent: string[] = []
  let maxInFlight = 0
  const maxPerTarget = new Map<string, number>()
  const notifier: Notifier = {
    targetsFor: () => [],
    retryPolicy: () => ({ retries, delayMs: 60_000 }),
    deliver: (delivery) =>
      new Promise<DeliveryOutcome>((resolve) => {
        sent.push(delivery.deliveryId)
        const call: PendingCall = {
          delivery,
          answer: (outcome) => {
            open.splice(open.indexOf(call), 1)
            resolve(outcome)
          },
        }
        open.push(call)
        maxInFlight = Math.max(maxInFlight, open.length)
        const toTarget = open.filter((c) => c.delivery.target === delivery.target).length
        maxPerTarget.set(delivery.target, Math.max(maxPerTarget.get(delivery.target) ?? 0, toTarget))
      }),
  }
  return {
    notifier,
    open,
    sent,
    get maxInFlight() {
      return maxInFlight
    },
    maxPerTarget,
    /** Answers every call in flight now with `outcome`. */
    answerAll(outcome: DeliveryOutcome = { ok: true }) {
      for (const call of [...open]) call.answer(outcome)
    },
  }
}

/** A property of `target`, methods bound to it (so that its private fields work behind a Proxy). */
function bound(target: object, key: string | symbol): unknown {
  const value: unknown = Reflect.get(target, key)
  return typeof value === 'function' ? value.bind(target) : value
}

/** Lets every queued promise callback run (the MemoryStore and the dispatcher use no timers). */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function setup(
  options: { retries?: number; concurrency?: number; perTargetConcurrency?: number; batchSize?: number } = {},
) {
  const clock = new FakeClock()
  const store = new MemoryStore()
  const hand = handNotifier(options.retries)
  const dispatcher = new Dispatcher({ store, clock, notifier: hand.notifier, ...options })
  let n = 0
  /** Queues one event of an incident for a target, due now. */
  const queue = (target: string, incident: number, name: EventName) =>
    store.transaction((tx) =>
      tx.insertDelivery({
        deliveryId: `${target}/INC-${incident}/${name}/${++n}`,
        target,
        event: { name, at: clock.now() },
        orderingKey: `INC-${incident}`,
        nextAttemptAt: clock.now(),
        createdAt: clock.now(),
      }),
    )
  return { clock, store, dispatcher, hand, queue }
}

describe('the dispatcher', () => {
  it('keeps its limits across every wake: 8 in flight in all, 2 per target', async () => {
    const { dispatcher, hand, queue } = setup()
    dispatcher.start()
    for (let incident = 1; incident <= 30; incident++) {
      for (const target of ['a', 'b', 'c', 'd', 'e']) {
        await queue(target, incident, 'incident.open')
        dispatcher.wake()
      }
    }
    await settled()
    expect(hand.open).toHaveLength(8)
    expect(dispatcher.inFlight.total).toBe(8)

    // Answer in waves, waking on every answer as a busy daemon would.
    while (hand.open.length > 0) {
      hand.open[0]?.answer({ ok: true })
      dispatcher.wake()
      await settled()
      expect(hand.open.length).toBeLessThanOrEqual(8)
    }
    expect(hand.maxInFlight).toBe(8)
    expect(Math.max(...hand.maxPerTarget.values())).toBe(2)
    expect(hand.sent).toHaveLength(150)
    expect(new Set(hand.sent).size).toBe(150)
  })

  it('attempts a delivery waiting for a slot once, however often it is woken', async () => {
    const { dispatcher, hand, queue } = setup({ concurrency: 1 })
    dispatcher.start()
    for (let incident = 1; incident <= 5; incident++) await queue('a', incident, 'incident.open')
    for (let wake = 0; wake < 20; wake++) dispatcher.wake()
    await settled()
    for (let round = 0; round < 5; round++) {
      for (let wake = 0; wake < 20; wake++) dispatcher.wake()
      hand.answerAll()
      await settled()
    }
    expect(hand.sent).toEqual([
      'a/INC-1/incident.open/1',
      'a/INC-2/incident.open/2',
      'a/INC-3/incident.open/3',
      'a/INC-4/incident.open/4',
      'a/INC-5/incident.open/5',
    ])
  })

  it('sends the events of one incident in order, one at a time, also across retries', async () => {
    const { clock, store, hand, queue } = setup()
    const retries: Date[] = []
    const dispatcher = new Dispatcher({
      store,
      clock,
      notifier: hand.notifier,
      random: () => 0,
      onRetryAt: (at) => retries.push(at),
    })
    dispatcher.start()
    await queue('a', 1, 'incident.open')
    await queue('a', 1, 'incident.recovered')
    await queue('a', 1, 'incident.resolved')
    dispatcher.wake()
    await settled()
    expect(hand.open.map((c) => c.delivery.event.name)).toEqual(['incident.open'])

    hand.answerAll({ ok: false, error: 'HTTP 503' })
    dispatcher.wake()
    await settled()
    expect(hand.open).toEqual([]) // the open waits for its retry; the recovery waits behind it
    expect(await dispatcher.nextDueAt()).toEqual(new Date(clock.now().getTime() + 60_000))
    expect(retries).toEqual([new Date(clock.now().getTime() + 60_000)])

    clock.advance('1m')
    dispatcher.wake()
    await settled()
    expect(hand.open.map((c) => c.delivery.event.name)).toEqual(['incident.open'])
    hand.answerAll()
    await settled()
    expect(hand.open.map((c) => c.delivery.event.name)).toEqual(['incident.recovered'])
    hand.answerAll()
    await settled()
    hand.answerAll()
    await settled()
    expect(hand.sent.map((id) => id.split('/')[2])).toEqual([
      'incident.open',
      'incident.open',
      'incident.recovered',
      'incident.resolved',
    ])
  })

  it('answers nextDueAt with nothing while everything due is held, and with now for what it has not taken', async () => {
    const { clock, dispatcher, hand, queue } = setup({ concurrency: 1, batchSize: 1 })
    await queue('a', 1, 'incident.open')
    await queue('a', 2, 'incident.open')
    expect(await dispatcher.nextDueAt()).toEqual(clock.now()) // not started: all due
    dispatcher.start()
    await settled()
    expect(hand.open).toHaveLength(1)
    expect(await dispatcher.nextDueAt()).toEqual(clock.now()) // INC-2 did not fit the batch
    hand.answerAll()
    await settled() // the finished attempt woke it: INC-2 is taken
    expect(hand.open).toHaveLength(1)
    expect(await dispatcher.nextDueAt()).toBeUndefined()
  })

  it('stops taking work on stop() and resolves once the attempts in flight are recorded', async () => {
    const { store, dispatcher, hand, queue } = setup({ concurrency: 1 })
    dispatcher.start()
    await queue('a', 1, 'incident.open')
    await queue('a', 2, 'incident.open')
    dispatcher.wake()
    await settled()
    let stopped = false
    const stopping = dispatcher.stop().then(() => {
      stopped = true
    })
    await settled()
    expect(stopped).toBe(false)
    hand.answerAll()
    await stopping
    dispatcher.wake()
    await settled()
    expect(hand.sent).toHaveLength(1)
    const counts = await store.transaction((tx) => tx.countDeliveries())
    expect(counts).toMatchObject({ delivered: 1, pending: 1 })
  })

  it('counts what a drain recorded, and waits for deliveries that became due meanwhile', async () => {
    const { dispatcher, hand, queue } = setup({ retries: 0 })
    await queue('a', 1, 'incident.open')
    await queue('a', 1, 'incident.recovered')
    await queue('b', 2, 'incident.open')
    const draining = dispatcher.drain()
    for (let i = 0; i < 3; i++) {
      await settled()
      for (const call of [...hand.open])
        call.answer(call.delivery.target === 'a' ? { ok: true } : { ok: false, error: 'HTTP 500' })
    }
    expect(await draining).toEqual({ delivered: 2, rescheduled: 0, failed: 1, superseded: 0 })
  })

  it('keeps a delivery whose outcome could not be recorded pending for a later attempt, and reports it', async () => {
    const { store, clock, hand, queue } = setup()
    const errors: string[] = []
    const log = { debug: () => {}, info: () => {}, warn: () => {}, error: (message: string) => errors.push(message) }
    // The store, except that recording an outcome fails.
    const failing = new Proxy(store, {
      get: (target, key) =>
        key === 'transaction'
          ? (work: Parameters<MemoryStore['transaction']>[0]) =>
              target.transaction((tx) =>
                work(
                  new Proxy(tx, {
                    get: (t, k) =>
                      k === 'settleDelivery' ? () => Promise.reject(new Error('disk full')) : bound(t, k),
                  }),
                ),
              )
          : bound(target, key),
    })
    const dispatcher = new Dispatcher({ store: failing, clock, notifier: hand.notifier, log })
    await queue('a', 1, 'incident.open')
    const draining = dispatcher.drain()
    await settled()
    hand.answerAll()
    await settled()
    await draining
    expect(hand.open).toEqual([])
    expect(await dispatcher.nextDueAt()).toEqual(new Date(clock.now().getTime() + 60_000))
    expect(errors).toEqual([
      expect.stringMatching(/^recording the outcome of delivery a\/INC-1\/incident.open\/1 failed: disk full$/),
    ])
    expect(await store.transaction((tx) => tx.countDeliveries())).toMatchObject({ pending: 1 })
  })

  it('backs off exponentially with jitter up to max_delay, and lets Retry-After win', async () => {
    const clock = new FakeClock()
    const store = new MemoryStore()
    const hand = handNotifier(10)
    const notifier: Notifier = {
      ...hand.notifier,
      retryPolicy: () => ({ retries: 10, delayMs: 1000, maxDelayMs: 5000 }),
    }
    const jitters = [0, 0.5, 0, 0.999, 0]
    const dispatcher = new Dispatcher({ store, clock, notifier, random: () => jitters.shift() ?? 0 })
    await store.transaction((tx) =>
      tx.insertDelivery({
        deliveryId: 'd1',
        target: 'a',
        event: { name: 'incident.open', at: clock.now() },
        orderingKey: null,
        nextAttemptAt: clock.now(),
        createdAt: clock.now(),
      }),
    )
    dispatcher.start()
    const waits: number[] = []
    for (const outcome of [
      { ok: false, error: 'down' },
      { ok: false, error: 'down' },
      { ok: false, error: 'down' },
      { ok: false, error: 'down', retryAfterMs: 42_000 },
      { ok: false, error: 'down' },
      { ok: false, error: 'down' },
    ] as const) {
      await settled()
      hand.answerAll(outcome)
      await settled()
      const next = await dispatcher.nextDueAt()
      waits.push((next?.getTime() ?? Number.NaN) - clock.now().getTime())
      clock.set(next ?? clock.now())
      dispatcher.wake()
    }
    // 1s; 2s jittered down by a quarter; 4s; Retry-After (no jitter drawn); the 5s cap jittered by almost half; the 5s cap.
    expect(waits).toEqual([1000, 1500, 4000, 42_000, 2503, 5000])
  })
})
