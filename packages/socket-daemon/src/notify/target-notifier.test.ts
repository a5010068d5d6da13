import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Dispatcher, MemoryStore, type Delivery, type LogSink } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { parseCommands } from '@timon/notify-command'
import { afterEach, describe, expect, it } from 'vitest'
import { TargetNotifier, type NotifierTables } from './target-notifier.js'

const SILENT: LogSink = { debug() {}, info() {}, warn() {}, error() {} }
const dirs: string[] = []

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Command targets that append `<name> <event> <title>` to a file, and one that always fails. */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ttarget-'))
  dirs.push(dir)
  const out = join(dir, 'out')
  const script = `const fs=require('fs');const p=JSON.parse(fs.readFileSync(0,'utf8'));fs.appendFileSync(${JSON.stringify(out)},process.argv[1]+' '+p._event+' '+(p.incident?p.incident.title:p.note??'')+'\\n')`
  const table = (name: string) => ({
    name,
    on: ['incident.*'],
    command: [process.execPath, '-e', script, name],
    retry: { attempts: 3, delay: '1m' },
  })
  const commands = (names: readonly string[], extra: readonly object[] = []) =>
    parseCommands([...names.map(table), ...extra])._unsafeUnwrap()
  const tables = (names: readonly string[], testTarget?: string, extra: readonly object[] = []): NotifierTables => ({
    webhooks: [],
    emails: [],
    commands: commands(names, extra),
    testTarget,
  })
  const lines = () =>
    existsSync(out)
      ? readFileSync(out, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
      : []
  const clock = new FakeClock('2025-01-01T00:00:00Z')
  return { tables, lines, clock }
}

function delivery(id: number, target: string, title: string, clock: FakeClock): Delivery {
  const at = clock.now()
  return {
    id,
    deliveryId: `d-${id}`,
    target,
    event: {
      name: 'incident.open',
      at,
      incident: {
        id: 7,
        title,
        description: null,
        state: 'open',
        triggerType: 'critical',
        contractId: 1,
        openedAt: at,
        recoveredAt: null,
        relapsedAt: null,
        resolvedAt: null,
      },
    },
    orderingKey: null,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at,
    lastError: null,
    createdAt: at,
    finishedAt: null,
  }
}

describe('TargetNotifier', () => {
  it('routes by name, asks every kind for targets, and marks deliveries for the test target', async () => {
    const { tables, lines, clock } = setup()
    const notifier = new TargetNotifier(tables(['a', 'b'], 'b'), {
      hostname: 'box',
      version: '1',
      logger: SILENT,
      clock,
    })
    try {
      expect(notifier.targetsFor('incident.open')).toEqual(['a', 'b'])
      expect(await notifier.deliver(delivery(1, 'a', 'db is critical', clock))).toEqual({ ok: true })
      expect(lines()).toEqual(['b incident.open [a] db is critical'])
      expect(notifier.retryPolicy('a')).toMatchObject({ retries: 3, delayMs: 60_000 })
      expect(notifier.remindEvery('a')).toBeUndefined()
      expect(await notifier.deliver(delivery(2, 'gone', 'x', clock))).toMatchObject({
        ok: false,
        final: true,
        error: 'no notifier target named "gone" any more',
      })
    } finally {
      notifier.close()
    }
  })

  it("answers each target's remind_every", () => {
    const { tables, clock } = setup()
    const reminded = { name: 'pager', on: ['incident.*'], command: ['page-me'], remind_every: '4h' }
    const notifier = new TargetNotifier(tables(['a'], undefined, [reminded]), {
      hostname: 'box',
      version: '1',
      logger: SILENT,
      clock,
    })
    try {
      expect(notifier.targetsFor('incident.reminder')).toEqual(['a', 'pager'])
      expect(notifier.remindEvery('pager')).toBe(4 * 3_600_000)
      expect(notifier.remindEvery('a')).toBeUndefined()
    } finally {
      notifier.close()
    }
  })

  it("keeps the pending deliveries of unchanged targets across a reload; a removed target's fail, saying so", async () => {
    const { tables, lines, clock } = setup()
    const failing = {
      name: 'b',
      on: ['incident.*'],
      command: [process.execPath, '-e', 'process.exit(1)'],
      retry: { attempts: 3, delay: '1m' },
    }
    const notifier = new TargetNotifier(tables(['a'], undefined, [failing]), {
      hostname: 'box',
      version: '1',
      logger: SILENT,
      clock,
    })
    const store = new MemoryStore()
    const dispatcher = new Dispatcher({ store, clock, notifier, random: () => 0 })
    try {
      const queued = await store.transaction(async (tx) => {
        const one = await tx.insertDelivery({
          deliveryId: 'to-b',
          target: 'b',
          event: delivery(0, 'b', 'db is critical', clock).event,
          orderingKey: null,
          nextAttemptAt: clock.now(),
          createdAt: clock.now(),
        })
        const two = await tx.insertDelivery({
          deliveryId: 'to-c',
          target: 'c',
          event: delivery(0, 'c', 'x', clock).event,
          orderingKey: null,
          nextAttemptAt: clock.now(),
          createdAt: clock.now(),
        })
        return [one, two] as const
      })
      // b fails and waits for its retry; c does not exist yet.
      expect(await dispatcher.drain()).toEqual({ delivered: 0, rescheduled: 1, failed: 1, superseded: 0 })

      // b now works; a is removed.
      const update = notifier.update(tables(['b', 'c']))
      expect(update).toEqual({ added: ['c'], removed: ['a'], kept: 1 })
      clock.advance('1m')
      expect(await dispatcher.drain()).toEqual({ delivered: 1, rescheduled: 0, failed: 0, superseded: 0 })
      expect(lines()).toEqual(['b incident.open db is critical'])
      const [toB] = queued
      expect(await store.transaction((tx) => tx.getDelivery(toB.id))).toMatchObject({
        deliveryId: 'to-b',
        status: 'delivered',
        attempts: 2,
      })

      await store.transaction((tx) =>
        tx.insertDelivery({
          deliveryId: 'to-a',
          target: 'a',
          event: delivery(0, 'a', 'y', clock).event,
          orderingKey: null,
          nextAttemptAt: clock.now(),
          createdAt: clock.now(),
        }),
      )
      expect(await dispatcher.drain()).toEqual({ delivered: 0, rescheduled: 0, failed: 1, superseded: 0 })
      const [failed] = await store.transaction((tx) => tx.listDeliveries({ status: 'failed', limit: 10 }))
      expect(failed).toMatchObject({ deliveryId: 'to-a', lastError: 'no notifier target named "a" any more' })
    } finally {
      await dispatcher.stop()
      notifier.close()
    }
  })

  it('sends timon.test to every target or one, outside the outbox, and refuses an unknown name', async () => {
    const { tables, lines, clock } = setup()
    const notifier = new TargetNotifier(tables(['a', 'b']), { hostname: 'box', version: '1', logger: SILENT, clock })
    try {
      expect((await notifier.test(undefined))._unsafeUnwrap()).toEqual([
        { target: 'a', delivered: true },
        { target: 'b', delivered: true },
      ])
      expect((await notifier.test('b'))._unsafeUnwrap()).toEqual([{ target: 'b', delivered: true }])
      expect(lines().sort()).toEqual(['a timon.test ', 'b timon.test ', 'b timon.test '])
      expect((await notifier.test('zz'))._unsafeUnwrapErr()).toMatchObject({ code: 'not_found' })
    } finally {
      notifier.close()
    }
  })
})
