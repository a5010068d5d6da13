import { Dispatcher, MemoryStore, type Delivery, type NotificationEvent, type Store } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { parseWebhooks, WebhookNotifier, type WebhookLogger } from '../src/index.js'
import { answerOk, deadUrl, enqueue, event, startReceiver, stored, type Handler, type Receiver } from './helpers.js'

/** Everything a test starts, closed after it. */
const open: { close(): unknown }[] = []
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close()
})

async function receiver(handler: Handler = answerOk): Promise<Receiver> {
  const started = await startReceiver(handler)
  open.push(started)
  return started
}

/** A notifier, a memory store, a dispatcher and a fake clock around some `[[webhook]]` tables. */
function setUp(webhooks: unknown[], options: { concurrency?: number; store?: Store } = {}) {
  const clock = new FakeClock('2026-04-19T00:05:40Z')
  const logged: string[] = []
  const logger: WebhookLogger = {
    debug: (m) => logged.push(`debug ${m}`),
    info: (m) => logged.push(`info ${m}`),
    warn: (m) => logged.push(`warn ${m}`),
    error: (m) => logged.push(`error ${m}`),
  }
  const notifier = new WebhookNotifier({
    webhooks: parseWebhooks(webhooks)._unsafeUnwrap(),
    hostname: 'prod-1',
    version: '9.9.9',
    logger,
    clock,
  })
  open.push(notifier)
  const store = options.store ?? new MemoryStore()
  // No jitter: each retry waits exactly the doubled delay.
  const dispatcher = new Dispatcher({ store, notifier, clock, concurrency: options.concurrency ?? 8, random: () => 0 })
  const send = async (notification: NotificationEvent, orderingKey: string | null = null) =>
    enqueue(store, clock, notifier, notification, orderingKey)
  return { clock, logged, notifier, store, dispatcher, send }
}

const only = (deliveries: Delivery[]): Delivery => {
  expect(deliveries).toHaveLength(1)
  return deliveries[0] as Delivery
}

describe('WebhookNotifier', () => {
  it('routes an event to the webhooks whose on matches, in config order', () => {
    const { notifier } = setUp([
      { name: 'all', on: ['*'], url: 'http://127.0.0.1:1/' },
      { name: 'opens', on: ['*.open'], url: 'http://127.0.0.1:1/' },
      { on: ['timon.*'], url: 'http://127.0.0.1:1/' },
      { name: 'incidents', on: ['incident.*', 'timon.started'], url: 'http://127.0.0.1:1/' },
    ])
    expect(notifier.targetsFor('incident.open')).toEqual(['all', 'opens', 'incidents'])
    expect(notifier.targetsFor('incident.resolved')).toEqual(['all', 'incidents'])
    expect(notifier.targetsFor('timon.ping')).toEqual(['all', 'webhook[2]'])
    expect(notifier.targetsFor('timon.started')).toEqual(['all', 'webhook[2]', 'incidents'])
  })

  it('gives each webhook its retry policy, and none to an unknown target', () => {
    const { notifier } = setUp([{ name: 'a', on: ['*'], url: 'http://x/', retry: { attempts: 2, delay: '1m' } }])
    expect(notifier.retryPolicy('a')).toEqual({ retries: 2, delayMs: 60_000, maxDelayMs: 3_600_000 })
    expect(notifier.retryPolicy('gone')).toBeUndefined()
  })

  it('POSTs the payload as JSON with the Timon headers when there is no body', async () => {
    const server = await receiver()
    const { dispatcher, send } = setUp([{ name: 'ops', on: ['*'], url: server.url, headers: { 'X-My-Header': 'yes' } }])
    const delivery = only(await send(event('incident.open')))

    expect(await dispatcher.drain()).toEqual({ delivered: 1, rescheduled: 0, failed: 0, superseded: 0 })

    const [request] = server.requests
    expect(request?.method).toBe('POST')
    expect(request?.url).toBe('/hook')
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'timon/9.9.9',
      'x-timon-event': 'incident.open',
      'x-timon-delivery': delivery.deliveryId,
      'x-my-header': 'yes',
    })
    expect(JSON.parse(request?.body ?? '')).toEqual({
      _event: 'incident.open',
      _hostname: 'prod-1',
      _timestamp: '2026-04-19T00:05:40Z',
      incident: {
        id: 3,
        code: 'INC-3',
        state: 'open',
        trigger_type: 'critical',
        title: 'db.backup is critical',
        description: null,
        opened_at: '2026-04-19T00:05:40Z',
        recovered_at: null,
        relapsed_at: null,
        resolved_at: null,
      },
      note: 'db.backup turned critical',
    })
  })

  it('lets headers override Content-Type and User-Agent, whatever their case', async () => {
    const server = await receiver()
    const { dispatcher, send } = setUp([
      { on: ['*'], url: server.url, headers: { 'content-type': 'text/plain; charset=utf-8', 'USER-AGENT': 'mine' } },
    ])
    await send(event('timon.ping'))
    await dispatcher.drain()
    expect(server.requests[0]?.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'user-agent': 'mine',
    })
    expect(server.requests[0]?.headers['x-timon-event']).toBe('timon.ping')
  })

  it('renders a body template into valid JSON whatever the title holds', async () => {
    const server = await receiver()
    const { dispatcher, send } = setUp([
      {
        on: ['incident.open'],
        url: server.url,
        body: '{"message": {{#json}}{{note}}{{/json}}, "title": {{#json}}{{incident.title}}{{/json}}, "priority": 8}',
      },
    ])
    const title = 'Backup "nightly"\nfailed — échec 💥 <&>'
    await send(event('incident.open', { incident: { title } }))
    await dispatcher.drain()
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
      message: 'db.backup turned critical',
      title,
      priority: 8,
    })
  })

  it('sends a preset body, and the user body instead when both are set', async () => {
    const server = await receiver()
    const { dispatcher, send } = setUp([
      { name: 'discord', on: ['*'], url: server.url, preset: 'discord' },
      { name: 'custom', on: ['*'], url: server.url, preset: 'discord', body: 'plain {{_event}}' },
      { name: 'ntfy', on: ['*'], url: `${server.url}/alerts`, preset: 'ntfy' },
    ])
    await send(event('timon.started'))
    await dispatcher.drain()
    const byBody = server.requests.map((r) => [r.url, r.body])
    expect(byBody).toContainEqual(['/hook', 'plain timon.started'])
    const discord = server.requests.find((r) => r.body.includes('embeds'))
    expect(JSON.parse(discord?.body ?? '')).toMatchObject({
      embeds: [{ title: 'Timon started on prod-1', color: 0x3498db }],
    })
    const ntfy = server.requests.find((r) => r.body.includes('topic'))
    expect(ntfy?.url).toBe('/hook/')
    expect(JSON.parse(ntfy?.body ?? '')).toMatchObject({ topic: 'alerts', tags: ['rocket'] })
  })

  it('reuses one keep-alive connection per webhook', async () => {
    const server = await receiver()
    const { dispatcher, send } = setUp([{ on: ['*'], url: server.url }], { concurrency: 1 })
    for (let i = 0; i < 5; i += 1) await send(event('timon.ping'))
    expect(await dispatcher.drain()).toMatchObject({ delivered: 5 })
    expect(server.requests).toHaveLength(5)
    expect(server.connections).toBe(1)
  })

  it('retries at once, on a new connection, when the server reset a reused keep-alive socket', async () => {
    const served = new WeakMap<object, number>()
    const server = await receiver()
    // The second request on any connection is dropped without an answer, as a server whose
    // keep-alive timeout fired just as the request left would.
    const { dispatcher, send, store } = setUp([{ on: ['*'], url: server.url }], { concurrency: 1 })
    server.handler = (_req, res) => {
      const socket = res.socket as object
      const count = (served.get(socket) ?? 0) + 1
      served.set(socket, count)
      if (count > 1) res.socket?.destroy()
      else res.end('ok')
    }
    const [first] = await send(event('timon.ping'))
    expect(await dispatcher.drain()).toMatchObject({ delivered: 1 })
    const second = only(await send(event('timon.ping')))
    expect(await dispatcher.drain()).toMatchObject({ delivered: 1 })

    expect(server.requests.map((r) => r.headers['x-timon-delivery'])).toEqual([
      first?.deliveryId,
      second.deliveryId,
      second.deliveryId,
    ])
    expect(server.connections).toBe(2)
    expect((await stored(store, second.id)).attempts).toBe(1)
  })

  it('does not follow redirects', async () => {
    const server = await receiver((_req, res) => {
      res.writeHead(302, { Location: 'http://127.0.0.1:1/elsewhere' }).end()
    })
    const { dispatcher, send, store } = setUp([{ on: ['*'], url: server.url }])
    const delivery = only(await send(event('timon.ping')))
    expect(await dispatcher.drain()).toMatchObject({ rescheduled: 1 })
    expect((await stored(store, delivery.id)).lastError).toBe(
      'HTTP 302: redirects are not followed (Location: http://127.0.0.1:1/elsewhere)',
    )
    expect(server.requests).toHaveLength(1)
  })
})

describe('durable delivery through the Dispatcher', () => {
  it('retries `attempts` times, `delay` then twice that apart, with the same X-Timon-Delivery, then gives up with the reason', async () => {
    const server = await receiver((_req, res) => {
      res.writeHead(500).end('database is down')
    })
    const { clock, dispatcher, send, store, logged } = setUp([
      { name: 'ops', on: ['*'], url: server.url, retry: { attempts: 2, delay: '30s' } },
    ])
    const delivery = only(await send(event('incident.open')))

    expect(await dispatcher.drain()).toEqual({ delivered: 0, rescheduled: 1, failed: 0, superseded: 0 })
    expect(await stored(store, delivery.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'HTTP 500 Internal Server Error: database is down',
      nextAttemptAt: new Date('2026-04-19T00:06:10Z'),
    })
    expect(await dispatcher.nextDueAt()).toEqual(new Date('2026-04-19T00:06:10Z'))

    clock.advance('29s')
    expect(await dispatcher.drain()).toEqual({ delivered: 0, rescheduled: 0, failed: 0, superseded: 0 })
    clock.advance('1s')
    expect(await dispatcher.drain()).toEqual({ delivered: 0, rescheduled: 1, failed: 0, superseded: 0 })
    clock.advance('59s')
    expect(await dispatcher.drain()).toEqual({ delivered: 0, rescheduled: 0, failed: 0, superseded: 0 })
    clock.advance('1s')
    expect(await dispatcher.drain()).toEqual({ delivered: 0, rescheduled: 0, failed: 1, superseded: 0 })

    expect(await stored(store, delivery.id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'HTTP 500 Internal Server Error: database is down',
      finishedAt: clock.now(),
    })
    expect(server.requests).toHaveLength(3)
    expect(new Set(server.requests.map((r) => r.headers['x-timon-delivery']))).toEqual(new Set([delivery.deliveryId]))
    expect(new Set(server.requests.map((r) => r.body)).size).toBe(1)
    expect(await dispatcher.nextDueAt()).toBeUndefined()
    expect(logged.filter((line) => line.startsWith('warn'))).toHaveLength(3)
  })

  it('delivers on a later attempt once the endpoint recovers', async () => {
    const server = await receiver((_req, res, n) => {
      res.writeHead(n < 2 ? 502 : 204).end()
    })
    const { clock, dispatcher, send, store } = setUp([{ on: ['*'], url: server.url }])
    const delivery = only(await send(event('incident.resolved')))
    await dispatcher.drain()
    clock.advance('5s')
    await dispatcher.drain()
    clock.advance('10s')
    expect(await dispatcher.drain()).toMatchObject({ delivered: 1 })
    expect(await stored(store, delivery.id)).toMatchObject({ status: 'delivered', attempts: 3, lastError: null })
  })

  it('makes one attempt only with attempts = 0', async () => {
    const url = await deadUrl()
    const { dispatcher, send, store } = setUp([{ on: ['*'], url, retry: { attempts: 0 } }])
    const delivery = only(await send(event('timon.ping')))
    expect(await dispatcher.drain()).toMatchObject({ failed: 1 })
    const failed = await stored(store, delivery.id)
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 })
    expect(failed.lastError).toContain('ECONNREFUSED')
  })

  it('fails at once on a 4xx other than 408 and 429, quoting the first 200 bytes of the answer', async () => {
    const answer = `{"error":"unknown webhook token"}${' '.repeat(10)}${'x'.repeat(500)}`
    const server = await receiver((_req, res) => {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(answer)
    })
    const { dispatcher, send, store, logged } = setUp([{ on: ['*'], url: server.url }])
    const delivery = only(await send(event('incident.open')))
    expect(await dispatcher.drain()).toEqual({ delivered: 0, rescheduled: 0, failed: 1, superseded: 0 })
    const failed = await stored(store, delivery.id)
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 })
    expect(failed.lastError).toBe(`HTTP 401 Unauthorized: {"error":"unknown webhook token"} ${'x'.repeat(200 - 43)}`)
    expect(logged.at(-1)).toMatch(
      /^error webhook "webhook\[0\]": incident\.open .* failed for good .*unknown webhook token/,
    )
  })

  it.each([408, 429])('retries a %i', async (status) => {
    const server = await receiver((_req, res) => {
      res.writeHead(status).end()
    })
    const { dispatcher, send, store } = setUp([{ on: ['*'], url: server.url }])
    const delivery = only(await send(event('timon.ping')))
    expect(await dispatcher.drain()).toMatchObject({ rescheduled: 1 })
    expect((await stored(store, delivery.id)).nextAttemptAt).toEqual(new Date('2026-04-19T00:05:45Z'))
  })

  it('waits the configured delay after a 503 without Retry-After', async () => {
    const server = await receiver((_req, res) => {
      res.writeHead(503).end()
    })
    const { dispatcher, send, store } = setUp([{ on: ['*'], url: server.url, retry: { delay: '2m' } }])
    const delivery = only(await send(event('timon.ping')))
    await dispatcher.drain()
    expect((await stored(store, delivery.id)).nextAttemptAt).toEqual(new Date('2026-04-19T00:07:40Z'))
  })

  it('counts a 2xx as delivered as soon as it arrives, even if its body is slow', async () => {
    const server = await receiver((_req, res) => {
      res.writeHead(200)
      res.write('partial')
      // the rest never comes
    })
    const { dispatcher, send } = setUp([{ on: ['*'], url: server.url, retry: { timeout: '5s' } }])
    await send(event('timon.ping'))
    const started = performance.now()
    expect(await dispatcher.drain()).toMatchObject({ delivered: 1 })
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it('waits as a 429 Retry-After in seconds says', async () => {
    const server = await receiver((_req, res, n) => {
      if (n === 0) res.writeHead(429, { 'Retry-After': '120' }).end('slow down')
      else res.end()
    })
    const { clock, dispatcher, send, store } = setUp([{ on: ['*'], url: server.url }])
    const delivery = only(await send(event('incident.open')))
    await dispatcher.drain()
    expect(await stored(store, delivery.id)).toMatchObject({
      nextAttemptAt: new Date('2026-04-19T00:07:40Z'),
      lastError: 'HTTP 429 Too Many Requests: slow down',
    })
    clock.advance('119s')
    expect(await dispatcher.drain()).toMatchObject({ delivered: 0 })
    clock.advance('1s')
    expect(await dispatcher.drain()).toMatchObject({ delivered: 1 })
  })

  it('waits until the HTTP date of a 503 Retry-After', async () => {
    let clock: FakeClock | undefined
    const server = await receiver((_req, res, n) => {
      const until = new Date((clock?.now().getTime() ?? 0) + 90_000)
      if (n === 0) res.writeHead(503, { 'Retry-After': until.toUTCString() }).end()
      else res.end()
    })
    const setup = setUp([{ on: ['*'], url: server.url }])
    clock = setup.clock
    const delivery = only(await setup.send(event('incident.open')))
    await setup.dispatcher.drain()
    expect((await stored(setup.store, delivery.id)).nextAttemptAt).toEqual(new Date('2026-04-19T00:07:10Z'))
  })

  it('fails an attempt that takes longer than retry.timeout', async () => {
    const server = await receiver(() => {
      // never answers
    })
    const { dispatcher, send, store } = setUp([{ on: ['*'], url: server.url, retry: { timeout: '200ms' } }])
    const delivery = only(await send(event('incident.open')))
    const started = performance.now()
    expect(await dispatcher.drain()).toMatchObject({ rescheduled: 1 })
    expect(performance.now() - started).toBeLessThan(2_000)
    expect((await stored(store, delivery.id)).lastError).toBe('timed out after 200ms')
  })

  it('keeps delivering to other webhooks while one endpoint hangs or refuses', async () => {
    const slow = await receiver(() => {
      // never answers
    })
    const fast = await receiver()
    const { dispatcher, send, store } = setUp(
      [
        { name: 'slow', on: ['incident.open'], url: slow.url, retry: { timeout: '1s' } },
        { name: 'down', on: ['*'], url: await deadUrl() },
        { name: 'fast', on: ['*'], url: fast.url },
      ],
      { concurrency: 2 },
    )
    const started = performance.now()
    await send(event('incident.open'))
    for (let i = 1; i < 5; i += 1) await send(event('incident.annotated', { note: `note ${i}` }))

    expect(await dispatcher.drain()).toEqual({ delivered: 5, rescheduled: 6, failed: 0, superseded: 0 })
    expect(fast.requests.map((r) => r.headers['x-timon-event'])).toEqual([
      'incident.open',
      ...Array(4).fill('incident.annotated'),
    ])
    // The fast endpoint got everything while the slow attempt (started first) was still waiting.
    expect(Math.max(...fast.requests.map((r) => r.at)) - started).toBeLessThan(1_000)
    expect(slow.requests).toHaveLength(1)
    const counts = await store.transaction((tx) => tx.countDeliveries())
    expect(counts).toEqual({ pending: 6, delivered: 5, failed: 0 })
  })

  it("keeps one incident's events in order for a webhook: a later one waits for the earlier", async () => {
    const server = await receiver((req, res) => {
      res.writeHead(JSON.parse(req.body)._event === 'incident.open' && server.requests.length === 1 ? 503 : 200).end()
    })
    const { clock, dispatcher, send } = setUp([{ on: ['*'], url: server.url }])
    await send(event('incident.open'), 'incident:3')
    await send(event('incident.recovered', { incident: { state: 'recovered' } }), 'incident:3')
    await dispatcher.drain()
    clock.advance('5s')
    await dispatcher.drain()
    await dispatcher.drain()
    expect(server.requests.map((r) => r.headers['x-timon-event'])).toEqual([
      'incident.open',
      'incident.open',
      'incident.recovered',
    ])
  })

  it('fails, with the reason, a delivery whose webhook left the config', async () => {
    const { dispatcher, store, clock } = setUp([{ name: 'kept', on: ['*'], url: 'http://127.0.0.1:1/' }])
    const delivery = await store.transaction((tx) =>
      tx.insertDelivery({
        deliveryId: 'd-1',
        target: 'removed',
        event: event('timon.ping'),
        orderingKey: null,
        nextAttemptAt: clock.now(),
        createdAt: clock.now(),
      }),
    )
    expect(await dispatcher.drain()).toMatchObject({ failed: 1 })
    expect((await stored(store, delivery.id)).lastError).toContain('removed')
  })
})
