/**
 * `timon silence add|list|end` and `[[maintenance]]` through the built binary against a real
 * daemon (docs/behaviour.md#silences).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, startDaemon, type DaemonProcess, type Exec } from './helpers.js'

let daemon: DaemonProcess
const timon = (...args: string[]) => daemon.timon(args)

beforeAll(async () => {
  ensureBuilt()
  // A window that starts every second and lasts an hour: always in force.
  daemon = await startDaemon({
    config: '\n[[maintenance]]\ncodes = ["backup.*"]\nschedule = "* * * * * *"\nduration = "1h"\n',
  })
})

afterAll(async () => {
  await daemon?.cleanup()
})

function expectOk(result: Exec): Exec {
  expect(result.stderr, result.stderr).toBe('')
  expect(result.status).toBe(0)
  return result
}

describe('timon silence', () => {
  it('adds a silence printing SIL-<id>, lists it, marks the subjects it covers in status, and ends it', async () => {
    expectOk(await timon('push', 'probe', 'web.shop', 'healthy'))
    expectOk(await timon('push', 'probe', 'backup.nightly', 'healthy'))
    const added = expectOk(await timon('silence', 'add', 'db.*', '--for', '2h', '--comment', 'disk swap')).stdout
    expect(added.trim()).toMatch(/^SIL-\d+$/)
    expect(added.trim().split('\n')).toHaveLength(1)
    const id = added.trim()
    expectOk(await timon('push', 'probe', 'db.main', 'critical'))

    const listed = JSON.parse(expectOk(await timon('silence', 'list', '--json')).stdout) as {
      silences: Record<string, unknown>[]
      maintenance: Record<string, unknown>[]
    }
    expect(listed.silences).toEqual([
      { id, pattern: 'db.*', starts_at: expect.any(String), ends_at: expect.any(String), comment: 'disk swap' },
    ])
    const [silence] = listed.silences
    expect(Date.parse(String(silence?.ends_at)) - Date.parse(String(silence?.starts_at))).toBe(2 * 60 * 60 * 1000)
    expect(listed.maintenance).toEqual([
      { codes: ['backup.*'], schedule: '* * * * * *', starts_at: expect.any(String), ends_at: expect.any(String) },
    ])
    expect(expectOk(await timon('silence', 'list')).stdout).toMatch(
      new RegExp(`^SILENCES \\(1\\)\\n {2}${id} +db\\.\\* +.+"disk swap"\\n\\nMAINTENANCE \\(1\\)\\n {2}backup\\.\\* `),
    )

    const status = expectOk(await timon('status')).stdout
    expect(status).toMatch(new RegExp(`\\n {2}db\\.main +.*silenced ${id}\\n`))
    expect(status).toMatch(/\n {2}backup\.nightly +.*silenced maintenance\n/)
    expect(status).toMatch(/\n {2}web\.shop +[^\n]*ago\n/)
    expect(status).toMatch(new RegExp(`\\nSILENCES \\(2\\)\\n {2}${id} +db\\.\\* +until `))
    // The incident of a silenced code still opens; its timeline names the silence.
    const incident = /\n {2}(INC-\d+) +open +"db\.main/.exec(status)?.[1] ?? ''
    expect(expectOk(await timon('show', incident)).stdout).toContain(`silenced by ${id}: not notified`)

    expectOk(await timon('silence', 'end', id))
    expect(
      (JSON.parse(expectOk(await timon('silence', 'list', '--json')).stdout) as { silences: unknown[] }).silences,
    ).toEqual([])
    expect(expectOk(await timon('status')).stdout).not.toContain(`silenced ${id}`)
  })

  it('until an RFC 3339 instant', async () => {
    const until = new Date(Date.now() + 60 * 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
    const id = expectOk(await timon('silence', 'add', '*', '--until', until)).stdout.trim()
    const listed = JSON.parse(expectOk(await timon('silence', 'list', '--json')).stdout) as {
      silences: { id: string; ends_at: string }[]
    }
    expect(listed.silences.find((silence) => silence.id === id)?.ends_at).toBe(until.replace('Z', '.000Z'))
    expectOk(await timon('silence', 'end', id))
  })

  it('refuses a silence without exactly one of --for and --until, a bad glob, a past end and a bad SIL id', async () => {
    for (const args of [['db.*'], ['db.*', '--for', '1h', '--until', '2099-01-01T00:00:00Z']]) {
      const refused = await timon('silence', 'add', ...args)
      expect(refused.status).toBe(1)
      expect(refused.stderr).toContain('give either --for or --until')
    }
    const past = await timon('silence', 'add', 'db.*', '--until', '2001-01-01T00:00:00Z')
    expect(past.status).toBe(1)
    expect(past.stderr).toContain('it must end after now')
    const glob = await timon('silence', 'add', 'db x', '--for', '1h')
    expect(glob.status).toBe(1)
    expect(glob.stderr).toContain('invalid code glob "db x"')
    const bad = await timon('silence', 'end', 'INC-3')
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('invalid silence "INC-3"')
    const missing = await timon('silence', 'end', 'SIL-999')
    expect(missing.status).not.toBe(0)
    expect(missing.stderr).toContain('silence does not exist')
  })
})
