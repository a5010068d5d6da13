/**
 * Email and command targets in a real daemon: a real SMTP server (smtp-server) and a real command,
 * `timon notify test`, `timon deliveries retry`, and test routing switched on and off with SIGHUP.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSmtpServer, type TestSmtpServer } from '../../notify-email/test/smtp.js'
import { ensureBuilt, poll, startDaemon, tempDir, type DaemonProcess } from './helpers.js'

/** One run of the test command, as it recorded it. */
interface CommandRun {
  readonly target: string
  readonly event: string
  readonly incident?: string
  readonly payload: { readonly incident?: { readonly title: string } }
}

// Appends what it was given to a file; with a flag file argument, fails until that file exists.
const PAGE_SCRIPT = `import { appendFileSync, existsSync, readFileSync } from 'node:fs'
const [out, target, flag] = process.argv.slice(2)
if (flag !== undefined && !existsSync(flag)) { process.stderr.write('not ready yet\\n'); process.exit(3) }
const payload = JSON.parse(readFileSync(0, 'utf8'))
appendFileSync(out, JSON.stringify({ target, event: process.env.TIMON_EVENT, incident: process.env.TIMON_INCIDENT, payload }) + '\\n')
`

let smtp: TestSmtpServer
let daemon: DaemonProcess
let scratch: ReturnType<typeof tempDir>
let runsFile: string
let flagFile: string
let baseConfig: string

function runs(): CommandRun[] {
  if (!existsSync(runsFile)) return []
  return readFileSync(runsFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as CommandRun)
}

async function reload(config: string, count: number): Promise<void> {
  writeFileSync(daemon.configPath, config)
  daemon.child.kill('SIGHUP')
  await poll(
    () => daemon.output().split('configuration reloaded').length - 1 === count,
    10_000,
    () => `no reload:\n${daemon.output()}`,
  )
}

beforeAll(async () => {
  ensureBuilt()
  smtp = await startSmtpServer()
  scratch = tempDir('tnotify-')
  const script = join(scratch.dir, 'page.mjs')
  writeFileSync(script, PAGE_SCRIPT)
  runsFile = join(scratch.dir, 'runs.jsonl')
  flagFile = join(scratch.dir, 'ready')
  const command = (target: string, ...extra: string[]) =>
    JSON.stringify([process.execPath, script, runsFile, target, ...extra])
  const targets = `
[[email]]
name = "ops-mail"
on = ["incident.open"]
to = ["ops@example.com"]
from = "timon@example.com"
smtp = "smtp://127.0.0.1:${smtp.port}"
[email.retry]
attempts = 0
timeout = "5s"

[[command]]
name = "pager"
on = ["incident.*"]
command = ${command('pager')}
timeout = "10s"
[command.retry]
attempts = 0

[[command]]
name = "flaky"
on = ["incident.open"]
command = ${command('flaky', flagFile)}
timeout = "10s"
[command.retry]
attempts = 0
`
  daemon = await startDaemon({ config: targets })
  baseConfig = readFileSync(daemon.configPath, 'utf8')
})

afterAll(async () => {
  await daemon?.cleanup()
  await smtp?.close()
  scratch?.remove()
})

describe('email and command targets', () => {
  it('delivers an incident by email over SMTP and through a command', async () => {
    expect((await daemon.timon(['push', 'probe', 'mail.probe', 'critical'])).status).toBe(0)
    await poll(
      () => smtp.messages.length === 1 && runs().length === 1,
      15_000,
      () => `not delivered:\n${daemon.output()}`,
    )
    expect(smtp.messages[0]?.to).toEqual(['ops@example.com'])
    expect(smtp.messages[0]?.raw).toMatch(/^Subject: \[timon\] INC-\d+ mail\.probe is critical\r?$/m)
    expect(runs()).toMatchObject([
      {
        target: 'pager',
        event: 'incident.open',
        incident: expect.stringMatching(/^INC-\d+$/),
        payload: { incident: { title: 'mail.probe is critical' } },
      },
    ])
    await poll(
      async () =>
        (
          JSON.parse((await daemon.timon(['deliveries', '--status', 'failed', '--json'])).stdout) as {
            deliveries: unknown[]
          }
        ).deliveries.length === 1,
      15_000,
      () => `the flaky command did not fail:\n${daemon.output()}`,
    )
  })

  it('notify test sends timon.test through every target, or one, and says which failed', async () => {
    const all = await daemon.timon(['notify', 'test'])
    expect(all.stdout).toMatch(
      /^ops-mail {2}delivered\npager {5}delivered\nflaky {5}failed: exit status 3: not ready yet\n$/,
    )
    expect(all.status).toBe(1)
    expect(smtp.messages.at(-1)?.raw).toMatch(/^Subject: \[timon\] Timon test notification from /m)
    expect(runs().at(-1)).toMatchObject({ target: 'pager', event: 'timon.test' })

    const one = await daemon.timon(['notify', 'test', 'pager', '--json'])
    expect(one.status).toBe(0)
    expect(JSON.parse(one.stdout)).toEqual({ results: [{ target: 'pager', delivered: true }] })

    const unknown = await daemon.timon(['notify', 'test', 'nope'])
    expect(unknown.status).not.toBe(0)
    expect(unknown.stderr).toContain('no notifier target has that name')
    // Tests are not recorded in the outbox.
    const listed = JSON.parse((await daemon.timon(['deliveries', '--status', 'delivered', '--json'])).stdout) as {
      deliveries: { event: { name: string } }[]
    }
    expect(listed.deliveries.map((d) => d.event.name)).not.toContain('timon.test')
  })

  it('deliveries retry queues a failed delivery again under its delivery id', async () => {
    type Listed = { deliveries: { id: number; delivery_id: string; target: string; status: string }[] }
    const failed = (JSON.parse((await daemon.timon(['deliveries', '--status', 'failed', '--json'])).stdout) as Listed)
      .deliveries
    expect(failed).toMatchObject([{ target: 'flaky' }])
    const [delivery] = failed
    if (delivery === undefined) throw new Error('no failed delivery')

    writeFileSync(flagFile, '')
    const retried = await daemon.timon(['deliveries', 'retry', `#${delivery.id}`])
    expect(retried).toMatchObject({ status: 0, stdout: '1 delivery queued again\n' })
    await poll(
      () => runs().some((run) => run.target === 'flaky'),
      15_000,
      () => `not retried:\n${daemon.output()}`,
    )
    await poll(
      async () => {
        const all = (
          JSON.parse((await daemon.timon(['deliveries', '--status', 'delivered', '--json'])).stdout) as Listed
        ).deliveries
        return all.some((d) => d.id === delivery.id && d.delivery_id === delivery.delivery_id)
      },
      15_000,
      () => `not recorded as delivered:\n${daemon.output()}`,
    )

    expect((await daemon.timon(['deliveries', 'retry', '--failed'])).stdout).toBe('0 deliveries queued again\n')
    const again = await daemon.timon(['deliveries', 'retry', String(delivery.id)])
    expect(again.status).not.toBe(0)
    expect(again.stderr).toContain(`delivery #${delivery.id} is delivered, not failed`)
    expect((await daemon.timon(['deliveries', 'retry'])).stderr).toContain('give either a delivery id or --failed')
  })

  it('routes every notification to the test target while it is set, and back after a reload', async () => {
    const mails = smtp.messages.length
    const before = runs().length
    await reload(`${baseConfig}\n[notify]\ntest_target = "pager"\n`, 1)
    expect(daemon.output()).toContain('every notification goes to "pager" only')

    expect((await daemon.timon(['push', 'probe', 'routed.probe', 'critical'])).status).toBe(0)
    await poll(
      () => runs().length === before + 3,
      15_000,
      () => `not routed:\n${daemon.output()}`,
    )
    const titles = runs()
      .slice(before)
      .map((run) => `${run.target} ${run.payload.incident?.title ?? ''}`)
      .sort()
    expect(titles).toEqual([
      'pager [flaky] routed.probe is critical',
      'pager [ops-mail] routed.probe is critical',
      'pager [pager] routed.probe is critical',
    ])
    expect(smtp.messages.length).toBe(mails)

    await reload(baseConfig, 2)
    expect((await daemon.timon(['push', 'probe', 'normal.probe', 'critical'])).status).toBe(0)
    await poll(
      () => smtp.messages.length === mails + 1 && runs().length === before + 5,
      15_000,
      () => `not back to normal:\n${daemon.output()}`,
    )
    expect(
      runs()
        .slice(before + 3)
        .map((run) => `${run.target} ${run.payload.incident?.title ?? ''}`)
        .sort(),
    ).toEqual(['flaky normal.probe is critical', 'pager normal.probe is critical'])
  })
})
