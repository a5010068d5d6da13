import { randomUUID } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Clock, Delivery, EventName, Incident, NotificationEvent, Notifier, Store } from '@timon/core'

/** One request a {@link Receiver} got. */
export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
  /** `performance.now()` when the body had arrived. */
  readonly at: number
}

/** Answers a request; `n` counts requests from 0. Leave `res` alone to never answer. */
export type Handler = (req: Received, res: http.ServerResponse, n: number) => void

/** A real HTTP(S) server on 127.0.0.1 that records what it receives. */
export interface Receiver {
  readonly url: string
  readonly requests: Received[]
  /** TCP connections accepted so far (keep-alive reuse keeps it low). */
  connections: number
  handler: Handler
  close(): Promise<void>
}

/** Answers 200 with `ok`. */
export const answerOk: Handler = (_req, res) => {
  res.end('ok')
}

/** Starts a receiver on 127.0.0.1 (a free port); with `tls`, an HTTPS one. */
export async function startReceiver(
  handler: Handler = answerOk,
  tls?: { readonly key: string; readonly cert: string },
): Promise<Receiver> {
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const received: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
      }
      receiver.requests.push(received)
      receiver.handler(received, res, receiver.requests.length - 1)
    })
  }
  const server = tls === undefined ? http.createServer(listener) : https.createServer(tls, listener)
  server.on('connection', () => {
    receiver.connections += 1
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const receiver: Receiver = {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}/hook`,
    requests: [],
    connections: 0,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return receiver
}

/** A URL on 127.0.0.1 where nothing listens (a port just freed). */
export async function deadUrl(): Promise<string> {
  const receiver = await startReceiver()
  await receiver.close()
  return receiver.url
}

/** An incident as the core would have it after a transition. */
export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 3,
    state: 'open',
    triggerType: 'critical',
    title: 'db.backup is critical',
    description: null,
    contractId: 1,
    openedAt: new Date('2026-04-19T00:05:40Z'),
    recoveredAt: null,
    relapsedAt: null,
    resolvedAt: null,
    ...overrides,
  }
}

/** An outbox event: incident events carry {@link incident} (overridable) and a note. */
export function event(
  name: EventName,
  options: { readonly at?: Date; readonly incident?: Partial<Incident>; readonly note?: string | null } = {},
): NotificationEvent {
  const at = options.at ?? new Date('2026-04-19T00:05:40Z')
  if (!name.startsWith('incident.')) return { name, at }
  const note = options.note === undefined ? 'db.backup turned critical' : options.note
  return {
    name,
    at,
    incident: incident(options.incident),
    ...(note === null ? {} : { note }),
  }
}

/**
 * Writes one delivery per subscribed target, as the Monitor does inside its transaction.
 * @returns the deliveries, in target order.
 */
export async function enqueue(
  store: Store,
  clock: Clock,
  notifier: Notifier,
  notification: NotificationEvent,
  orderingKey: string | null = null,
): Promise<Delivery[]> {
  return store.transaction(async (tx) => {
    const deliveries: Delivery[] = []
    for (const target of notifier.targetsFor(notification.name)) {
      deliveries.push(
        await tx.insertDelivery({
          deliveryId: randomUUID(),
          target,
          event: notification,
          orderingKey,
          nextAttemptAt: clock.now(),
          createdAt: clock.now(),
        }),
      )
    }
    return deliveries
  })
}

/** The stored state of a delivery. */
export async function stored(store: Store, id: number): Promise<Delivery> {
  const delivery = await store.transaction((tx) => tx.getDelivery(id))
  if (delivery === undefined) throw new Error(`delivery ${id} is gone`)
  return delivery
}

export { hasOpenssl, makeTestCertificates as makeCertificates } from '../../http-common/test/certificates.js'
