import { setTimeout as sleep } from 'node:timers/promises'
import {
  formatIncidentCode,
  type CheckResult,
  type Clock,
  type Dispatcher,
  type Incident,
  type Monitor,
} from '@timon/core'
import type { Logger } from './logger.js'

/** Options of a {@link Scheduler}. */
export interface SchedulerOptions {
  readonly monitor: Monitor
  readonly dispatcher: Dispatcher
  /** The clock deadlines are compared with (the Monitor's). */
  readonly clock: Clock
  readonly log: Logger
  /** Emit `timon.ping` this often, in ms; `undefined` = never. */
  readonly pingIntervalMs?: number | undefined
  /**
   * Wake up at least this often even with nothing armed, in ms (default 60 s). With other daemons
   * on the store, also how soon this one sees a delivery whose claim another left to run out.
   */
  readonly safetyIntervalMs?: number
  /** Names this daemon in `timon.ping` (the `daemon` key). */
  readonly daemonName?: string
}

/**
 * The daemon's poller, without polling: one timer sleeps until the earliest of the Monitor's next
 * deadline and the outbox's next due delivery, then runs `monitor.check()` and wakes the
 * Dispatcher (again while something is due). {@link rearm} is called after anything that may have
 * moved a deadline or queued a delivery, so an incident opens on time rather than a tick late.
 *
 * The one Dispatcher works in the background: a push never waits for a webhook. Errors are
 * logged, never thrown.
 */
export class Scheduler {
  readonly #monitor: Monitor
  readonly #dispatcher: Dispatcher
  readonly #clock: Clock
  readonly #log: Logger
  readonly #pingIntervalMs: number | undefined
  readonly #safetyIntervalMs: number
  readonly #daemonName: string | undefined
  #timer: NodeJS.Timeout | undefined
  #pingTimer: NodeJS.Timeout | undefined
  #evaluating: Promise<void> | undefined
  #again = false
  /** When the last evaluation ended (`performance.now()`), to space evaluations. */
  #lastEvaluationAt = Number.NEGATIVE_INFINITY
  #started = false
  #stopped = false

  constructor(options: SchedulerOptions) {
    this.#monitor = options.monitor
    this.#dispatcher = options.dispatcher
    this.#clock = options.clock
    this.#log = options.log
    this.#pingIntervalMs = options.pingIntervalMs
    this.#safetyIntervalMs = options.safetyIntervalMs ?? 60_000
    this.#daemonName = options.daemonName
  }

  /** Evaluates what is due now (deadlines missed while the daemon was down, pending deliveries) and arms the timers. */
  start(): void {
    if (this.#started || this.#stopped) return
    this.#started = true
    this.#dispatcher.start()
    this.#armPing()
    this.#request()
  }

  /**
   * Re-evaluates when to wake up: call after a push (a deadline may have moved), and with
   * `deliveries: true` after deliveries were queued (the Dispatcher is woken at once).
   * Calls in a burst are coalesced.
   */
  rearm(change: { readonly deliveries?: boolean } = {}): void {
    if (change.deliveries === true) this.#dispatcher.wake()
    this.#request()
  }

  /** Whether the scheduler is between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.#started && !this.#stopped
  }

  /**
   * Stops the timers and the Dispatcher, and waits for the evaluation and the delivery attempts in
   * progress (an attempt lasts at most the slowest webhook's timeout).
   */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    clearTimeout(this.#pingTimer)
    await this.#evaluating
    await this.#dispatcher.stop()
  }

  // --- internal ---

  #request(): void {
    if (!this.#started || this.#stopped) return
    this.#again = true
    if (this.#evaluating !== undefined) return
    this.#evaluating = this.#evaluateWhileAsked().finally(() => {
      this.#evaluating = undefined
    })
  }

  /**
   * Evaluates until no new request came in meanwhile, at most once per COALESCE_MS: a burst of
   * pushes (each asking to re-arm) costs one evaluation, not one each.
   */
  async #evaluateWhileAsked(): Promise<void> {
    while (this.#again && !this.#stopped) {
      const wait = this.#lastEvaluationAt + COALESCE_MS - performance.now()
      if (wait > 0) await sleep(wait)
      if (this.#stopped) return
      this.#again = false
      clearTimeout(this.#timer)
      let wake: number | undefined
      try {
        wake = await this.#evaluate()
      } catch (error) {
        this.#log.error('the scheduler failed; retrying in 1s', error)
        wake = this.#clock.now().getTime() + ERROR_RETRY_MS
      }
      this.#lastEvaluationAt = performance.now()
      if (this.#stopped) return
      this.#arm(wake)
    }
  }

  /** Runs what is due; returns when to wake up next (clock time in ms), or `undefined` for nothing armed. */
  async #evaluate(): Promise<number | undefined> {
    let checked: number | undefined
    for (let pass = 0; ; pass++) {
      const now = this.#clock.now().getTime()
      let deadline = (await this.#monitor.nextDeadline())?.getTime()
      if (deadline !== undefined && deadline <= now && deadline === checked) {
        // check() left this deadline due: a bug, but not one to spin on.
        this.#log.warn(
          `a deadline due at ${new Date(deadline).toISOString()} was not cleared by check(); retrying in 1s`,
        )
        deadline = now + ERROR_RETRY_MS
      }
      if (deadline !== undefined && deadline <= now && pass < MAX_PASSES) {
        checked = deadline
        await this.#check()
        continue
      }
      // Due now: the Dispatcher takes it, and wakes itself as its attempts end.
      const due = (await this.#dispatcher.nextDueAt())?.getTime()
      if (due !== undefined && due <= now) this.#dispatcher.wake()
      return minDefined(deadline, due !== undefined && due > now ? due : undefined)
    }
  }

  async #check(): Promise<void> {
    const result = await this.#monitor.check()
    if (result.isErr()) {
      this.#log.error(`checking deadlines failed: ${result.error.message}`)
      return
    }
    this.#report(result.value)
  }

  #report(result: CheckResult): void {
    for (const code of result.markedStale) this.#log.info(`${code} is stale`)
    for (const incident of result.opened) this.#log.info(`${describe(incident)} opened`)
    for (const incident of result.relapsed) this.#log.info(`${describe(incident)} relapsed`)
    for (const incident of result.recovered) this.#log.info(`${describe(incident)} recovered`)
    if (result.opened.length + result.relapsed.length + result.recovered.length > 0) this.#dispatcher.wake()
  }

  #arm(wake: number | undefined): void {
    clearTimeout(this.#timer)
    const now = this.#clock.now().getTime()
    const delay =
      wake === undefined ? this.#safetyIntervalMs : Math.min(Math.max(0, wake - now) + 1, this.#safetyIntervalMs)
    // Kept referenced: the timer is what keeps the daemon's promises.
    this.#timer = setTimeout(() => this.#request(), Math.min(delay, MAX_TIMER_MS))
  }

  #armPing(): void {
    if (this.#pingIntervalMs === undefined || this.#stopped) return
    this.#pingTimer = setTimeout(
      () => {
        void this.#ping().finally(() => this.#armPing())
      },
      Math.min(this.#pingIntervalMs, MAX_TIMER_MS),
    )
  }

  async #ping(): Promise<void> {
    if (this.#stopped) return
    try {
      const result = await this.#monitor.emit(
        'timon.ping',
        this.#daemonName === undefined ? {} : { daemon: this.#daemonName },
      )
      if (result.isOk() && result.value.deliveries > 0) this.rearm({ deliveries: true })
    } catch (error) {
      this.#log.error('queueing timon.ping failed', error)
    }
  }
}

// --- internal ---

/** setTimeout's longest delay (2^31-1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1
const ERROR_RETRY_MS = 1000
/** The shortest time between two evaluations; also the most a re-arm may be late by. */
const COALESCE_MS = 10
/** check() batches; after this many passes in one evaluation, the rest waits for the next one. */
const MAX_PASSES = 20

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return Math.min(a, b)
}

function describe(incident: Incident): string {
  return `${formatIncidentCode(incident.id)} (${incident.triggerType}) "${incident.title}"`
}
