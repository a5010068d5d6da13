/** Keys a {@link RateLimiter} tracks at most; past it, the longest-tracked keys are forgotten. */
const MAX_KEYS = 10_000

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Requests a key may make at once (default: one second's worth, `perSecond`). */
  readonly burst?: number
  /** The time in ms (default `performance.now`): tests move it without waiting. */
  readonly now?: () => number
}

/**
 * A token bucket per key: `perSecond` requests a second, with a burst of `burst`. Keys come and
 * go (remote addresses), so the buckets kept are capped: forgetting a key only ever gives it its
 * full burst back.
 */
export class RateLimiter<K = number> {
  readonly #perSecond: number
  readonly #burst: number
  readonly #now: () => number
  readonly #buckets = new Map<K, { tokens: number; at: number }>()

  constructor(perSecond: number, options: RateLimiterOptions = {}) {
    this.#perSecond = perSecond
    this.#burst = options.burst ?? perSecond
    this.#now = options.now ?? (() => performance.now())
  }

  /** Takes one request's worth for `key`: `undefined` when allowed, else the seconds to wait (at least 1). */
  take(key: K): number | undefined {
    const bucket = this.#refilled(key)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return undefined
    }
    return this.#secondsUntilOne(bucket.tokens)
  }

  /** What {@link take} would answer for `key`, without taking anything. */
  wait(key: K): number | undefined {
    const bucket = this.#buckets.get(key)
    if (bucket === undefined) return undefined
    const tokens = this.#tokensAt(bucket, this.#now())
    return tokens >= 1 ? undefined : this.#secondsUntilOne(tokens)
  }

  #refilled(key: K): { tokens: number; at: number } {
    const now = this.#now()
    let bucket = this.#buckets.get(key)
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_KEYS) this.#buckets.delete(this.#buckets.keys().next().value as K)
      bucket = { tokens: this.#burst, at: now }
      this.#buckets.set(key, bucket)
    }
    bucket.tokens = this.#tokensAt(bucket, now)
    bucket.at = now
    return bucket
  }

  #tokensAt(bucket: { tokens: number; at: number }, now: number): number {
    return Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond)
  }

  #secondsUntilOne(tokens: number): number {
    return Math.max(1, Math.ceil((1 - tokens) / this.#perSecond))
  }
}

/** Parses `"50/s"`, `"600/m"` (requests per second or minute) into requests per second. */
export function parseRate(text: string): number | undefined {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*\/\s*(s|m)\s*$/.exec(text)
  if (match === null) return undefined
  const count = Number(match[1])
  const perSecond = match[2] === 'm' ? count / 60 : count
  return perSecond > 0 ? perSecond : undefined
}
