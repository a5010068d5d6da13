// How a user unit-tests their own monitoring rules: a Monitor on a MemoryStore with a FakeClock.
// Time moves only when the test says so; nothing sleeps.
import { Monitor, MemoryStore } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { describe, expect, it } from 'vitest'

/** The app's own convention: a nightly backup must report within 26 hours and finish within 1 hour. */
async function startBackup(monitor: Monitor) {
  return (
    await monitor.startJob({ code: 'db.backup', staleIncidentAfter: '26h', overtimeIncidentAfter: '1h' })
  )._unsafeUnwrap().run
}

describe('backup monitoring', () => {
  it('raises a stale incident when the nightly backup does not run for 26 hours', async () => {
    const clock = new FakeClock('2025-03-01T02:00:00Z')
    const monitor = new Monitor({ store: new MemoryStore(), clock })
    const run = await startBackup(monitor)
    await monitor.endJob({ code: 'db.backup', uid: run.uid, comment: 'Backup OK' })

    clock.advance('25h59m')
    expect((await monitor.check())._unsafeUnwrap().opened).toEqual([])

    clock.advance('1m')
    const { opened } = (await monitor.check())._unsafeUnwrap()
    expect(opened).toMatchObject([{ title: 'db.backup is stale', triggerType: 'stale', state: 'open' }])
  })

  it('raises an overtime incident when a backup hangs for an hour', async () => {
    const clock = new FakeClock('2025-03-01T02:00:00Z')
    const monitor = new Monitor({ store: new MemoryStore(), clock })
    await startBackup(monitor)
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-03-01T03:00:00Z'))
    clock.advance('1h')
    expect((await monitor.check())._unsafeUnwrap().opened).toMatchObject([{ title: 'db.backup is overtime' }])
  })
})
