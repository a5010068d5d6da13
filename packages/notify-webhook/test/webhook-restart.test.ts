import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Dispatcher } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { SqliteStore } from '@timon/store-sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { parseWebhooks, WebhookNotifier } from '../src/index.js'
import { enqueue, event, startReceiver, stored, type Receiver } from './helpers.js'

let dir: string | undefined
let server: Receiver | undefined
afterEach(async () => {
  await server?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** One daemon "process": its own store handle, notifier and dispatcher on the same files. */
function boot(file: string, url: string, clock: FakeClock) {
  const store = new SqliteStore({ database: file })
  const webhooks = parseWebhooks([{ name: 'ops', on: ['*'], url, retry: { attempts: 3, delay: '1m' } }])._unsafeUnwrap()
  const notifier = new WebhookNotifier({ webhooks, hostname: 'prod-1', clock })
  const dispatcher = new Dispatcher({ store, notifier, clock })
  return {
    store,
    notifier,
    dispatcher,
    stop: async () => {
      notifier.close()
      await store.close()
    },
  }
}

describe('restart durability with the SQLite store', () => {
  it('delivers after a restart what was pending when the process stopped, with the same delivery id', async () => {
    dir = mkdtempSync(join(tmpdir(), 'timon-webhook-restart-'))
    const file = join(dir, 'timon.db')
    let up = false
    server = await startReceiver((_req, res) => {
      res.writeHead(up ? 200 : 503).end()
    })
    const clock = new FakeClock('2026-04-19T00:00:00Z')

    // First run: one delivery fails once, another is written but never attempted.
    const first = boot(file, server.url, clock)
    const [tried] = await enqueue(first.store, clock, first.notifier, event('incident.open'))
    expect(await first.dispatcher.drain()).toMatchObject({ rescheduled: 1 })
    const [untried] = await enqueue(first.store, clock, first.notifier, event('timon.ping'))
    await first.stop()

    // Second run, a minute later, once the endpoint is back.
    up = true
    clock.advance('1m')
    const second = boot(file, server.url, clock)
    try {
      expect(await second.dispatcher.nextDueAt()).toEqual(new Date('2026-04-19T00:00:00Z'))
      expect(await second.dispatcher.drain()).toEqual({ delivered: 2, rescheduled: 0, failed: 0, superseded: 0 })
      expect(await stored(second.store, tried?.id ?? 0)).toMatchObject({ status: 'delivered', attempts: 2 })
      expect(await stored(second.store, untried?.id ?? 0)).toMatchObject({ status: 'delivered', attempts: 1 })
      const ids = server.requests.map((r) => r.headers['x-timon-delivery'])
      expect(ids[0]).toBe(tried?.deliveryId)
      expect(ids.slice(1).sort()).toEqual([tried?.deliveryId, untried?.deliveryId].sort())
      const bodies = server.requests
        .filter((r) => r.headers['x-timon-delivery'] === tried?.deliveryId)
        .map((r) => r.body)
      expect(bodies[0]).toBe(bodies[1])
      expect(await second.dispatcher.nextDueAt()).toBeUndefined()
    } finally {
      await second.stop()
    }
  })
})
