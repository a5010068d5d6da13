/**
 * A `type = "command"` check through `timon daemon`: a Nagios-style plugin's first output line is
 * the sample's comment, the rest its detail, which also describes the critical incident it opens.
 */
import { chmodSync, writeFileSync } from 'node:fs'
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

describe('a command check in timon daemon', () => {
  it('keeps the first output line as the comment and the rest as the detail, shown by timon show --json', async () => {
    const dir = tempDir()
    cleanups.push(dir.remove)
    const script = join(dir.dir, 'check_disk.sh')
    writeFileSync(
      script,
      '#!/bin/sh\necho "DISK CRITICAL - /var 97% | var=97%"\necho "/var 97% (3 GiB free)"\necho "/home 40%"\nexit 2\n',
    )
    chmodSync(script, 0o755)
    daemon = await startDaemon({
      dir: dir.dir,
      config: `[[check]]\ntype = "command"\ncode = "disk.var"\ncommand = ["${script}"]\ninterval = "1s"\nfailure_threshold = 1\n`,
    })
    const running = daemon
    const show = async () => JSON.parse((await running.timon(['show', 'disk.var', '--json'])).stdout || '{}')
    let view: { last_report?: { comment: string; detail: string }; active_incidents?: { id: number }[] } = {}
    await poll(
      async () => {
        view = await show()
        return view.last_report !== undefined
      },
      15_000,
      () => `no sample of disk.var:\n${running.output()}`,
    )
    expect(view.last_report).toMatchObject({
      health: 'critical',
      // The first line without its performance data, and the thresholds' count the poller adds.
      comment: 'DISK CRITICAL - /var 97% (1 failure)',
      detail: '/var 97% (3 GiB free)\n/home 40%',
    })
    const incident = JSON.parse((await running.timon(['show', 'INC-1', '--json'])).stdout)
    expect(incident).toMatchObject({ incident: { description: '/var 97% (3 GiB free)\n/home 40%' } })
  })
})
