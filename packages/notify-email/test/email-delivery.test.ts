// EmailNotifier against real SMTP servers on 127.0.0.1 (smtp-server in-process).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Dispatcher, MemoryStore, type DeliveryOutcome, type NotificationEvent } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { enqueue, event, stored } from '../../notify-webhook/test/helpers.js'
import { EmailNotifier, parseEmails } from '../src/index.js'
import {
  makeCertificates,
  startDroppingServer,
  startSmtpServer,
  type TestSmtpOptions,
  type TestSmtpServer,
} from './smtp.js'

const open: { close(): unknown }[] = []
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close()
})

// Config files (CA certificate, password file) live here, as beside a timon.toml.
const dir = mkdtempSync(join(tmpdir(), 'timon-email-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const certs = makeCertificates()
if (certs !== undefined) writeFileSync(join(dir, 'ca.pem'), certs.caPem)
writeFileSync(join(dir, 'password'), 's3cret\n')

async function smtp(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const server = await startSmtpServer(options)
  open.push(server)
  return server
}

/** A notifier over `[[email]]` tables, with a store and a fake clock; `send` queues and attempts one event. */
function setUp(tables: Record<string, unknown>[]) {
  const notifier = new EmailNotifier({
    emails: parseEmails(
      tables.map((table) => ({ on: ['*'], to: ['ops@example.com'], from: 'Timon <timon@example.com>', ...table })),
      { baseDir: dir },
    )._unsafeUnwrap(),
    hostname: 'prod-1',
  })
  open.push(notifier)
  const clock = new FakeClock('2026-04-19T00:05:40Z')
  const store = new MemoryStore()
  const send = async (notification: NotificationEvent = event('incident.open')): Promise<DeliveryOutcome> => {
    const [delivery] = await enqueue(store, clock, notifier, notification)
    return notifier.deliver(delivery!)
  }
  return { notifier, store, clock, send }
}

const reason = (outcome: DeliveryOutcome) => (outcome.ok ? '' : outcome.error)

describe('EmailNotifier', () => {
  it('sends the default message with the delivery id in its headers and Message-ID', async () => {
    const server = await smtp()
    const { send } = setUp([
      { smtp: `smtp://127.0.0.1:${server.port}`, to: ['ops@example.com', 'Dev <dev@example.com>'] },
    ])
    expect(await send(event('incident.open', { incident: { id: 7 } }))).toEqual({ ok: true })

    const [message] = server.messages
    expect(message).toMatchObject({ from: 'timon@example.com', to: ['ops@example.com', 'dev@example.com'] })
    expect(message?.raw).toContain('Subject: [timon] INC-7 db.backup is critical\r\n')
    expect(message?.raw).toContain('X-Timon-Event: incident.open\r\n')
    const deliveryId = /X-Timon-Delivery: (\S+)\r\n/.exec(message?.raw ?? '')?.[1]
    expect(message?.raw).toContain(`Message-ID: <${deliveryId}@prod-1>`)
    expect(message?.raw).toContain('timon show INC-7')
  })

  it('renders the subject and body templates with the payload', async () => {
    const server = await smtp()
    const { send } = setUp([
      {
        smtp: `smtp://127.0.0.1:${server.port}`,
        subject: '{{_event}} on {{_hostname}}',
        body: 'Hi, {{incident.code}}: {{note}}',
      },
    ])
    expect(await send()).toEqual({ ok: true })
    expect(server.messages[0]?.raw).toContain('Subject: incident.open on prod-1\r\n')
    expect(server.messages[0]?.raw).toContain('Hi, INC-3: db.backup turned critical')
  })

  it('logs in with the user and password of the smtp URL', async () => {
    const server = await smtp({ login: { user: 'timon', password: 'p@ss word' } })
    const { send } = setUp([{ smtp: `smtp://timon:p%40ss%20word@127.0.0.1:${server.port}` }])
    expect(await send()).toEqual({ ok: true })
    expect(server.messages[0]?.user).toBe('timon')
  })

  it('fails for good, quoting the server, when the login is refused (535)', async () => {
    const server = await smtp({ login: { user: 'timon', password: 'right' } })
    const { send } = setUp([{ smtp: `smtp://timon:wrong@127.0.0.1:${server.port}` }])
    const outcome = await send()
    expect(outcome).toMatchObject({ ok: false, final: true })
    expect(reason(outcome)).toMatch(/AUTH .*refused: 535 5\.7\.8 Authentication credentials invalid/)
    expect(server.messages).toEqual([])
  })

  it('fails for good with its reason when the server refuses the recipient (550)', async () => {
    const server = await smtp({ rcpt: () => ({ code: 550, text: '5.1.1 No such mailbox' }) })
    const { send } = setUp([{ smtp: `smtp://127.0.0.1:${server.port}`, to: ['nobody@example.com'] }])
    const outcome = await send()
    expect(outcome).toMatchObject({ ok: false, final: true })
    expect(reason(outcome)).toBe('recipient <nobody@example.com> refused: 550 5.1.1 No such mailbox')
  })

  it('retries a recipient the server defers (450)', async () => {
    const server = await smtp({ rcpt: () => ({ code: 450, text: '4.2.1 Mailbox busy, try later' }) })
    const { send } = setUp([{ smtp: `smtp://127.0.0.1:${server.port}` }])
    const outcome = await send()
    expect(outcome).toMatchObject({ ok: false })
    expect(outcome).not.toHaveProperty('final')
    expect(reason(outcome)).toContain('450 4.2.1 Mailbox busy')
  })

  it('fails for good, saying who got it, when one recipient of several is refused', async () => {
    const server = await smtp({
      rcpt: (address) => (address === 'gone@example.com' ? { code: 550, text: '5.1.1 Gone' } : undefined),
    })
    const { send } = setUp([{ smtp: `smtp://127.0.0.1:${server.port}`, to: ['ops@example.com', 'gone@example.com'] }])
    const outcome = await send()
    expect(outcome).toEqual({
      ok: false,
      final: true,
      error: 'recipient <gone@example.com> refused: 550 5.1.1 Gone (delivered to ops@example.com)',
    })
    expect(server.messages.map((m) => m.to)).toEqual([['ops@example.com']])
  })

  it('retries when the server drops the connection, and the dispatcher keeps the delivery pending', async () => {
    const dropping = await startDroppingServer()
    open.push(dropping)
    const { notifier, store, clock } = setUp([
      { smtp: `smtp://127.0.0.1:${dropping.port}`, retry: { attempts: 2, delay: '30s' } },
    ])
    const [delivery] = await enqueue(store, clock, notifier, event('incident.open'))
    const outcome = await notifier.deliver(delivery!)
    expect(outcome).toMatchObject({ ok: false })
    expect(outcome).not.toHaveProperty('final')
    expect(dropping.dropped).toBe(1)

    const report = await new Dispatcher({ store, notifier, clock, random: () => 0 }).drain()
    expect(report).toMatchObject({ rescheduled: 1, failed: 0 })
    const after = await stored(store, delivery!.id)
    expect(after).toMatchObject({ status: 'pending', attempts: 1 })
    expect(after.lastError).toMatch(/closed|ECONNECTION/i)
    expect(after.nextAttemptAt.getTime() - clock.now().getTime()).toBe(30_000)
  })

  it('retries when nothing listens', async () => {
    const server = await smtp()
    const port = server.port
    await server.close()
    const { send } = setUp([{ smtp: `smtp://127.0.0.1:${port}` }])
    const outcome = await send()
    expect(outcome).toMatchObject({ ok: false })
    expect(outcome).not.toHaveProperty('final')
    expect(reason(outcome)).toContain('ECONNREFUSED')
  })

  it('sends many messages over a couple of pooled connections', async () => {
    const server = await smtp()
    const { send } = setUp([{ smtp: `smtp://127.0.0.1:${server.port}` }])
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => send()))
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true)
    expect(server.messages).toHaveLength(20)
    expect(server.connections).toBeLessThanOrEqual(2)
  })

  it('routes by on and gives each email its retry policy', () => {
    const { notifier } = setUp([
      { name: 'all', smtp: 'smtp://127.0.0.1:1' },
      { on: ['incident.open'], smtp: 'smtp://127.0.0.1:1', retry: { attempts: 1, delay: '1m' } },
    ])
    expect(notifier.targetsFor('incident.open')).toEqual(['all', 'email[1]'])
    expect(notifier.targetsFor('timon.started')).toEqual(['all'])
    expect(notifier.retryPolicy('email[1]')).toEqual({ retries: 1, delayMs: 60_000, maxDelayMs: 3_600_000 })
    expect(notifier.retryPolicy('gone')).toBeUndefined()
  })
})

describe.skipIf(certs === undefined)('EmailNotifier over TLS', () => {
  const tls = { key: certs?.key ?? '', cert: certs?.cert ?? '' }

  it('upgrades with STARTTLS, trusting the cert CA, then logs in with the password_file', async () => {
    const server = await smtp({ tls, login: { user: 'timon', password: 's3cret' } })
    const { send } = setUp([
      { smtp: `smtp://timon@127.0.0.1:${server.port}`, password_file: 'password', cert: 'ca.pem' },
    ])
    expect(await send()).toEqual({ ok: true })
    expect(server.messages[0]).toMatchObject({ secure: true, user: 'timon' })
  })

  it("refuses a STARTTLS certificate it does not trust, and retries (the server's CA may be fixed)", async () => {
    const server = await smtp({ tls })
    const { send } = setUp([{ smtp: `smtp://127.0.0.1:${server.port}` }])
    const outcome = await send()
    expect(outcome).toMatchObject({ ok: false })
    expect(outcome).not.toHaveProperty('final')
    expect(reason(outcome)).toMatch(/certificate/i)
    expect(server.messages).toEqual([])
  })

  it('speaks TLS from the start with smtps://', async () => {
    const server = await smtp({ tls, secure: true })
    const { send } = setUp([{ smtp: `smtps://127.0.0.1:${server.port}`, cert: 'ca.pem' }])
    expect(await send()).toEqual({ ok: true })
    expect(server.messages[0]?.secure).toBe(true)
  })
})
