import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Dispatcher, MemoryStore, Monitor } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { describe, expect, it } from 'vitest'
import { FileNotifier } from './file-notifier.js'

describe('examples/file-notifier', () => {
  it('receives incident events through the outbox and the dispatcher, and retries a failed append', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'timon-file-notifier-'))
    const clock = new FakeClock()
    const store = new MemoryStore()
    const good = new FileNotifier({ path: join(dir, 'audit.jsonl') })
    const monitor = new Monitor({ store, clock, notifications: good })
    const dispatcher = new Dispatcher({ store, clock, notifier: good })

    await monitor.pushProbe({ code: 'web', health: 'critical', comment: 'HTTP 503' })
    await monitor.pushProbe({ code: 'web', health: 'healthy' })
    expect(await dispatcher.drain()).toEqual({ delivered: 2, rescheduled: 0, failed: 0, superseded: 0 }) // same incident: in order

    const lines = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => `${l.event} ${l.incident.code} ${l.incident.state}`)).toEqual([
      'incident.open INC-1 open',
      'incident.recovered INC-1 recovered',
    ])
    expect(lines[0].note).toMatch(/^web turned critical \(sample [0-9a-f]{12}\): HTTP 503$/)

    // A directory that does not exist: the append fails, the delivery is rescheduled, then given up.
    const broken = new FileNotifier({ path: join(dir, 'missing', 'audit.jsonl'), retries: 1 })
    const brokenStore = new MemoryStore()
    const failingMonitor = new Monitor({ store: brokenStore, clock, notifications: broken })
    const failingDispatcher = new Dispatcher({ store: brokenStore, clock, notifier: broken })
    await failingMonitor.openIncident({ title: 'Disk full' })
    expect(await failingDispatcher.drain()).toEqual({ delivered: 0, rescheduled: 1, failed: 0, superseded: 0 })
    clock.advance('1s')
    expect(await failingDispatcher.drain()).toEqual({ delivered: 0, rescheduled: 0, failed: 1, superseded: 0 })
    const [failed] = (await failingMonitor.deliveries({ status: 'failed' }))._unsafeUnwrap()
    expect(failed?.lastError).toMatch(/ENOENT/)
  })
})
