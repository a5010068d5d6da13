/**
 * `[[plugin]]` in `timon daemon` as users run it: a plugin whose check throws at every run is
 * logged and recorded, never crashing the process; SIGHUP rebuilds a plugin whose table changed.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, poll, startDaemon, tempDir, type DaemonProcess } from './helpers.js'

beforeAll(() => ensureBuilt())

let daemon: DaemonProcess | undefined
const cleanups: (() => void)[] = []
afterEach(async () => {
  await daemon?.cleanup()
  daemon = undefined
  for (const cleanup of cleanups.splice(0)) cleanup()
})

const PLUGIN = `export default ({ options }) => ({
  checks: [{ code: 'svc.flaky', run() { throw new Error('kaput ' + options.word) } }],
})
`

describe('a plugin in timon daemon', () => {
  it('logs a check that throws at run time, keeps serving, and rebuilds the plugin on SIGHUP', async () => {
    const dir = tempDir()
    cleanups.push(dir.remove)
    writeFileSync(join(dir.dir, 'flaky.mjs'), PLUGIN)
    const table = (word: string) =>
      `[[plugin]]\nname = "flaky"\nmodule = "./flaky.mjs"\ninterval = "1s"\nfailure_threshold = 1\noptions = { word = "${word}" }\n`
    daemon = await startDaemon({ dir: dir.dir, config: table('one') })
    const running = daemon
    const lastComment = async () => {
      const shown = await running.timon(['show', 'svc.flaky', '--json'])
      return shown.status === 0
        ? (JSON.parse(shown.stdout) as { last_report?: { comment?: string } }).last_report?.comment
        : undefined
    }
    /** Waits until the latest sample's comment starts with `expected` (the thresholds' count follows). */
    const commentBecomes = async (expected: string) => {
      let seen: string | undefined
      await poll(
        async () => (seen = await lastComment())?.startsWith(expected) === true,
        15_000,
        () => `svc.flaky's comment is ${seen}, not ${expected}…:\n${running.output()}`,
      )
    }
    await commentBecomes('plugin flaky: the check threw: kaput one (')
    expect(running.output()).toContain('plugin flaky: check svc.flaky: the check threw: kaput one')

    writeFileSync(running.configPath, readFileSync(running.configPath, 'utf8').replace('word = "one"', 'word = "two"'))
    running.child.kill('SIGHUP')
    await commentBecomes('plugin flaky: the check threw: kaput two (')
    expect(running.output()).toContain('plugins 0 added, 0 removed, 1 (flaky) rebuilt, 0 kept')
    expect((await running.timon(['push', 'probe', 'still.up', 'healthy'])).status).toBe(0)
    expect(running.child.exitCode).toBeNull()
    expect(await running.stop()).toBe(0)
  })
})
