// CommandNotifier running real child processes: small shell scripts written to a temp dir.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Dispatcher, MemoryStore, type DeliveryOutcome, type NotificationEvent } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { enqueue, event, stored } from '../../notify-webhook/test/helpers.js'
import { CommandNotifier, parseCommands } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'timon-command-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const open: { close(): unknown }[] = []
afterEach(() => {
  for (const thing of open.splice(0)) thing.close()
})

let scripts = 0
/** Writes an executable `sh` script and returns its path. */
function script(body: string): string {
  const path = join(dir, `script-${(scripts += 1)}.sh`)
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}

function setUp(tables: Record<string, unknown>[]) {
  const notifier = new CommandNotifier({
    commands: parseCommands(tables.map((table) => ({ on: ['*'], ...table })))._unsafeUnwrap(),
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

/** Whether a process runs: it exists and is not a zombie waiting to be reaped (Linux's /proc). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

describe('CommandNotifier', () => {
  it('passes the payload on stdin, TIMON_EVENT, TIMON_INCIDENT and TIMON_DELIVERY, and the arguments as given', async () => {
    const out = join(dir, 'delivered')
    const page = script(
      `cat > ${out}.stdin\nprintf '%s\\n' "$TIMON_EVENT" "$TIMON_INCIDENT" "$TIMON_DELIVERY" "$#" "$1" "$2" > ${out}.env`,
    )
    const { send } = setUp([{ command: [page, '--urgent', 'two words; $HOME'] }])
    expect(await send(event('incident.open', { incident: { id: 7 } }))).toEqual({ ok: true })

    expect(JSON.parse(readFileSync(`${out}.stdin`, 'utf8'))).toEqual({
      _event: 'incident.open',
      _hostname: 'prod-1',
      _timestamp: '2026-04-19T00:05:40Z',
      incident: expect.objectContaining({ id: 7, code: 'INC-7', state: 'open', title: 'db.backup is critical' }),
      note: 'db.backup turned critical',
    })
    const [name, incident, deliveryId, argc, first, second] = readFileSync(`${out}.env`, 'utf8').split('\n')
    expect({ name, incident, argc, first, second }).toEqual({
      name: 'incident.open',
      incident: 'INC-7',
      argc: '2',
      first: '--urgent',
      second: 'two words; $HOME',
    })
    expect(deliveryId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('sets no TIMON_INCIDENT for the daemon events', async () => {
    const out = join(dir, 'started.env')
    const { send } = setUp([{ command: [script(`echo "\${TIMON_INCIDENT-unset} $TIMON_EVENT" > ${out}`)] }])
    expect(await send(event('timon.started'))).toEqual({ ok: true })
    expect(readFileSync(out, 'utf8')).toBe('unset timon.started\n')
  })

  it('retries a failed run, quoting the first 200 bytes of stderr', async () => {
    const { send } = setUp([{ command: [script(`cat > /dev/null\nprintf 'pager down:  %0300d' 0 >&2\nexit 3`)] }])
    const outcome = await send()
    expect(outcome).toEqual({
      ok: false,
      error: `exit status 3: pager down: ${'0'.repeat(200 - 'pager down:  '.length)}`,
    })
  })

  it('says which signal killed the program', async () => {
    const { send } = setUp([{ command: [script('kill -TERM $$')] }])
    expect(await send()).toEqual({ ok: false, error: 'killed by SIGTERM' })
  })

  it('retries a program that cannot be started, saying why', async () => {
    const { send } = setUp([{ command: [join(dir, 'no-such-program')] }])
    const outcome = await send()
    expect(outcome).toMatchObject({ ok: false })
    expect(outcome).not.toHaveProperty('final')
    expect(outcome.ok ? '' : outcome.error).toMatch(/^cannot run .*no-such-program: .*ENOENT/)
  })

  it('delivers when the program exits 0 without reading its stdin', async () => {
    const { send } = setUp([{ command: ['true'] }])
    expect(await send()).toEqual({ ok: true })
  })

  it('kills the whole process group when the run outlasts its timeout', async () => {
    const pids = join(dir, 'pids')
    // The script starts a background child, then waits: both must die.
    const hang = script(`sleep 300 &\necho "$$ $!" > ${pids}\necho 'still working' >&2\nwait`)
    const { send } = setUp([{ command: [hang], timeout: '2s' }])
    const outcome = await send()
    expect(outcome).toEqual({ ok: false, error: 'timed out after 2s (process group killed): still working' })
    const [shell, child] = readFileSync(pids, 'utf8').trim().split(' ').map(Number)
    // Their stderr closes while the kernel tears them down, a moment before they count as exited.
    await vi.waitFor(() => expect([running(shell!), running(child!)]).toEqual([false, false]), {
      timeout: 2000,
      interval: 10,
    })
  })

  it('leaves a failed run pending in the outbox, its reason recorded', async () => {
    const { notifier, store, clock } = setUp([
      { name: 'pager', command: [script('echo "no route to pager" >&2; exit 1')], retry: { attempts: 3, delay: '1m' } },
    ])
    const [delivery] = await enqueue(store, clock, notifier, event('incident.open'))
    expect(await new Dispatcher({ store, notifier, clock }).drain()).toMatchObject({ rescheduled: 1 })
    expect(await stored(store, delivery!.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'exit status 1: no route to pager',
    })
  })

  it('routes by on and gives each command its retry policy', () => {
    const { notifier } = setUp([
      { name: 'all', command: ['true'] },
      { on: ['incident.open'], command: ['true'], retry: { attempts: 0 } },
    ])
    expect(notifier.targetsFor('incident.open')).toEqual(['all', 'command[1]'])
    expect(notifier.targetsFor('timon.ping')).toEqual(['all'])
    expect(notifier.retryPolicy('command[1]')).toEqual({ retries: 0, delayMs: 5_000, maxDelayMs: 3_600_000 })
    expect(notifier.retryPolicy('gone')).toBeUndefined()
  })
})
