import { createServer, type AddressInfo, type Server } from 'node:net'
import { MemoryStore, Monitor } from '@timon/core'
import { afterEach, describe, expect, it } from 'vitest'
import { TcpPoller } from './tcp-poller.js'

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
})

/** A TCP server on 127.0.0.1 that accepts and closes; its port. */
async function listen(): Promise<number> {
  const server = createServer((socket) => socket.end())
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('examples/tcp-poller', () => {
  it('feeds a Monitor: a port that accepts is healthy, a closed one opens an incident', async () => {
    const open = await listen()
    const closed = await listen()
    await new Promise((resolve) => servers.pop()?.close(resolve)) // nothing listens there any more

    const monitor = new Monitor({ store: new MemoryStore() })
    const opened: string[] = []
    const poller = new TcpPoller({
      intervalMs: 50,
      timeoutMs: 500,
      targets: [
        { code: 'db.port', host: '127.0.0.1', port: open },
        { code: 'cache.port', host: '127.0.0.1', port: closed },
      ],
    })
    expect(poller.sources()).toEqual([
      { code: 'db.port', source: `tcp://127.0.0.1:${open}` },
      { code: 'cache.port', source: `tcp://127.0.0.1:${closed}` },
    ])

    const samples: { code: string; health: string; comment?: string }[] = []
    poller.start(async (sample) => {
      samples.push(sample)
      const pushed = (await monitor.pushProbe(sample))._unsafeUnwrap()
      opened.push(...pushed.opened.map((incident) => incident.title))
    })
    await waitFor(() => samples.filter((s) => s.code === 'db.port').length >= 2)
    await poller.stop()

    const db = samples.filter((s) => s.code === 'db.port')
    const cache = samples.filter((s) => s.code === 'cache.port')
    expect(db[0]?.health).toBe('healthy')
    expect(db[0]?.comment).toMatch(/^connected in \d+ms$/)
    expect(cache[0]).toEqual({ code: 'cache.port', health: 'critical', comment: 'connection refused' })
    expect(opened).toHaveLength(1) // one incident for cache.port, not one per sample

    const count = samples.length
    await new Promise((resolve) => setTimeout(resolve, 120))
    expect(samples.length).toBe(count) // stopped: no more samples
  })
})
