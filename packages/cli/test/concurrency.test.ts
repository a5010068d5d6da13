/** Many `timon push probe` processes at once: every sample is stored, none fails. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, startDaemon, type DaemonProcess } from './helpers.js'

let daemon: DaemonProcess

beforeAll(async () => {
  ensureBuilt()
  daemon = await startDaemon()
})

afterAll(async () => {
  await daemon?.cleanup()
})

describe('concurrent pushes', () => {
  it('stores all 50 samples of 50 concurrent timon push probe processes', { timeout: 120_000 }, async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        daemon.timon(['push', 'probe', 'burst.probe', i % 5 === 0 ? 'warning' : 'healthy', '--comment', `push ${i}`]),
      ),
    )
    for (const result of results)
      expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
        status: 0,
        stdout: '',
        stderr: '',
      })

    const shown = JSON.parse((await daemon.timon(['show', 'burst.probe', '--all', '--json'])).stdout) as {
      report_count: number
      reports: { report: { comment: string } }[]
    }
    expect(shown.report_count).toBe(50)
    expect(new Set(shown.reports.map((one) => one.report.comment)).size).toBe(50)
  })
})
