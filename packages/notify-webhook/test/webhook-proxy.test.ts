/** Webhooks through HTTP_PROXY / HTTPS_PROXY: a real local proxy (plain requests and CONNECT tunnels). */
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryStore, type Delivery } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseWebhooks, WebhookNotifier } from '../src/index.js'
import { enqueue, event, hasOpenssl, makeCertificates, startReceiver, type Receiver } from './helpers.js'

/** A forward proxy on 127.0.0.1: what it was asked, and a switch to refuse tunnels. */
interface TestProxy {
  readonly url: string
  /** `GET http://…` targets of plain requests and `CONNECT host:port` authorities, in order. */
  readonly seen: string[]
  /** `Proxy-Authorization` headers received. */
  readonly auth: (string | undefined)[]
  refuseTunnels: boolean
  close(): Promise<void>
}

async function startProxy(): Promise<TestProxy> {
  const server = http.createServer((req, res) => {
    // A plain proxied request: its target is the absolute URL.
    proxy.seen.push(`${req.method ?? ''} ${req.url ?? ''}`)
    proxy.auth.push(req.headers['proxy-authorization'])
    const { 'proxy-authorization': _auth, ...headers } = req.headers
    const forwarded = http.request(req.url ?? '', { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    forwarded.on('error', () => res.writeHead(502).end())
    req.pipe(forwarded)
  })
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    proxy.seen.push(`CONNECT ${req.url ?? ''}`)
    proxy.auth.push(req.headers['proxy-authorization'])
    if (proxy.refuseTunnels) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    const [host = '', port = ''] = (req.url ?? '').split(':')
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const proxy: TestProxy = {
    url: `http://127.0.0.1:${port}`,
    seen: [],
    auth: [],
    refuseTunnels: false,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return proxy
}

const clock = new FakeClock('2026-04-19T00:00:00Z')

/** One delivery of `incident.open` to the single webhook of `notifier`. */
async function deliverOnce(notifier: WebhookNotifier): Promise<ReturnType<WebhookNotifier['deliver']>> {
  const [delivery] = await enqueue(new MemoryStore(), clock, notifier, event('incident.open'))
  return notifier.deliver(delivery as Delivery)
}

describe('webhooks through a proxy', () => {
  let proxy: TestProxy
  let plain: Receiver

  beforeAll(async () => {
    proxy = await startProxy()
    plain = await startReceiver()
  })
  afterAll(async () => {
    await proxy.close()
    await plain.close()
  })

  it('sends an http: webhook through HTTP_PROXY, as an absolute URL, with the proxy credentials', async () => {
    const webhooks = parseWebhooks([{ name: 'hook', on: ['*'], url: plain.url }])._unsafeUnwrap()
    const authed = new URL(proxy.url)
    authed.username = 'ann'
    authed.password = 's3cret'
    const notifier = new WebhookNotifier({ webhooks, clock, env: { HTTP_PROXY: authed.href } })
    try {
      proxy.seen.length = 0
      expect(await deliverOnce(notifier)).toEqual({ ok: true })
      expect(proxy.seen).toEqual([`POST ${plain.url}`])
      expect(proxy.auth.at(-1)).toBe(`Basic ${Buffer.from('ann:s3cret').toString('base64')}`)
      expect(plain.requests.at(-1)?.headers['x-timon-event']).toBe('incident.open')
      expect(plain.requests.at(-1)?.headers.host).toBe(new URL(plain.url).host)
    } finally {
      notifier.close()
    }
  })

  it('connects directly to a host listed in NO_PROXY, and ignores HTTPS_PROXY for http: URLs', async () => {
    const webhooks = parseWebhooks([{ name: 'hook', on: ['*'], url: plain.url }])._unsafeUnwrap()
    for (const env of [{ HTTP_PROXY: proxy.url, NO_PROXY: 'example.com, 127.0.0.1' }, { HTTPS_PROXY: proxy.url }]) {
      const notifier = new WebhookNotifier({ webhooks, clock, env })
      try {
        proxy.seen.length = 0
        const before = plain.requests.length
        expect(await deliverOnce(notifier)).toEqual({ ok: true })
        expect(proxy.seen).toEqual([])
        expect(plain.requests).toHaveLength(before + 1)
      } finally {
        notifier.close()
      }
    }
  })

  describe.skipIf(!hasOpenssl)('https: webhooks', () => {
    let dir: string
    let secure: Receiver

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'timon-webhook-proxy-'))
      secure = await startReceiver(undefined, makeCertificates(dir))
    })
    afterAll(async () => {
      await secure.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('tunnels through HTTPS_PROXY with CONNECT, checking the endpoint certificate inside the tunnel', async () => {
      const webhooks = parseWebhooks(
        [{ name: 'hook', on: ['*'], url: secure.url, cert: 'ca.crt', retry: { attempts: 0 } }],
        { baseDir: dir },
      )._unsafeUnwrap()
      const notifier = new WebhookNotifier({ webhooks, clock, env: { HTTPS_PROXY: proxy.url } })
      try {
        proxy.seen.length = 0
        expect(await deliverOnce(notifier)).toEqual({ ok: true })
        expect(await deliverOnce(notifier)).toEqual({ ok: true })
        // The tunnel is kept alive and reused.
        expect(proxy.seen).toEqual([`CONNECT ${new URL(secure.url).host}`])
        expect(secure.requests).toHaveLength(2)
      } finally {
        notifier.close()
      }
    })

    it('fails (to be retried) when the proxy refuses the tunnel, without its credentials in the reason', async () => {
      const webhooks = parseWebhooks(
        [{ name: 'hook', on: ['*'], url: secure.url, cert: 'ca.crt', retry: { attempts: 0 } }],
        { baseDir: dir },
      )._unsafeUnwrap()
      const authed = new URL(proxy.url)
      authed.username = 'ann'
      authed.password = 's3cret'
      const notifier = new WebhookNotifier({ webhooks, clock, env: { https_proxy: authed.href } })
      proxy.refuseTunnels = true
      try {
        const outcome = await deliverOnce(notifier)
        expect(outcome).toEqual({
          ok: false,
          error: `the proxy ${authed.host} refused to connect to ${new URL(secure.url).host}: HTTP 403 Forbidden`,
        })
        expect(JSON.stringify(outcome)).not.toContain('s3cret')
      } finally {
        proxy.refuseTunnels = false
        notifier.close()
      }
    })
  })
})
