/** `timon incidents` against a real daemon: filters, paging through the daemon's cursor, the table and --json. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, startDaemon, type DaemonProcess } from './helpers.js'

let daemon: DaemonProcess

beforeAll(async () => {
  ensureBuilt()
  daemon = await startDaemon()
  for (const [code, health] of [
    ['db.main', 'critical'],
    ['db.replica', 'critical'],
    ['db.replica', 'healthy'],
    ['web.api', 'critical'],
  ] as const) {
    expect((await daemon.timon(['push', 'probe', code, health])).status).toBe(0)
  }
  expect((await daemon.timon(['push', 'incident', 'power cut'])).status).toBe(0)
  expect((await daemon.timon(['resolve', 'INC-1'])).status).toBe(0)
})

afterAll(async () => {
  await daemon?.cleanup()
})

type Listed = { incidents: { id: number; code: string | null; state: string; trigger_type: string }[] }

async function listed(args: string[]): Promise<Listed['incidents']> {
  const run = await daemon.timon(['incidents', ...args, '--json'])
  expect(run.status).toBe(0)
  return (JSON.parse(run.stdout) as Listed).incidents
}

describe('timon incidents', () => {
  it('lists the history newest first, as a table and as JSON', async () => {
    expect((await listed([])).map((i) => [i.id, i.code, i.state])).toEqual([
      [4, null, 'open'],
      [3, 'web.api', 'open'],
      [2, 'db.replica', 'recovered'],
      [1, 'db.main', 'resolved'],
    ])
    const text = (await daemon.timon(['incidents', '--code', 'db.*'])).stdout
    // The ages' widths vary with the machine's speed ("856ms", "1s 108ms"): the title column moves with them.
    expect(text).toMatch(
      /^INCIDENTS \(2\)\n {2}INC-2 {2}recovered {2}critical {2}db\.replica {2}opened .* ago +db\.replica is critical\n {2}INC-1 {2}resolved {3}critical {2}db\.main {5}opened .* ago +db\.main is critical\n$/,
    )
  })

  it('filters by state, trigger, code and time, and pages up to --limit', async () => {
    expect((await listed(['--state', 'open,relapsed'])).map((i) => i.id)).toEqual([4, 3])
    expect((await listed(['--trigger', 'manual'])).map((i) => i.id)).toEqual([4])
    expect((await listed(['--code', 'web.*,db.main'])).map((i) => i.id)).toEqual([3, 1])
    expect((await listed(['--since', '1h', '--until', '2999-01-01T00:00:00Z'])).length).toBe(4)
    expect(await listed(['--until', '1h'])).toEqual([])
    expect((await listed(['--limit', '3'])).map((i) => i.id)).toEqual([4, 3, 2])
  })

  it('refuses a state the daemon does not know, and a bad time', async () => {
    const state = await daemon.timon(['incidents', '--state', 'closed'])
    expect(state.status).not.toBe(0)
    expect(state.stderr).toContain('must be one of: open, recovered, relapsed, resolved')
    const since = await daemon.timon(['incidents', '--since', 'yesterday'])
    expect(since.status).not.toBe(0)
    expect(since.stderr).toContain('invalid --since "yesterday"')
  })
})
