import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Dispatcher, MemoryStore, SystemClock, type NotificationEvent, type Store } from '@timon/core'
import { SqliteStore } from '@timon/store-sqlite'
import {
  buildPayload,
  compileBody,
  parseWebhooks,
  renderBody,
  WebhookNotifier,
  type BodyTemplate,
} from '@timon/notify-webhook'

/** Events rendered and enqueued by the first measure. */
const EVENTS = 10_000
/** Deliveries sent by the throughput measure. */
const DELIVERIES = 2_000

/** The README's Gotify template: a realistic body with `json` lambdas. */
const TEMPLATE =
  '{ "message": {{#json}}{{#note}}{{note}}{{/note}}{{^note}}{{incident.title}}{{/note}}{{/json}}, ' +
  '"title": {{#json}}{{incident.code}} {{incident.title}}{{/json}}, "priority": 8, "host": {{#json}}{{_hostname}}{{/json}} }'

/**
 * Measures the webhook adapter; prints nothing (the caller reports). Each time is the best of a
 * few runs. Figures:
 *
 * - `render_enqueue_{memory,sqlite}_ms`: rendering {@link EVENTS} bodies with a Mustache template and
 *   inserting one outbox delivery per event (one transaction each, as the Monitor does);
 * - `json_stringify_ms`: `JSON.stringify` of the same payloads, the baseline;
 * - `ratio_*`: the measures above divided by that baseline;
 * - `deliveries_per_second_{memory,sqlite}`: {@link DELIVERIES} deliveries through the Dispatcher
 *   (default concurrency 8) to a local HTTP receiver, over keep-alive (`connections_*` opened).
 */
export async function runWebhookBench(): Promise<Record<string, number>> {
  const events = Array.from({ length: EVENTS }, (_, i) => makeEvent(i))
  const template = compileBody(TEMPLATE)._unsafeUnwrap()
  const results: Record<string, number> = {}

  // Warm up the JIT on a slice of everything measured below.
  for (const e of events.slice(0, 500)) renderBody(buildPayload(e, 'prod-1'), template)
  await enqueueAll(new MemoryStore(), events.slice(0, 500), template)
  const warmDir = mkdtempSync(join(tmpdir(), 'timon-webhook-bench-warm-'))
  const warm = new SqliteStore({ database: join(warmDir, 'warm.db') })
  await enqueueAll(warm, events.slice(0, 500), template)
  await warm.close()
  rmSync(warmDir, { recursive: true, force: true })

  const payloads = events.map((e) => buildPayload(e, 'prod-1'))
  results.json_stringify_ms = await best(7, async () => {
    for (const payload of payloads) JSON.stringify(payload)
  })
  results.render_only_ms = await best(7, async () => {
    for (const e of events) renderBody(buildPayload(e, 'prod-1'), template)
  })
  results.render_enqueue_memory_ms = await best(3, () => enqueueAll(new MemoryStore(), events, template))

  const dir = mkdtempSync(join(tmpdir(), 'timon-webhook-bench-'))
  try {
    let run = 0
    results.render_enqueue_sqlite_ms = await best(2, async () => {
      const sqlite = new SqliteStore({ database: join(dir, `enqueue-${(run += 1)}.db`) })
      try {
        await enqueueAll(sqlite, events, template)
      } finally {
        await sqlite.close()
      }
    })

    results.ratio_render_vs_stringify = results.render_only_ms / results.json_stringify_ms
    results.ratio_render_enqueue_memory_vs_stringify = results.render_enqueue_memory_ms / results.json_stringify_ms
    results.ratio_render_enqueue_sqlite_vs_stringify = results.render_enqueue_sqlite_ms / results.json_stringify_ms

    const memory = await throughput(new MemoryStore(), events.slice(0, DELIVERIES))
    results.deliveries_per_second_memory = memory.perSecond
    results.connections_memory = memory.connections
    const onDisk = await throughput(new SqliteStore({ database: join(dir, 'deliver.db') }), events.slice(0, DELIVERIES))
    results.deliveries_per_second_sqlite = onDisk.perSecond
    results.connections_sqlite = onDisk.connections
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return results
}

// --- internal ---

function makeEvent(i: number): NotificationEvent {
  const at = new Date(Date.UTC(2026, 3, 19, 0, 0, 0) + i * 1000)
  return {
    name: i % 2 === 0 ? 'incident.open' : 'incident.recovered',
    at,
    incident: {
      id: i + 1,
      state: i % 2 === 0 ? 'open' : 'recovered',
      triggerType: 'critical',
      title: `db.backup-${i} is critical — "nightly" 💾`,
      description: i % 3 === 0 ? null : `Dump of shard ${i}\nfailed`,
      contractId: i + 1,
      openedAt: at,
      recoveredAt: i % 2 === 0 ? null : at,
      relapsedAt: null,
      resolvedAt: null,
    },
    note: `db.backup-${i} turned critical (sample ${i.toString(16).padStart(12, '0')}) at step: Dump`,
  }
}

async function enqueueAll(store: Store, events: readonly NotificationEvent[], template: BodyTemplate): Promise<void> {
  for (const e of events) {
    renderBody(buildPayload(e, 'prod-1'), template)
    await store.transaction((tx) =>
      tx.insertDelivery({
        deliveryId: randomUUID(),
        target: 'ops',
        event: e,
        orderingKey: null,
        nextAttemptAt: e.at,
        createdAt: e.at,
      }),
    )
  }
}

async function throughput(store: Store, events: readonly NotificationEvent[]) {
  let connections = 0
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(204).end())
  })
  server.on('connection', () => {
    connections += 1
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  const clock = new SystemClock()
  const notifier = new WebhookNotifier({
    webhooks: parseWebhooks([{ name: 'ops', on: ['*'], url, body: TEMPLATE }])._unsafeUnwrap(),
    hostname: 'prod-1',
    clock,
  })
  const dispatcher = new Dispatcher({ store, notifier, clock })
  try {
    await store.transaction(async (tx) => {
      for (const e of events) {
        await tx.insertDelivery({
          deliveryId: randomUUID(),
          target: 'ops',
          event: e,
          orderingKey: null,
          nextAttemptAt: new Date(0),
          createdAt: new Date(0),
        })
      }
    })
    const started = performance.now()
    const { delivered } = await dispatcher.drain()
    const seconds = (performance.now() - started) / 1000
    if (delivered !== events.length) throw new Error(`bench: delivered ${delivered} of ${events.length}`)
    return { perSecond: delivered / seconds, connections }
  } finally {
    await dispatcher.stop()
    notifier.close()
    await store.close()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** The fastest of `runs` runs of `work`, in milliseconds (after a GC when `--expose-gc` is on). */
async function best(runs: number, work: () => Promise<void>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY
  for (let i = 0; i < runs; i += 1) {
    ;(globalThis as { gc?: () => void }).gc?.()
    const started = performance.now()
    await work()
    fastest = Math.min(fastest, performance.now() - started)
  }
  return fastest
}
