import { backoffDelay } from './backoff.js'
import type { Delivery } from './domain.js'
import { errorMessage } from './error-message.js'
import type { Clock } from './ports/clock.js'
import type { LogSink } from './ports/logger.js'
import type { DeliveryOutcome, Notifier } from './ports/notifier.js'
import type { DeliveryClaim, DeliveryPatch, Store } from './ports/store.js'

/** Options of a {@link Dispatcher}. */
export interface DispatcherOptions {
  readonly store: Store
  readonly notifier: Notifier
  readonly clock: Clock
  /** Deliveries attempted at once, across all targets, for the dispatcher's whole life (default 8). */
  readonly concurrency?: number
  /** Deliveries attempted at once for one target (default 2), so a hanging target cannot take every slot. */
  readonly perTargetConcurrency?: number
  /** Due deliveries held in memory waiting for a slot (default 256); the rest stay in the store until there is room. */
  readonly batchSize?: number
  /** The longest wait a target may ask for with Retry-After, in ms (default 1 hour). */
  readonly maxRetryAfterMs?: number
  /** The jitter of retry delays: a number in [0, 1) per retry (default `Math.random`; tests fix it). */
  readonly random?: () => number
  /** Where outcomes (debug) and failures of the outbox itself (error) are reported; default: nowhere. */
  readonly log?: LogSink
  /**
   * Called when a delivery will be due again at `at` (a retry): the caller must {@link Dispatcher.wake}
   * the dispatcher then, e.g. by re-reading {@link Dispatcher.nextDueAt} for its timer.
   */
  readonly onRetryAt?: (at: Date) => void
  /**
   * Who this dispatcher claims deliveries as (see `StoreTx.claimDueDeliveries`): unique among the
   * dispatchers sharing a store, e.g. a daemon's name and a nonce. Default: a random id.
   */
  readonly owner?: string
  /**
   * How long a claim keeps other dispatchers off a delivery, in ms (default 15 s). Claims are
   * renewed on every read of the outbox, so it must be longer than one attempt (a target's timeout);
   * when a dispatcher dies, another takes its deliveries over once it runs out.
   */
  readonly leaseMs?: number
}

/** Outcomes recorded by a {@link Dispatcher}, e.g. during one {@link Dispatcher.drain}. */
export interface DispatchReport {
  readonly delivered: number
  readonly rescheduled: number
  readonly failed: number
  /** Attempts whose outcome was not recorded: another dispatcher had taken the delivery over meanwhile. */
  readonly superseded: number
}

/**
 * Works off the outbox for as long as it runs: every due delivery is attempted and its outcome
 * recorded (delivered, rescheduled after the policy's backoff (see `backoffDelay`) or the target's Retry-After, or failed
 * with its reason once retries are exhausted or the failure is final).
 *
 * One long-lived dispatcher serves a daemon: its limits (`concurrency` in all,
 * `perTargetConcurrency` per target) hold across every {@link wake}, and a delivery is attempted by
 * at most one attempt at a time. Deliveries of one target and ordering key (one incident's events)
 * go out in order, one at a time, also across retries: the store only offers the oldest pending one.
 * Dispatchers sharing a store (daemons on one database) claim deliveries with a lease, so one
 * delivery is attempted by one of them at a time; one that dies leaves its claims to the others
 * once their leases run out, and its attempts in flight may then repeat, with the same delivery id.
 *
 * It never sleeps or sets timers: the caller {@link wake}s it when deliveries were queued and when
 * {@link nextDueAt} comes (`onRetryAt` says when a retry moved it); finished attempts wake it
 * themselves. A restart resumes where the store says.
 */
export class Dispatcher {
  readonly #store: Store
  readonly #notifier: Notifier
  readonly #clock: Clock
  readonly #concurrency: number
  readonly #perTarget: number
  readonly #batchSize: number
  readonly #maxRetryAfterMs: number
  readonly #random: () => number
  readonly #log: LogSink | undefined
  readonly #onRetryAt: ((at: Date) => void) | undefined
  readonly #claim: DeliveryClaim
  /** Ids of the deliveries held: waiting for a slot or being attempted. */
  readonly #held = new Set<number>()
  /** Ids whose attempt ended while a claim was reading the store: its read may predate their outcome. */
  readonly #endedDuringClaim = new Set<number>()
  /** Deliveries whose outcome could not be recorded, and when to try them again (ms): not at once, so a failing store is not met with a stream of resends. */
  readonly #unrecorded = new Map<number, number>()
  /** Held deliveries waiting for a slot, per target, oldest first. */
  readonly #waiting = new Map<string, Delivery[]>()
  #waitingCount = 0
  readonly #busyPerTarget = new Map<string, number>()
  readonly #attempts = new Set<Promise<void>>()
  #claiming: Promise<void> | undefined
  #claimAgain = false
  #state: 'new' | 'running' | 'stopped' = 'new'
  readonly #recorded = { delivered: 0, rescheduled: 0, failed: 0, superseded: 0 }

  constructor(options: DispatcherOptions) {
    this.#store = options.store
    this.#notifier = options.notifier
    this.#clock = options.clock
    this.#concurrency = Math.max(1, options.concurrency ?? 8)
    this.#perTarget = Math.max(1, options.perTargetConcurrency ?? 2)
    this.#batchSize = Math.max(1, options.batchSize ?? 256)
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 3_600_000
    this.#random = options.random ?? Math.random
    this.#log = options.log
    this.#onRetryAt = options.onRetryAt
    this.#claim = { owner: options.owner ?? globalThis.crypto.randomUUID(), leaseMs: options.leaseMs ?? 15_000 }
  }

  /** Starts working off what is due now (e.g. deliveries left pending by the last run). Later calls do nothing. */
  start(): void {
    if (this.#state !== 'new') return
    this.#state = 'running'
    this.wake()
  }

  /**
   * Looks for due deliveries: call after queueing deliveries and when {@link nextDueAt} comes.
   * Cheap to call often: calls while the store is being read are merged into one more read.
   * Does nothing before {@link start} or after {@link stop}.
   */
  wake(): void {
    if (this.#state !== 'running') return
    this.#claimAgain = true
    this.#claiming ??= this.#claimWhileAsked().finally(() => {
      this.#claiming = undefined
    })
  }

  /**
   * Stops taking work and resolves once the attempts in flight have been recorded (at most the
   * slowest target's timeout). Deliveries not yet attempted stay pending in the store.
   */
  async stop(): Promise<void> {
    this.#state = 'stopped'
    for (const queue of this.#waiting.values()) for (const delivery of queue) this.#held.delete(delivery.id)
    this.#waiting.clear()
    this.#waitingCount = 0
    await this.#claiming
    await Promise.allSettled([...this.#attempts])
  }

  /**
   * Starts the dispatcher if it is new, wakes it and resolves once nothing due is left to read or
   * attempt (a delivery rescheduled for later is not waited for), with the outcomes recorded
   * meanwhile. For tests, benchmarks and one-shot tools; a daemon only wakes it.
   */
  async drain(): Promise<DispatchReport> {
    const before = { ...this.#recorded }
    this.start()
    this.wake()
    while (this.#claiming !== undefined || this.#attempts.size > 0) {
      await this.#claiming
      await Promise.allSettled([...this.#attempts])
    }
    return {
      delivered: this.#recorded.delivered - before.delivered,
      rescheduled: this.#recorded.rescheduled - before.rescheduled,
      failed: this.#recorded.failed - before.failed,
      superseded: this.#recorded.superseded - before.superseded,
    }
  }

  /** Attempts in flight now, in all and per target. */
  get inFlight(): { readonly total: number; readonly perTarget: ReadonlyMap<string, number> } {
    return { total: this.#attempts.size, perTarget: new Map(this.#busyPerTarget) }
  }

  /**
   * When the dispatcher must next be woken: the earliest due time of a pending delivery it does
   * not hold and that is not waiting behind an older delivery of its incident, or `undefined`
   * when there is none (what it holds wakes it when done). A time at or before now means "wake it now".
   */
  async nextDueAt(): Promise<Date | undefined> {
    return this.#store.transaction(async (tx) => {
      const next = await tx.nextDeliveryAt()
      if (next === undefined || next > this.#clock.now()) return next
      // The earliest pending delivery is due, but it may be held, or wait behind an older
      // delivery of its incident that is due later: then that one's time counts.
      const heads = await tx.dueDeliveries(LATEST_DATE, MAX_LIMIT)
      let earliest: number | undefined
      for (const head of heads) {
        if (this.#held.has(head.id)) continue
        const at = Math.max(head.nextAttemptAt.getTime(), this.#unrecorded.get(head.id) ?? 0)
        if (earliest === undefined || at < earliest) earliest = at
      }
      return earliest === undefined ? undefined : new Date(earliest)
    })
  }

  // --- internal ---

  /** Reads due deliveries into the waiting queues until no wake came in meanwhile, then fills free slots. */
  async #claimWhileAsked(): Promise<void> {
    while (this.#claimAgain && this.#state === 'running') {
      this.#claimAgain = false
      this.#endedDuringClaim.clear()
      const room = this.#batchSize - this.#waitingCount
      if (room <= 0) break
      let due: readonly Delivery[]
      try {
        // Held deliveries are still pending and come first (their claims renewed): ask for enough to see `room` others.
        due = await this.#store.transaction((tx) =>
          tx.claimDueDeliveries(this.#clock.now(), this.#claim, this.#held.size + room),
        )
      } catch (error) {
        this.#log?.error(`reading the outbox failed: ${errorMessage(error)}`)
        break
      }
      if (this.#state !== 'running') break
      const now = this.#clock.now().getTime()
      let taken = 0
      for (const delivery of due) {
        if (taken === room) break
        if (this.#held.has(delivery.id) || this.#endedDuringClaim.has(delivery.id)) continue
        if ((this.#unrecorded.get(delivery.id) ?? 0) > now) continue
        this.#unrecorded.delete(delivery.id)
        this.#hold(delivery)
        taken += 1
      }
      this.#launch()
    }
    this.#endedDuringClaim.clear()
  }

  #hold(delivery: Delivery): void {
    this.#held.add(delivery.id)
    const queue = this.#waiting.get(delivery.target)
    if (queue === undefined) this.#waiting.set(delivery.target, [delivery])
    else queue.push(delivery)
    this.#waitingCount += 1
  }

  /** Starts waiting deliveries while slots are free, taking targets in turn so each gets its share. */
  #launch(): void {
    let started = true
    while (started && this.#state === 'running' && this.#attempts.size < this.#concurrency) {
      started = false
      for (const [target, queue] of this.#waiting) {
        if (this.#attempts.size >= this.#concurrency) break
        const busy = this.#busyPerTarget.get(target) ?? 0
        if (busy >= this.#perTarget) continue
        const delivery = queue.shift()
        if (queue.length === 0) this.#waiting.delete(target)
        if (delivery === undefined) continue
        this.#waitingCount -= 1
        this.#busyPerTarget.set(target, busy + 1)
        this.#track(delivery)
        started = true
      }
    }
  }

  #track(delivery: Delivery): void {
    const attempt: Promise<void> = this.#attempt(delivery)
      .catch((error: unknown) => {
        // The outcome could not be recorded: the delivery stays pending and is attempted again later.
        const retryAt = this.#clock.now().getTime() + RECORDING_RETRY_MS
        this.#unrecorded.set(delivery.id, retryAt)
        this.#onRetryAt?.(new Date(retryAt))
        this.#log?.error(`recording the outcome of delivery ${delivery.deliveryId} failed: ${errorMessage(error)}`)
      })
      .finally(() => {
        this.#attempts.delete(attempt)
        const busy = (this.#busyPerTarget.get(delivery.target) ?? 1) - 1
        if (busy === 0) this.#busyPerTarget.delete(delivery.target)
        else this.#busyPerTarget.set(delivery.target, busy)
        this.#held.delete(delivery.id)
        if (this.#claiming !== undefined) this.#endedDuringClaim.add(delivery.id)
        this.#launch()
        // Its outcome may have made the next delivery of its incident due.
        this.wake()
      })
    this.#attempts.add(attempt)
  }

  /** One attempt, its outcome recorded; resolves once the store has it. */
  async #attempt(delivery: Delivery): Promise<void> {
    const outcome = await this.#attemptOnce(delivery)
    this.#recorded[outcome] += 1
  }

  async #attemptOnce(delivery: Delivery): Promise<keyof DispatchReport> {
    const policy = this.#notifier.retryPolicy(delivery.target)
    const outcome: DeliveryOutcome =
      policy === undefined
        ? { ok: false, error: `no notifier target named "${delivery.target}" any more`, final: true }
        : await this.#deliverSafely(delivery)
    const now = this.#clock.now()
    const attempts = delivery.attempts + 1
    const settle = async (
      patch: DeliveryPatch,
      result: keyof DispatchReport,
      words: string,
    ): Promise<keyof DispatchReport> => {
      const held = await this.#store.transaction((tx) => tx.settleDelivery(delivery.id, this.#claim.owner, patch))
      if (!held) {
        this.#log?.error(
          `delivery ${delivery.deliveryId} to ${delivery.target} was taken over by another dispatcher (its lease ran out); this attempt (${words}) is not recorded`,
        )
        return 'superseded'
      }
      this.#log?.debug(`delivery ${delivery.deliveryId} to ${delivery.target} ${words}`)
      return result
    }
    if (outcome.ok)
      return settle({ status: 'delivered', attempts, lastError: null, finishedAt: now }, 'delivered', 'delivered')
    if (outcome.final === true || policy === undefined || attempts > policy.retries) {
      return settle(
        { status: 'failed', attempts, lastError: outcome.error, finishedAt: now },
        'failed',
        `failed: ${outcome.error}`,
      )
    }
    const wait = Math.min(outcome.retryAfterMs ?? backoffDelay(policy, attempts, this.#random()), this.#maxRetryAfterMs)
    const retryAt = new Date(now.getTime() + wait)
    const result = await settle(
      { attempts, lastError: outcome.error, nextAttemptAt: retryAt },
      'rescheduled',
      `rescheduled: ${outcome.error}`,
    )
    if (result === 'rescheduled') this.#onRetryAt?.(retryAt)
    return result
  }

  /** A notifier that throws is a bug in it, but must not lose the delivery: count it as a failed attempt. */
  async #deliverSafely(delivery: Delivery): Promise<DeliveryOutcome> {
    try {
      return await this.#notifier.deliver(delivery)
    } catch (error) {
      return { ok: false, error: `notifier threw: ${errorMessage(error)}` }
    }
  }
}

// --- internal ---

/** How long a delivery whose outcome could not be recorded waits before it is attempted again. */
const RECORDING_RETRY_MS = 60_000
/** The latest instant a Date holds: "due at any time". */
const LATEST_DATE = new Date(8.64e15)
/** No limit, in a form every store accepts (SQLite's LIMIT takes a 32-bit-safe integer). */
const MAX_LIMIT = 2 ** 31 - 1
