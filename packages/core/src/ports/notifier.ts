import type { Delivery, EventName } from '../domain.js'

/**
 * Chooses who hears about an event. The Monitor asks it inside the transaction that records a
 * change and writes one outbox delivery per target, so nothing is sent that was not stored first.
 */
export interface NotificationRouter {
  /** The targets (e.g. webhook names) subscribed to `event`, in a stable order. */
  targetsFor(event: EventName): readonly string[]
  /**
   * How often (ms) `target` is reminded of each incident still open or relapsed
   * (`remind_every`, docs/behaviour.md#reminders); `undefined` for none.
   */
  remindEvery?(target: string): number | undefined
}

/** How often and how far apart a target's deliveries are tried. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 = none). */
  readonly retries: number
  /**
   * Milliseconds before the first retry, unless the target asks for another wait (Retry-After);
   * each further retry waits twice as long as the one before, up to {@link maxDelayMs}, with jitter.
   */
  readonly delayMs: number
  /** The longest wait between attempts, in milliseconds (default 1 hour); not above Retry-After's cap. */
  readonly maxDelayMs?: number
}

/** The result of one delivery attempt. */
export type DeliveryOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false
      /** Why it failed, for the outbox and the logs (e.g. `HTTP 503: <first bytes>`). */
      readonly error: string
      /** `true` when retrying cannot help (e.g. HTTP 400): the delivery fails at once. */
      readonly final?: boolean
      /** The wait the target asked for (Retry-After), in milliseconds. */
      readonly retryAfterMs?: number
    }

/**
 * Delivers notifications: the port a webhook, chat or file notifier implements. The core's
 * {@link Dispatcher} claims due deliveries from the store, calls `deliver` once per attempt and
 * records every outcome, so retries survive restarts.
 */
export interface Notifier extends NotificationRouter {
  /** Makes one attempt; resolves with the outcome (it should not throw for delivery failures). */
  deliver(delivery: Delivery): Promise<DeliveryOutcome>
  /** The retry policy of a target; unknown targets (removed from the config) get none. */
  retryPolicy(target: string): RetryPolicy | undefined
}
