import type { Delivery } from './domain.js'
import type { Clock } from './ports/clock.js'
import type { DeliveryOutcome, Notifier } from './ports/notifier.js'
import type { Store } from './ports/store.js'

/** Options of a {@link Dispatcher}. */
export interface DispatcherOptions {
  readonly store: Store
  readonly notifier: Notifier
  readonly clock: Clock
  /** Deliveries attempted at once, across all targets (default 8). */
  readonly concurrency?: number
  /** Deliveries attempted at once for one target (default 2), so a hanging target cannot take every slot. */
  readonly perTargetConcurrency?: number
  /** Deliveries claimed per round (default 256). */
  readonly batchSize?: number
  /** The longest wait a target may ask for with Retry-After, in ms (default 1 hour). */
  readonly maxRetryAfterMs?: number
}

/** What one {@link Dispatcher.runDue} round did. */
export interface DispatchReport {
  readonly delivered: number
  readonly rescheduled: number
  readonly failed: number
}

/**
 * Works off the outbox: every due delivery is attempted once per round and its outcome recorded
 * (delivered, rescheduled after the policy's delay or the target's Retry-After, or failed with its
 * reason once retries are exhausted or the failure is final). It never sleeps: the caller runs a
 * round when {@link nextDueAt} comes, so a restart resumes exactly where the store says.
 *
 * One slow target cannot hold back others beyond the shared concurrency, and deliveries with the
 * same target and ordering key (one incident's events) go out in order, one at a time.
 */
export class Dispatcher {
  readonly #store: Store
  readonly #notifier: Notifier
  readonly #clock: Clock
  readonly #concurrency: number
  readonly #perTarget: number
  readonly #batchSize: number
  readonly #maxRetryAfterMs: number
  /** Deliveries being attempted now, so overlapping rounds never attempt one twice. */
  readonly #inFlight = new Set<number>()

  constructor(options: DispatcherOptions) {
    this.#store = options.store
    this.#notifier = options.notifier
    this.#clock = options.clock
    this.#concurrency = Math.max(1, options.concurrency ?? 8)
    this.#perTarget = Math.max(1, options.perTargetConcurrency ?? 2)
    this.#batchSize = Math.max(1, options.batchSize ?? 256)
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 3_600_000
  }

  /** When the earliest pending delivery is due, or `undefined` when none is pending. */
  async nextDueAt(): Promise<Date | undefined> {
    return this.#store.transaction((tx) => tx.nextDeliveryAt())
  }

  /**
   * Attempts every delivery due now (one attempt each) and records the outcomes. Each target works
   * off its own queue with at most `perTargetConcurrency` attempts in flight, all targets together
   * at most `concurrency`.
   */
  async runDue(): Promise<DispatchReport> {
    const due = await this.#store.transaction((tx) => tx.dueDeliveries(this.#clock.now(), this.#batchSize))
    const queues = new Map<string, Delivery[]>()
    for (const delivery of due) {
      if (this.#inFlight.has(delivery.id)) continue
      const queue = queues.get(delivery.target) ?? []
      queue.push(delivery)
      queues.set(delivery.target, queue)
    }
    const report = { delivered: 0, rescheduled: 0, failed: 0 }
    const slots = new Slots(this.#concurrency)
    const worker = async (queue: Delivery[]) => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        await slots.acquire()
        try {
          report[await this.#attempt(next)] += 1
        } finally {
          slots.release()
        }
      }
    }
    await Promise.all(
      [...queues.values()].flatMap((queue) => Array.from({ length: Math.min(this.#perTarget, queue.length) }, () => worker(queue))),
    )
    return report
  }

  // --- internal ---

  async #attempt(delivery: Delivery): Promise<keyof DispatchReport> {
    this.#inFlight.add(delivery.id)
    try {
      const policy = this.#notifier.retryPolicy(delivery.target)
      const outcome: DeliveryOutcome =
        policy === undefined
          ? { ok: false, error: `no notifier target named "${delivery.target}" any more`, final: true }
          : await this.#deliverSafely(delivery)
      const now = this.#clock.now()
      const attempts = delivery.attempts + 1
      if (outcome.ok) {
        await this.#store.transaction((tx) =>
          tx.updateDelivery(delivery.id, { status: 'delivered', attempts, lastError: null, finishedAt: now }),
        )
        return 'delivered'
      }
      if (outcome.final === true || policy === undefined || attempts > policy.retries) {
        await this.#store.transaction((tx) =>
          tx.updateDelivery(delivery.id, { status: 'failed', attempts, lastError: outcome.error, finishedAt: now }),
        )
        return 'failed'
      }
      const wait = Math.min(outcome.retryAfterMs ?? policy.delayMs, this.#maxRetryAfterMs)
      await this.#store.transaction((tx) =>
        tx.updateDelivery(delivery.id, {
          attempts,
          lastError: outcome.error,
          nextAttemptAt: new Date(now.getTime() + wait),
        }),
      )
      return 'rescheduled'
    } finally {
      this.#inFlight.delete(delivery.id)
    }
  }

  /** A notifier that throws is a bug in it, but must not lose the delivery: count it as a failure. */
  async #deliverSafely(delivery: Delivery): Promise<DeliveryOutcome> {
    try {
      return await this.#notifier.deliver(delivery)
    } catch (error) {
      return { ok: false, error: `notifier threw: ${error instanceof Error ? error.message : String(error)}` }
    }
  }
}

/** A counting semaphore without timers: `acquire` waits until a slot is free. */
class Slots {
  #free: number
  readonly #waiting: (() => void)[] = []

  constructor(size: number) {
    this.#free = size
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free -= 1
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }

  release(): void {
    const next = this.#waiting.shift()
    if (next === undefined) this.#free += 1
    else next()
  }
}
