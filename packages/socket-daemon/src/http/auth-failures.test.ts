import { describe, expect, it } from 'vitest'
import { AUTH_FAILURE_BURST, AuthFailures, clientKey } from './auth-failures.js'

describe('AuthFailures', () => {
  it('allows the burst, then answers a wait, regaining an attempt every 6 s', () => {
    let now = 0
    const blocked: string[] = []
    const failures = new AuthFailures(
      (address, seconds) => blocked.push(`${address} ${seconds}`),
      () => now,
    )
    for (let i = 0; i < AUTH_FAILURE_BURST; i += 1) expect(failures.failed('10.0.0.1')).toBeUndefined()
    expect(failures.refusal('10.0.0.1')).toBe(6)
    expect(failures.failed('10.0.0.1')).toBe(6)
    expect(failures.failed('10.0.0.1')).toBe(6)
    expect(blocked).toEqual(['10.0.0.1 6'])
    // Another address is untouched.
    expect(failures.refusal('10.0.0.2')).toBeUndefined()
    now += 6_000
    expect(failures.refusal('10.0.0.1')).toBeUndefined()
    expect(failures.failed('10.0.0.1')).toBeUndefined()
    // A new lockout is told again.
    expect(failures.failed('10.0.0.1')).toBe(6)
    expect(blocked).toEqual(['10.0.0.1 6', '10.0.0.1 6'])
  })
})

describe('clientKey', () => {
  it('counts IPv4 (mapped too) as is and IPv6 by its /64', () => {
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7')
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(clientKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64')
    expect(clientKey('2001:0db8:0000:0001:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:0:1::/64')
    expect(clientKey('::1')).toBe('0:0:0:0::/64')
    expect(clientKey('64:ff9b::192.0.2.7')).toBe('64:ff9b:0:0::/64')
    expect(clientKey(undefined)).toBe('unknown')
  })
})
