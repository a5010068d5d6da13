import type { RetryPolicy } from './ports/notifier.js'

/** The longest wait between two attempts when a policy sets none: 1 hour. */
export const DEFAULT_MAX_RETRY_DELAY_MS = 3_600_000

/**
 * The wait before retry number `retry` (1 = the first retry) of `policy`: `delayMs` doubled for
 * each retry before it, capped at `maxDelayMs`, then jittered down by up to half (so that targets
 * failing together do not retry together; a retry never comes later than the doubled delay).
 *
 * @param random - a number in [0, 1), e.g. `Math.random()`.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: number): number {
  const max = policy.maxDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS
  // 2 ** 52 is already beyond any cap: the exponent is bounded so the product stays finite.
  const doubled = Math.min(policy.delayMs * 2 ** Math.min(Math.max(0, retry - 1), 52), max)
  return Math.round(doubled - (doubled / 2) * random)
}
