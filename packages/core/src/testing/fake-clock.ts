import type { Clock } from '../ports/clock.js'
import { parseDuration } from '../duration.js'

/**
 * A clock that moves only when told to. Use it to test monitoring logic without sleeping:
 * `clock.advance('5m')`, then `monitor.check()`.
 */
export class FakeClock implements Clock {
  #now: number

  /** Starts at `start` (an ISO string, a Date or epoch milliseconds); defaults to 2025-01-01T00:00:00Z. */
  constructor(start: string | number | Date = '2025-01-01T00:00:00Z') {
    this.#now = new Date(start).getTime()
    if (Number.isNaN(this.#now)) throw new RangeError(`FakeClock: invalid start instant ${String(start)}`)
  }

  now(): Date {
    return new Date(this.#now)
  }

  /** Moves time forward by a duration such as `'5m'` or `'1h30m'`, or a number of milliseconds. */
  advance(by: string | number): Date {
    const ms =
      typeof by === 'number'
        ? by
        : parseDuration(by).match(
            (d) => d,
            (e) => {
              throw new RangeError(`FakeClock.advance: ${e.message}`)
            },
          )
    if (ms < 0) throw new RangeError('FakeClock.advance: time only moves forward')
    this.#now += ms
    return this.now()
  }

  /** Jumps to an instant (not before the current one). */
  set(to: string | number | Date): Date {
    // A number is taken as is: `replay` moves its clock before every recorded action.
    const next = typeof to === 'number' ? to : new Date(to).getTime()
    if (Number.isNaN(next) || next < this.#now) throw new RangeError('FakeClock.set: time only moves forward')
    this.#now = next
    return this.now()
  }
}
