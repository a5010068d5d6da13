import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Dispatcher, MemoryStore } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseWebhooks, WebhookNotifier } from '../src/index.js'
import { enqueue, event, hasOpenssl, makeCertificates, startReceiver, stored, type Receiver } from './helpers.js'

describe.skipIf(!hasOpenssl)('HTTPS webhooks with a private CA', () => {
  let dir: string
  let server: Receiver

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'timon-webhook-tls-'))
    server = await startReceiver(undefined, makeCertificates(dir))
  })
  afterAll(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('trusts the CA of `cert` for that webhook only, on top of the default CAs', async () => {
    const clock = new FakeClock('2026-04-19T00:00:00Z')
    const store = new MemoryStore()
    const webhooks = parseWebhooks(
      [
        { name: 'trusted', on: ['*'], url: server.url, cert: 'ca.crt', retry: { attempts: 0 } },
        { name: 'untrusted', on: ['*'], url: server.url, retry: { attempts: 0 } },
      ],
      { baseDir: dir },
    )._unsafeUnwrap()
    const notifier = new WebhookNotifier({ webhooks, hostname: 'prod-1', clock })
    const dispatcher = new Dispatcher({ store, notifier, clock })
    try {
      const [trusted, untrusted] = await enqueue(store, clock, notifier, event('incident.open'))
      expect(await dispatcher.drain()).toEqual({ delivered: 1, rescheduled: 0, failed: 1, superseded: 0 })

      expect((await stored(store, trusted?.id ?? 0)).status).toBe('delivered')
      const failed = await stored(store, untrusted?.id ?? 0)
      expect(failed.status).toBe('failed')
      expect(failed.lastError).toMatch(/certificate/i)
      expect(server.requests).toHaveLength(1)
      expect(server.requests[0]?.headers['x-timon-delivery']).toBe(trusted?.deliveryId)
    } finally {
      notifier.close()
    }
  })
})
