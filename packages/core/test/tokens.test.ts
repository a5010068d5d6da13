import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MemoryStore, TokenService, scopeAllows } from '../src/index.js'
import { FakeClock } from '../src/testing/index.js'

function setup() {
  const clock = new FakeClock()
  const store = new MemoryStore()
  return { clock, store, tokens: new TokenService({ store, clock }) }
}

describe('TokenService', () => {
  it('creates a token whose secret authenticates it, and keeps only the hash', async () => {
    const { tokens, store } = setup()
    const created = (await tokens.create({ name: 'ci', scope: 'read', codes: ['web.*'] }))._unsafeUnwrap()
    expect(created.secret).toMatch(/^timon_[A-Za-z0-9_-]{43}$/)
    expect(created.token).toMatchObject({
      name: 'ci',
      scope: 'read',
      codes: ['web.*'],
      expiresAt: null,
      revoked: false,
    })
    expect(created.token.secretHash).toMatch(/^[0-9a-f]{64}$/)
    const stored = await store.transaction((tx) => tx.listTokens())
    expect(JSON.stringify(stored)).not.toContain(created.secret)
    expect((await tokens.authenticate(created.secret))._unsafeUnwrap().name).toBe('ci')
  })

  it("authenticates with a synchronous SHA-256 (a server's) the tokens the default one made, and back", async () => {
    const { tokens, store, clock } = setup()
    const sync = new TokenService({
      store,
      clock,
      sha256Hex: (text) => createHash('sha256').update(text).digest('hex'),
    })
    const made = (await tokens.create({ name: 'old' }))._unsafeUnwrap()
    expect((await sync.authenticate(made.secret))._unsafeUnwrap().name).toBe('old')
    const madeSync = (await sync.create({ name: 'new' }))._unsafeUnwrap()
    expect((await tokens.authenticate(madeSync.secret))._unsafeUnwrap().name).toBe('new')
  })

  it('defaults to scope push and every code; makes a different secret each time', async () => {
    const { tokens } = setup()
    const a = (await tokens.create({ name: 'a' }))._unsafeUnwrap()
    const b = (await tokens.create({ name: 'b' }))._unsafeUnwrap()
    expect(a.token).toMatchObject({ scope: 'push', codes: [] })
    expect(a.secret).not.toBe(b.secret)
  })

  it('refuses a bad name, scope, glob or expiry, and a name in use', async () => {
    const { tokens } = setup()
    expect((await tokens.create({ name: '' }))._unsafeUnwrapErr().code).toBe('validation')
    expect((await tokens.create({ name: 'a b' }))._unsafeUnwrapErr().code).toBe('validation')
    expect((await tokens.create({ name: 'x', scope: 'root' as 'admin' }))._unsafeUnwrapErr().message).toContain(
      'invalid scope',
    )
    expect((await tokens.create({ name: 'x', codes: ['web..api'] }))._unsafeUnwrapErr().message).toContain(
      'invalid code glob',
    )
    expect((await tokens.create({ name: 'x', expiresInMs: 0 }))._unsafeUnwrapErr().message).toContain('invalid expiry')
    await tokens.create({ name: 'x' })
    expect((await tokens.create({ name: 'x' }))._unsafeUnwrapErr().code).toBe('conflict')
  })

  it('does not authenticate an unknown, malformed, revoked or expired secret', async () => {
    const { tokens, clock } = setup()
    expect((await tokens.authenticate('timon_nope'))._unsafeUnwrapErr()).toBe('unknown')
    expect((await tokens.authenticate('x'.repeat(1000)))._unsafeUnwrapErr()).toBe('unknown')
    const revoked = (await tokens.create({ name: 'r' }))._unsafeUnwrap()
    await tokens.authenticate(revoked.secret) // cached: the revocation must still apply
    expect((await tokens.revoke('r')).isOk()).toBe(true)
    expect((await tokens.authenticate(revoked.secret))._unsafeUnwrapErr()).toBe('revoked')
    expect((await tokens.revoke('r'))._unsafeUnwrapErr()).toMatchObject({ code: 'not_found', subject: 'token' })
    const expiring = (await tokens.create({ name: 'e', expiresInMs: 60_000 }))._unsafeUnwrap()
    clock.advance('59s')
    expect((await tokens.authenticate(expiring.secret)).isOk()).toBe(true)
    clock.advance('1s')
    expect((await tokens.authenticate(expiring.secret))._unsafeUnwrapErr()).toBe('expired')
  })

  it('records the last use at most once a minute', async () => {
    const { tokens, clock } = setup()
    const { secret } = (await tokens.create({ name: 'u' }))._unsafeUnwrap()
    const first = clock.now()
    await tokens.authenticate(secret)
    clock.advance('30s')
    await tokens.authenticate(secret)
    expect((await tokens.list())._unsafeUnwrap()[0]?.lastUsedAt).toEqual(first)
    clock.advance('30s')
    await tokens.authenticate(secret)
    expect((await tokens.list())._unsafeUnwrap()[0]?.lastUsedAt).toEqual(clock.now())
  })

  it('lists the tokens not revoked, by name', async () => {
    const { tokens } = setup()
    await tokens.create({ name: 'b' })
    await tokens.create({ name: 'a' })
    await tokens.create({ name: 'c' })
    await tokens.revoke('c')
    expect((await tokens.list())._unsafeUnwrap().map((t) => t.name)).toEqual(['a', 'b'])
  })
})

describe('scopeAllows', () => {
  it('lets admin do everything and the others only their own', () => {
    expect(scopeAllows('admin', 'push') && scopeAllows('admin', 'read') && scopeAllows('admin', 'admin')).toBe(true)
    expect(scopeAllows('push', 'push') && scopeAllows('read', 'read')).toBe(true)
    expect(
      scopeAllows('push', 'read') ||
        scopeAllows('read', 'push') ||
        scopeAllows('read', 'admin') ||
        scopeAllows('push', 'admin'),
    ).toBe(false)
  })
})
