/**
 * A token bucket per key: `perSecond` requests a second, with a burst of one second's worth.
 * Time comes from `now` (ms), so it is tested without waiting.
 */
export class RateLimiter {
  readonly #perSecond: number
  readonly #now: () => number
  readonly #buckets = new Map<number, { tokens: number; at: number }>()

  constructor(perSecond: number, now: () => number = () => performance.now()) {
    this.#perSecond = perSecond
    this.#now = now
  }

  /** Takes one request's worth for `key`: `undefined` when allowed, else the seconds to wait (at least 1). */
  take(key: number): number | undefined {
    const now = this.#now()
    const bucket = this.#buckets.get(key) ?? { tokens: this.#perSecond, at: now }
    bucket.tokens = Math.min(this.#perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond)
    bucket.at = now
    this.#buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return undefined
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perSecond))
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
