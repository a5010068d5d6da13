// The telegram preset against a real HTTP receiver on 127.0.0.1 standing in for the Bot API.
import { MemoryStore } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { parseWebhooks, WebhookNotifier } from '../src/index.js'
import { enqueue, event, startReceiver, type Receiver } from './helpers.js'

const open: { close(): unknown }[] = []
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close()
})

async function botApi(answer: (res: import('node:http').ServerResponse) => void): Promise<Receiver> {
  const receiver = await startReceiver((_req, res) => answer(res))
  open.push(receiver)
  return receiver
}

async function deliverOne(receiver: Receiver, table: Record<string, unknown>, notification = event('incident.open')) {
  const url = new URL('/bot123:ABC/sendMessage', receiver.url).toString()
  const notifier = new WebhookNotifier({
    webhooks: parseWebhooks([{ name: 'tg', on: ['*'], url, preset: 'telegram', ...table }])._unsafeUnwrap(),
    hostname: 'prod-1',
  })
  open.push(notifier)
  const store = new MemoryStore()
  const [delivery] = await enqueue(store, new FakeClock('2026-04-19T00:05:40Z'), notifier, notification)
  return notifier.deliver(delivery!)
}

describe('the telegram preset, delivered', () => {
  it('posts sendMessage JSON to the bot URL, in the forum topic, with escaped HTML', async () => {
    const api = await botApi((res) => res.end('{"ok":true,"result":{}}'))
    const notification = event('incident.open', { incident: { title: 'disk <sda> & co', description: 'a > b' } })
    expect(await deliverOne(api, { chat_id: -100987, thread_id: 12 }, notification)).toEqual({ ok: true })

    const [request] = api.requests
    expect(request).toMatchObject({ method: 'POST', url: '/bot123:ABC/sendMessage' })
    expect(request?.headers['content-type']).toBe('application/json')
    expect(JSON.parse(request?.body ?? '')).toEqual({
      chat_id: -100987,
      message_thread_id: 12,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      text: '🔴 <b>INC-3 opened: disk &lt;sda&gt; &amp; co</b>\na &gt; b\n<i>db.backup turned critical</i>\n<code>INC-3</code> · open · prod-1',
    })
  })

  it("fails for good with the Bot API's reason when it refuses the message (400)", async () => {
    const api = await botApi((res) => {
      res.writeHead(400, { 'Content-Type': 'application/json' })
      res.end('{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}')
    })
    const outcome = await deliverOne(api, { chat_id: 1 })
    expect(outcome).toMatchObject({ ok: false, final: true })
    expect(outcome.ok ? '' : outcome.error).toContain('Bad Request: chat not found')
  })

  it('waits as long as the Bot API asks when it is flooded (429 with Retry-After)', async () => {
    const api = await botApi((res) => {
      res.writeHead(429, { 'Retry-After': '7' })
      res.end(
        '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}',
      )
    })
    expect(await deliverOne(api, { chat_id: 1 })).toMatchObject({ ok: false, retryAfterMs: 7000 })
  })
})
