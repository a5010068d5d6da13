import { isIPv4, isIPv6 } from 'node:net'
import { RateLimiter } from './rate-limit.js'

/** Failed authentications an address may make at once before it is refused for a while. */
export const AUTH_FAILURE_BURST = 10
/** Failed authentications an address regains per minute once refused. */
export const AUTH_FAILURES_PER_MINUTE = 10

/**
 * Counts failed authentications per address (a bearer token, a ping URL's secret, a dashboard
 * sign-in): each uses up one of {@link AUTH_FAILURE_BURST}, regained at
 * {@link AUTH_FAILURES_PER_MINUTE}. Past them, a failed API secret is answered 429 with
 * Retry-After rather than 401, and the dashboard's sign-in form refuses the address before it
 * looks at what was typed; the operator hears of it once per lockout. A valid API token is never
 * refused for its address's failures: a herd behind one NAT address must not lose its pushes to
 * one machine with a revoked token. Secrets are 256-bit, so this is not what keeps them safe; it
 * tells a scanner or a misconfigured client to back off, and keeps the log quiet. An IPv6 client
 * is counted by its /64, which one host usually has whole.
 */
export class AuthFailures {
  readonly #limiter: RateLimiter<string>
  readonly #onBlocked: (address: string, seconds: number) => void
  /** Addresses whose last failure was refused: {@link onBlocked} is told only of a new lockout. */
  readonly #blocked = new Set<string>()

  /**
   * @param onBlocked called when an address runs out of attempts, with the seconds it waits.
   * @param now the time in ms, for tests.
   */
  constructor(onBlocked: (address: string, seconds: number) => void, now?: () => number) {
    this.#limiter = new RateLimiter(AUTH_FAILURES_PER_MINUTE / 60, {
      burst: AUTH_FAILURE_BURST,
      ...(now === undefined ? {} : { now }),
    })
    this.#onBlocked = onBlocked
  }

  /** Seconds `address` must wait before it has an attempt left; `undefined` when it has one. */
  refusal(address: string | undefined): number | undefined {
    return this.#limiter.wait(clientKey(address))
  }

  /** Counts a failed authentication from `address`: `undefined` while it had attempts left, else the seconds to wait. */
  failed(address: string | undefined): number | undefined {
    const key = clientKey(address)
    const wait = this.#limiter.take(key)
    if (wait === undefined) {
      this.#blocked.delete(key)
    } else if (!this.#blocked.has(key)) {
      // Bounded as the limiter is: a forgotten address only logs its next lockout again.
      if (this.#blocked.size >= 10_000) this.#blocked.clear()
      this.#blocked.add(key)
      this.#onBlocked(key, wait)
    }
    return wait
  }
}

/** The answer's text to a refused address. */
export function refusalMessage(seconds: number): string {
  return `too many failed authentications from this address; retry in ${seconds}s`
}

/** An address as counted: IPv4 as is (an IPv4-mapped IPv6 too), IPv6 by its /64. */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return 'unknown'
  const mapped = /^::ffff:([0-9.]+)$/i.exec(address)?.[1]
  if (mapped !== undefined && isIPv4(mapped)) return mapped
  if (!isIPv6(address)) return address
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`
}

/** The eight groups of an IPv6 address, `::` expanded (an embedded IPv4 tail counts as two). */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::')
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').flatMap(ipv4AsGroups))
  const front = groupsOf(head)
  const back = tail === undefined ? [] : groupsOf(tail)
  const zeros = Array.from({ length: 8 - front.length - back.length }, () => '0')
  return [...front, ...zeros, ...back].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
}

function ipv4AsGroups(group: string): string[] {
  if (!isIPv4(group)) return [group]
  const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number)
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)]
}
