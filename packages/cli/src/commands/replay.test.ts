import { describe, expect, it } from 'vitest'
import { historyColumnsOf, type HistoryPage } from '@timon/core'
import { toWireJson } from '@timon/client'
import { runCli } from '../../test/fake-io.js'
import { MINUTE, before, sample } from '../../test/fixtures.js'

/** Two pages of one probe's healthy samples, as the daemon's history export answers them. */
const PAGES: readonly HistoryPage[] = [
  {
    reports: [1, 2].map((id) => ({
      ...sample({ id, uid: `u${id}`, pushedAt: before((10 - id) * MINUTE) }),
      code: 'web',
    })),
    incidents: [],
    deliveries: [],
    next: { reportId: 2, incidentId: 0, deliveryId: 0 },
  },
  {
    reports: [{ ...sample({ id: 3, uid: 'u3', pushedAt: before(7 * MINUTE) }), code: 'web' }],
    incidents: [],
    deliveries: [],
  },
]

const historyColumnsWithText = (query?: { after?: unknown }) => {
  const columns = historyColumnsOf((query?.after === undefined ? PAGES[0] : PAGES[1]) as HistoryPage)
  return { columns, text: toWireJson(columns) }
}

/** No silences in the window. */
const silences = () => ({ silences: [], maintenance: [] })

describe('timon replay', () => {
  it('shows on a terminal how far it has read, and clears the line before the result', async () => {
    const result = await runCli(['replay', '--since', '1h'], {
      client: { historyColumnsWithText, silences },
      stderrIsTTY: true,
    })
    expect(result.status).toBe(0)
    expect(result.stderr).toBe(
      '\rreplaying: 2 samples and runs read\u2026\rreplaying: 3 samples and runs read\u2026\r\u001b[K',
    )
    expect(result.stdout).toBe('same incidents, same notifications\n')
  })

  it('writes no progress when stderr is not a terminal', async () => {
    const result = await runCli(['replay', '--since', '1h', '--json'], { client: { historyColumnsWithText, silences } })
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout).summary).toEqual({
      incidents: { recorded: 0, replayed: 0 },
      notifications: { recorded: 0, replayed: 0 },
    })
  })

  it('names the first three new incidents on the summary line, and counts the rest', async () => {
    const codes = ['a.one', 'b.two', 'c.three', 'd.four', 'e.five']
    const page: HistoryPage = {
      reports: codes.map((code, i) => ({
        ...sample({ id: i + 1, contractId: i + 1, uid: `u${i}`, health: 'critical', pushedAt: before(5 * MINUTE) }),
        code,
      })),
      incidents: [],
      deliveries: [],
    }
    const columns = historyColumnsOf(page)
    const result = await runCli(['replay', '--since', '1h'], {
      client: { historyColumnsWithText: () => ({ columns, text: toWireJson(columns) }), silences },
    })
    expect(result.status).toBe(0)
    const at = before(5 * MINUTE).toISOString()
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
      `5 incidents more, same notifications, 5 new: a.one critical at ${at}, b.two critical at ${at}, c.three critical at ${at} and 2 more`,
    )
    expect(result.stdout).toContain(`e.five\n  + critical incident opened at ${at}`)
  })

  it('replays without silences, saying so, when the daemon is too old to list past ones', async () => {
    const result = await runCli(['replay', '--since', '1h', '--json'], {
      client: { historyColumnsWithText },
      errors: { silences: { code: 'validation', message: 'invalid query: unrecognized key "ending_after"' } },
    })
    expect(result.status).toBe(0)
    expect(result.stderr).toBe(
      'timon replay: the daemon does not list past silences (it is older than this timon): replaying without silences; upgrade the daemon to replay them\n',
    )
    expect(JSON.parse(result.stdout).codes).toEqual([])
  })

  it('fails as other commands do when the daemon cannot be reached', async () => {
    const result = await runCli(['replay', '--since', '1h'], {
      errors: { silences: { code: 'unreachable', message: 'cannot reach the daemon at /run/timon.sock' } },
    })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain('cannot reach the daemon')
  })

  it('tells of a config file it cannot read before it asks the daemon anything', async () => {
    const result = await runCli(['replay', '--config', '/nonexistent/timon.toml'], { client: {} })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain('/nonexistent/timon.toml')
    expect(result.calls).toEqual([])
  })
})
