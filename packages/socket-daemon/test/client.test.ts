/**
 * The client (`@timon/client`) against the real daemon: a pool of kept-alive connections, a
 * daemon restart, a 413.
 */
import { TimonClient } from '@timon/client'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTempDir, startTestDaemon } from './helpers.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('against the real daemon', () => {
  it('pushes concurrently over a few kept-alive connections', async () => {
    const t = await startTestDaemon()
    cleanups.push(t.cleanup)
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => t.client.pushProbe({ code: `pool.${i % 5}`, health: 'healthy' })),
    )
    expect(results.every((result) => result.isOk())).toBe(true)
    const status = (await t.client.status())._unsafeUnwrap()
    expect(status.contracts.filter((entry) => entry.contract.code.startsWith('pool.'))).toHaveLength(5)
  })

  it('goes on across a daemon restart on the same socket (its idle connections closed)', async () => {
    const dir = makeTempDir()
    const first = await startTestDaemon({}, dir)
    const client = new TimonClient({ socketPath: first.config.socket })
    cleanups.push(() => client.close())
    expect((await client.pushProbe({ code: 'restart.a', health: 'healthy' })).isOk()).toBe(true)
    await first.daemon.stop()
    first.client.close()
    expect((await client.health())._unsafeUnwrapErr().code).toBe('unreachable')
    const second = await startTestDaemon({}, dir)
    cleanups.push(second.cleanup)
    expect((await client.pushProbe({ code: 'restart.b', health: 'healthy' })).isOk()).toBe(true)
    expect((await client.show('restart.a')).isOk()).toBe(true)
  })

  it('reads a 413 and the closing of the connection that follows, then keeps serving', async () => {
    const t = await startTestDaemon()
    cleanups.push(t.cleanup)
    const big = (
      await t.client.request('POST', '/v1/push/probe', { code: 'x'.repeat(2 * 1024 * 1024) })
    )._unsafeUnwrap()
    expect(big.status).toBe(413)
    expect((await t.client.health()).isOk()).toBe(true)
  })
})
