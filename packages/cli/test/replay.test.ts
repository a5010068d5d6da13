/** `timon replay` against a real daemon: the stored history replayed under other rules and webhooks. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, startDaemon, tempDir, type DaemonProcess } from './helpers.js'

let daemon: DaemonProcess

beforeAll(async () => {
  ensureBuilt()
  daemon = await startDaemon({
    config: `\n[[webhook]]\nname = "chat"\non = ["incident.*"]\nurl = "http://127.0.0.1:9/hook"\n\n[webhook.retry]\nattempts = 0\n`,
  })
  for (const health of ['critical', 'critical', 'healthy'])
    expect((await daemon.timon(['push', 'probe', 'web.api', health])).status).toBe(0)
  expect((await daemon.timon(['push', 'probe', 'db.main', 'healthy'])).status).toBe(0)
})

afterAll(async () => {
  await daemon?.cleanup()
})

describe('timon replay', () => {
  it('reproduces the stored history under unchanged rules', async () => {
    const result = await daemon.timon(['replay', '--json'])
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      summary: { incidents: { recorded: 1, replayed: 1 }, notifications: { recorded: 2, replayed: 2 } },
      codes: [],
    })
  })

  it('shows what a threshold and other webhooks would have changed', async () => {
    const tmp = tempDir()
    try {
      const config = join(tmp.dir, 'other.toml')
      writeFileSync(config, '[[webhook]]\nname = "pager"\non = ["incident.open"]\nurl = "http://127.0.0.1:9/"\n')
      const json = JSON.parse((await daemon.timon(['replay', '--set', 'web.*:failure_threshold=3', '--json'])).stdout)
      expect(json.summary).toEqual({
        incidents: { recorded: 1, replayed: 0 },
        notifications: { recorded: 2, replayed: 0 },
      })
      expect(json.codes).toMatchObject([
        {
          code: 'web.api',
          removed: [{ type: 'incident', incident: { trigger: 'critical' } }, {}, {}],
          added: [],
          changed: [],
        },
      ])
      const text = (await daemon.timon(['replay', '--config', config])).stdout
      expect(text).toContain('web.api\n  + incident.open to pager at ')
      expect(text.trimEnd().split('\n').at(-1)).toBe('same incidents, 1 notification fewer')
      const bad = await daemon.timon(['replay', '--set', 'web.*:nope=1'])
      expect(bad.status).toBe(1)
      expect(bad.stderr).toMatch(/unknown rule "nope"/)
    } finally {
      tmp.remove()
    }
  })

  it('replays in worker threads as in this process, also when a dependency crosses their shares', async () => {
    for (const code of ['queue.mail', 'queue.jobs', 'host.disk'])
      for (const health of ['critical', 'healthy', 'critical'])
        expect((await daemon.timon(['push', 'probe', code, health])).status).toBe(0)
    const replayed = async (jobs: number, ...sets: string[]) => {
      const result = await daemon.timon([
        'replay',
        '--json',
        '--jobs',
        String(jobs),
        ...sets.flatMap((s) => ['--set', s]),
      ])
      expect(result.status).toBe(0)
      return JSON.parse(result.stdout)
    }
    const inProcess = await replayed(1, '*:failure_threshold=2')
    expect(inProcess.summary.incidents).toEqual({ recorded: 4, replayed: 1 })
    expect(await replayed(3, '*:failure_threshold=2')).toEqual(inProcess)
    // Of two shares, web.api and db.main fall in different ones: replayed in one process.
    const depending = ['web.api:depends_on=db.main', 'db.main:failure_threshold=1']
    expect(await replayed(2, ...depending)).toEqual(await replayed(1, ...depending))
  })

  it('replays the silences of the window: what one held is not notified, in this process or in threads', async () => {
    expect((await daemon.timon(['silence', 'add', 'cache.*', '--for', '1h'])).status).toBe(0)
    expect((await daemon.timon(['push', 'probe', 'cache.redis', 'critical'])).status).toBe(0)
    for (const jobs of ['1', '2']) {
      const result = await daemon.timon(['replay', '--code', 'cache.*', '--jobs', jobs, '--json'])
      expect(result.status).toBe(0)
      expect(JSON.parse(result.stdout)).toEqual({
        summary: { incidents: { recorded: 1, replayed: 1 }, notifications: { recorded: 0, replayed: 0 } },
        codes: [],
      })
    }
  })
})
