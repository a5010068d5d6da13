import { describe, expect, it } from 'vitest'
import { parseRate, RateLimiter } from './rate-limit.js'

describe('RateLimiter', () => {
  it('allows a burst per key, then answers the seconds to wait, and refills with time', () => {
    let now = 0
    const limiter = new RateLimiter<string>(1, { burst: 3, now: () => now })
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([undefined, undefined, undefined])
    expect(limiter.wait('a')).toBe(1)
    expect(limiter.take('a')).toBe(1)
    expect(limiter.take('b')).toBeUndefined()
    now += 2_000
    expect(limiter.wait('a')).toBeUndefined()
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([undefined, undefined, 1])
  })

  it('waits on a key it has never seen for nothing, and a burst defaults to one second', () => {
    const limiter = new RateLimiter(2, { now: () => 0 })
    expect(limiter.wait(7)).toBeUndefined()
    expect([limiter.take(7), limiter.take(7), limiter.take(7)]).toEqual([undefined, undefined, 1])
  })
})

describe('parseRate', () => {
  it('reads per second and per minute', () => {
    expect(parseRate('50/s')).toBe(50)
    expect(parseRate('600/m')).toBe(10)
    expect(parseRate('0/s')).toBeUndefined()
    expect(parseRate('fast')).toBeUndefined()
  })
})
