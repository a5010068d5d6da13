import { errorMessage, type Clock, type DaemonBeat, type DaemonLiveness, type Store } from '@timon/core'
import type { Logger } from './logger.js'

/** Options of {@link Liveness}. */
export interface LivenessOptions {
  readonly store: Store
  readonly beat: DaemonBeat
  readonly clock: Clock
  readonly log: Logger
  /** A daemon not seen for this long is taken for dead, in ms (`[store] lease`); it beats three times as often. */
  readonly leaseMs: number
}

/**
 * The daemon's heartbeat on a shared store (`Store.heartbeat`), and the list of the daemons alive
 * on it for `timon status`. On a store without heartbeats (SQLite: one daemon), it lists only
 * this daemon. A failed beat is logged once per outage, not on every try.
 */
export class Liveness {
  readonly #store: Store
  readonly #beat: DaemonBeat
  readonly #clock: Clock
  readonly #log: Logger
  readonly #leaseMs: number
  #timer: NodeJS.Timeout | undefined
  #beating: Promise<void> | undefined
  #failing = false

  constructor(options: LivenessOptions) {
    this.#store = options.store
    this.#beat = options.beat
    this.#clock = options.clock
    this.#log = options.log
    this.#leaseMs = options.leaseMs
  }

  /** Beats now, then every third of the lease, until {@link stop}. */
  start(): void {
    if (this.#store.heartbeat === undefined || this.#timer !== undefined) return
    const tick = () => {
      this.#beating = this.#beatOnce().finally(() => {
        this.#beating = undefined
      })
    }
    tick()
    this.#timer = setInterval(tick, Math.max(1000, Math.floor(this.#leaseMs / 3)))
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await this.#beating
  }

  /** The daemons seen within the lease, by name; this daemon alone on a store without heartbeats. */
  async daemons(): Promise<readonly DaemonLiveness[]> {
    if (this.#store.liveDaemons === undefined) return [{ ...this.#beat, lastSeenAt: this.#clock.now() }]
    return this.#store.liveDaemons(this.#leaseMs)
  }

  // --- internal ---

  async #beatOnce(): Promise<void> {
    try {
      await this.#store.heartbeat?.(this.#beat)
      if (this.#failing) this.#log.info('heartbeat recorded again: the database is reachable')
      this.#failing = false
    } catch (error) {
      if (!this.#failing) this.#log.warn(`heartbeat failed: ${errorMessage(error)}`)
      this.#failing = true
    }
  }
}
