import { describe, expect, it } from 'vitest'
import { FakeClock } from '@timon/core/testing'
import { csrfMatches, SessionStore } from './sessions.js'

describe('SessionStore', () => {
  it('forgets a session once its lifetime has passed', () => {
    const clock = new FakeClock()
    const sessions = new SessionStore({ clock, ttlMs: 60_000, max: 10 })
    const session = sessions.create({ scope: 'read' })
    clock.advance('59s')
    expect(sessions.get(session.id)).toBe(session)
    clock.advance('1s')
    expect(sessions.get(session.id)).toBeUndefined()
  })

  it('drops the oldest sessions beyond its cap', () => {
    const sessions = new SessionStore({ clock: new FakeClock(), ttlMs: 60_000, max: 2 })
    const [first, second, third] = [1, 2, 3].map(() => sessions.create({ scope: 'admin' }))
    expect(sessions.get(first?.id)).toBeUndefined()
    expect(sessions.get(second?.id)).toBe(second)
    expect(sessions.get(third?.id)).toBe(third)
  })

  it('gives each session its own random id and CSRF token, checked exactly', () => {
    const sessions = new SessionStore({ clock: new FakeClock(), ttlMs: 60_000, max: 10 })
    const a = sessions.create({ scope: 'admin' })
    const b = sessions.create({ scope: 'admin' })
    expect(a.id).not.toBe(b.id)
    expect(a.csrf).toMatch(/^[\w-]{43}$/)
    expect(csrfMatches(a, a.csrf)).toBe(true)
    expect(csrfMatches(a, b.csrf)).toBe(false)
    expect(csrfMatches(a, '')).toBe(false)
  })
})
