/**
 * `timon replay --config` against a real daemon: the config's checks' thresholds, its email and
 * command targets and its maintenance windows, applied to the stored history.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, startDaemon, tempDir, type DaemonProcess } from './helpers.js'

let daemon: DaemonProcess
let scratch: ReturnType<typeof tempDir>

const WEBHOOK = '[[webhook]]\nname = "chat"\non = ["incident.*"]\nurl = "http://127.0.0.1:9/hook"\n'

beforeAll(async () => {
  ensureBuilt()
  scratch = tempDir()
  daemon = await startDaemon({ config: `\n${WEBHOOK}\n[webhook.retry]\nattempts = 0\n` })
  // What a `[[check]]` with failure_threshold = 1 records for one failed request, then a good one.
  for (const [health, comment] of [
    ['critical', 'HTTP 503 (1 failure)'],
    ['healthy', 'HTTP 200 (recovered)'],
  ] as const) {
    const pushed = await daemon.timon(['push', 'probe', 'site.web', health, '--comment', comment])
    expect(pushed.status).toBe(0)
  }
})

afterAll(async () => {
  await daemon?.cleanup()
  scratch?.remove()
})

/** `timon replay --config <file holding text> --json`, parsed. */
async function replayUnder(text: string): Promise<{ summary: unknown; codes: { code: string }[] }> {
  const file = join(scratch.dir, `replay-${Math.random().toString(36).slice(2)}.toml`)
  writeFileSync(file, text)
  const result = await daemon.timon(['replay', '--config', file, '--json'])
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout)
}

describe('timon replay --config', () => {
  it("steps a check's recorded samples again through the config's thresholds", async () => {
    const check = '[[check]]\ncode = "site.web"\nurl = "http://127.0.0.1:9/"\n'
    expect((await replayUnder(`${WEBHOOK}\n${check}failure_threshold = 1\n`)).summary).toEqual({
      incidents: { recorded: 1, replayed: 1 },
      notifications: { recorded: 2, replayed: 2 },
    })
    // At 2 failures in a row, the one failure is a warning: no incident, nobody told.
    const stricter = await replayUnder(`${WEBHOOK}\n${check}failure_threshold = 2\n`)
    expect(stricter.summary).toEqual({
      incidents: { recorded: 1, replayed: 0 },
      notifications: { recorded: 2, replayed: 0 },
    })
    expect(stricter.codes).toMatchObject([{ code: 'site.web', removed: [{ type: 'incident' }, {}, {}] }])
  })

  it("routes notifications to the config's emails and commands too", async () => {
    const targets = `
[[email]]
name = "ops-mail"
on = ["incident.open"]
to = ["ops@example.com"]
from = "timon@example.com"
smtp = "smtp://127.0.0.1:9"

[[command]]
name = "pager"
on = ["incident.recovered"]
command = ["/bin/true"]
`
    const json = await replayUnder(targets)
    expect(json.summary).toEqual({
      incidents: { recorded: 1, replayed: 1 },
      notifications: { recorded: 2, replayed: 2 },
    })
    expect(json.codes).toMatchObject([
      {
        code: 'site.web',
        added: [
          { type: 'notification', notification: { event: 'incident.open', target: 'ops-mail' } },
          { type: 'notification', notification: { event: 'incident.recovered', target: 'pager' } },
        ],
      },
    ])
  })

  it("silences what the config's maintenance windows cover", async () => {
    const always = '[[maintenance]]\ncodes = ["site.*"]\nschedule = "* * * * * *"\nduration = "1h"\n'
    expect((await replayUnder(`${WEBHOOK}\n${always}`)).summary).toEqual({
      incidents: { recorded: 1, replayed: 1 },
      notifications: { recorded: 2, replayed: 0 },
    })
  })
})
