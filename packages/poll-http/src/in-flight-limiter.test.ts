import { describe, expect, it } from 'vitest'
import { InFlightLimiter } from './in-flight-limiter.js'

const never = new AbortController().signal

describe('InFlightLimiter', () => {
  it('bounds the slots held overall, serving waiters in order', async () => {
    const limiter = new InFlightLimiter(2)
    const a = await limiter.acquire('a', never)
    const b = await limiter.acquire('b', never)
    const order: string[] = []
    const c = limiter.acquire('c', never).then((release) => {
      order.push('c')
      return release
    })
    const d = limiter.acquire('d', never).then((release) => {
      order.push('d')
      return release
    })
    expect(limiter.waiting).toBe(2)
    a?.()
    a?.() // a second release does nothing
    ;(await c)?.()
    b?.()
    ;(await d)?.()
    expect(order).toEqual(['c', 'd'])
    expect(limiter.active).toBe(0)
  })

  it('holds one slot per key, letting other keys pass meanwhile', async () => {
    const limiter = new InFlightLimiter(4)
    const first = await limiter.acquire('http://a/', never)
    let second: (() => void) | undefined
    const waiting = limiter.acquire('http://a/', never).then((release) => (second = release))
    const other = await limiter.acquire('http://b/', never)
    expect(other).toBeDefined()
    await Promise.resolve()
    expect(second).toBeUndefined()
    first?.()
    await waiting
    expect(second).toBeDefined()
  })

  it('gives up a wait when the signal aborts', async () => {
    const limiter = new InFlightLimiter(1)
    const held = await limiter.acquire('a', never)
    const controller = new AbortController()
    const waiting = limiter.acquire('b', controller.signal)
    controller.abort()
    expect(await waiting).toBeUndefined()
    expect(limiter.waiting).toBe(0)
    held?.()
    expect(await limiter.acquire('b', controller.signal)).toBeUndefined() // already aborted
  })
})
