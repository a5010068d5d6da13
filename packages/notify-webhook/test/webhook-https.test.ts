import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Dispatcher, MemoryStore } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseWebhooks, WebhookNotifier } from '../src/index.js'
import { enqueue, event, startReceiver, stored, type Receiver } from './helpers.js'

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/**
 * A CA made for this test run, and a server certificate for 127.0.0.1 signed by it. Neither is
 * trusted by the system: only a webhook's `cert` can make Node accept the server.
 */
function makeCertificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=Timon Test CA')
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  )
  openssl(
    'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext',
  )
  return {
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.crt'), 'utf8'),
  }
}

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
