import { randomUUID } from 'node:crypto'
import { Dispatcher, MemoryStore, SystemClock, type Delivery, type NotificationEvent } from '@timon/core'
import { EmailNotifier, parseEmails, type EmailConfig } from '@timon/notify-email'
import nodemailer from 'nodemailer'
import { startSmtpServer } from '../packages/notify-email/test/smtp.js'

/** Emails sent by each measure. */
const EMAILS = 1_000
/** Emails in flight at once in the direct measures (the Dispatcher's default overall limit). */
const IN_FLIGHT = 8

/**
 * Measures the email adapter against a local SMTP server (smtp-server, in this process, so its
 * work is counted too); prints nothing (the caller reports). Figures:
 *
 * - `emails_per_second_dispatcher`: {@link EMAILS} deliveries of one `[[email]]` target through the
 *   Dispatcher and a memory store, as the daemon sends them (2 attempts at once per target, so 2
 *   pooled connections);
 * - `emails_per_second_pooled`: `EmailNotifier.deliver` with {@link IN_FLIGHT} at once over
 *   {@link IN_FLIGHT} pooled connections;
 * - `emails_per_second_unpooled`: the baseline, the same messages with {@link IN_FLIGHT} at once
 *   but a new SMTP connection per message (nodemailer without `pool`);
 * - `ratio_pooled_vs_unpooled`; `connections_*`: the TCP connections each measure opened.
 */
export async function runEmailBench(): Promise<Record<string, number>> {
  const server = await startSmtpServer()
  const smtp = `smtp://127.0.0.1:${server.port}`
  const table = { name: 'ops', on: ['*'], to: ['ops@example.com'], from: 'timon@example.com', smtp }
  const emails = parseEmails([table])._unsafeUnwrap()
  const events = Array.from({ length: EMAILS }, (_, i) => makeEvent(i))
  const results: Record<string, number> = {}
  try {
    // Warm-up: the JIT, and the server's first connections.
    await pooled(emails, events.slice(0, 100))

    let before = server.connections
    results.emails_per_second_dispatcher = await throughDispatcher(emails, events)
    results.connections_dispatcher = server.connections - before

    before = server.connections
    results.emails_per_second_pooled = await pooled(emails, events)
    results.connections_pooled = server.connections - before

    before = server.connections
    results.emails_per_second_unpooled = await unpooled(server.port, events)
    results.connections_unpooled = server.connections - before

    results.ratio_pooled_vs_unpooled = results.emails_per_second_pooled / results.emails_per_second_unpooled
    if (server.messages.length !== 100 + 3 * EMAILS)
      throw new Error(`bench: the server got ${server.messages.length} emails`)
  } finally {
    await server.close()
  }
  return results
}

// --- internal ---

function makeEvent(i: number): NotificationEvent {
  const at = new Date(Date.UTC(2026, 3, 19, 0, 0, 0) + i * 1000)
  return {
    name: 'incident.open',
    at,
    incident: {
      id: i + 1,
      state: 'open',
      triggerType: 'critical',
      title: `db.backup-${i} is critical`,
      description: `Dump of shard ${i} failed`,
      contractId: i + 1,
      openedAt: at,
      recoveredAt: null,
      relapsedAt: null,
      resolvedAt: null,
    },
    note: `db.backup-${i} turned critical`,
  }
}

function delivery(event: NotificationEvent): Delivery {
  return {
    id: 0,
    deliveryId: randomUUID(),
    target: 'ops',
    event,
    orderingKey: null,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: event.at,
    lastError: null,
    createdAt: event.at,
    finishedAt: null,
  }
}

async function throughDispatcher(
  emails: readonly EmailConfig[],
  events: readonly NotificationEvent[],
): Promise<number> {
  const store = new MemoryStore()
  const clock = new SystemClock()
  const notifier = new EmailNotifier({ emails, hostname: 'prod-1' })
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
    let delivered = 0
    for (;;) {
      const report = await dispatcher.drain()
      delivered += report.delivered
      if (report.delivered + report.rescheduled + report.failed === 0) break
    }
    if (delivered !== events.length) throw new Error(`bench: delivered ${delivered} of ${events.length}`)
    return delivered / ((performance.now() - started) / 1000)
  } finally {
    notifier.close()
    await store.close()
  }
}

async function pooled(emails: readonly EmailConfig[], events: readonly NotificationEvent[]): Promise<number> {
  const notifier = new EmailNotifier({ emails, hostname: 'prod-1', connections: IN_FLIGHT })
  try {
    return await inFlight(events, async (e) => {
      const outcome = await notifier.deliver(delivery(e))
      if (!outcome.ok) throw new Error(`bench: ${outcome.error}`)
    })
  } finally {
    notifier.close()
  }
}

async function unpooled(port: number, events: readonly NotificationEvent[]): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port })
  try {
    return await inFlight(events, async (e) => {
      await transport.sendMail({
        from: 'timon@example.com',
        to: 'ops@example.com',
        subject: `[timon] INC-${e.incident?.id ?? 0} ${e.incident?.title ?? ''}`,
        text: e.note ?? '',
      })
    })
  } finally {
    transport.close()
  }
}

/** Runs `send` over `events` with {@link IN_FLIGHT} at once; returns the rate per second. */
async function inFlight(
  events: readonly NotificationEvent[],
  send: (event: NotificationEvent) => Promise<void>,
): Promise<number> {
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < events.length) {
      const event = events[next++]
      if (event !== undefined) await send(event)
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  return events.length / ((performance.now() - started) / 1000)
}
