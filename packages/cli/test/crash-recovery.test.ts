// Reliability: `kill -9` of the daemon under load loses no acknowledged push, and webhook
// deliveries still pending when it died go out after the restart.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TimonClient } from '@timon/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, poll, startDaemon, tempDir, type DaemonProcess } from './helpers.js'

/** A webhook receiver that answers 503 until told otherwise, counting what it accepted. */
async function startReceiver(): Promise<{
  url: string
  accept: () => void
  deliveries: Set<string>
  close: () => Promise<void>
}> {
  let accepting = false
  const deliveries = new Set<string>()
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (!accepting) return void res.writeHead(503).end()
      deliveries.add(String(req.headers['x-timon-delivery']))
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    accept: () => void (accepting = true),
    deliveries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

describe('a daemon killed with SIGKILL under load', () => {
  beforeAll(() => ensureBuilt())
  const dir = tempDir('tcrash-')
  const daemons: DaemonProcess[] = []
  afterAll(async () => {
    for (const daemon of daemons) await daemon.cleanup()
    dir.remove()
  })

  it('keeps every acknowledged push and delivers the pending webhooks after a restart', async () => {
    const receiver = await startReceiver()
    try {
      const config = `[[webhook]]\non = ["incident.*"]\nurl = "${receiver.url}"\n[webhook.retry]\nattempts = 100\ndelay = "100ms"\nmax_delay = "200ms"\n`
      const first = await startDaemon({ dir: dir.dir, config })
      daemons.push(first)

      // 8 clients push alternately critical and healthy samples (each opening or moving an
      // incident, so deliveries pile up against the refusing receiver) until the daemon dies.
      const acknowledged: { code: string; uid: string }[] = []
      let failures = 0
      const worker = async (n: number) => {
        const client = new TimonClient({ socketPath: first.socket, connectRetries: 0 })
        try {
          for (let i = 0; ; i++) {
            const code = `crash.probe-${n}`
            const pushed = await client.pushProbe({ code, health: i % 2 === 0 ? 'critical' : 'healthy' })
            if (pushed.isErr()) {
              failures += 1
              return
            }
            acknowledged.push({ code, uid: pushed.value.sample.uid })
          }
        } finally {
          client.close()
        }
      }
      const workers = Array.from({ length: 8 }, (_, n) => worker(n))
      await poll(
        () => acknowledged.length >= 400,
        30_000,
        () => `only ${acknowledged.length} pushes acknowledged`,
      )
      first.child.kill('SIGKILL')
      await Promise.all(workers)
      expect(failures).toBe(8) // every worker stopped on the dead daemon
      const acked = [...acknowledged]

      const second = await startDaemon({ dir: dir.dir, config })
      daemons.push(second)
      const client = new TimonClient({ socketPath: second.socket })
      try {
        for (const { code, uid } of acked) {
          const shown = await client.show(`${code}:${uid}`)
          expect(shown.isOk(), `${code}:${uid} acknowledged but missing after the restart`).toBe(true)
        }
        const pending = (await client.deliveries({ status: 'pending', limit: 10_000 }))._unsafeUnwrap()
        expect(pending.length).toBeGreaterThan(0)
        receiver.accept()
        await poll(
          async () => (await client.deliveries({ status: 'pending', limit: 1 }))._unsafeUnwrap().length === 0,
          30_000,
          () => `deliveries still pending: ${receiver.deliveries.size} received`,
        )
        for (const delivery of pending) expect(receiver.deliveries.has(delivery.deliveryId)).toBe(true)
      } finally {
        client.close()
      }
    } finally {
      await receiver.close()
    }
  }, 90_000)
})
