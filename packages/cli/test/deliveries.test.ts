/** `timon deliveries` and the status line about failed webhook deliveries, with a webhook that cannot be reached. */
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, poll, startDaemon, type DaemonProcess } from './helpers.js'

let daemon: DaemonProcess

beforeAll(async () => {
  ensureBuilt()
  // A port that was free a moment ago: connections to it are refused.
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as AddressInfo
      server.close(() => resolve(free))
    })
  })
  daemon = await startDaemon({
    config: `\n[[webhook]]\nname = "nowhere"\non = ["incident.*"]\nurl = "http://127.0.0.1:${port}/hook"\n\n[webhook.retry]\nattempts = 0\ntimeout = "1s"\n`,
  })
})

afterAll(async () => {
  await daemon?.cleanup()
})

describe('timon deliveries', () => {
  it('lists a delivery that gave up, and status says so', async () => {
    expect((await daemon.timon(['push', 'probe', 'hooked.probe', 'critical'])).status).toBe(0)
    await poll(
      async () => {
        const listed = JSON.parse((await daemon.timon(['deliveries', '--status', 'failed', '--json'])).stdout) as {
          deliveries: unknown[]
        }
        return listed.deliveries.length === 1
      },
      15_000,
      () => `no failed delivery:\n${daemon.output()}`,
    )
    const json = JSON.parse((await daemon.timon(['deliveries', '--json'])).stdout) as {
      deliveries: Record<string, unknown>[]
    }
    expect(json.deliveries).toMatchObject([
      {
        status: 'failed',
        target: 'nowhere',
        attempts: 1,
        event: { name: 'incident.open', incident: { title: 'hooked.probe is critical' } },
      },
    ])

    const text = (await daemon.timon(['deliveries'])).stdout
    expect(text).toMatch(
      /^DELIVERIES \(1\)\n {2}#\d+ {2}failed {2}incident\.open {2}INC-\d+ {2}nowhere {2}1 attempt {2}failed .* ago {2}".+"\n$/,
    )
    expect((await daemon.timon(['deliveries', '--status', 'delivered'])).stdout).toBe('DELIVERIES (0)\n  None\n')
    expect((await daemon.timon(['status'])).stdout).toContain(
      '\nWEBHOOKS\n  1 failed delivery — see "timon deliveries"\n',
    )
  })
})
