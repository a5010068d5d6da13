import { DEFAULT_RULES, type HistoryPage, type HistoryReport } from '@timon/core'
import { describe, expect, it } from 'vitest'
import { historyColumnsOf, historyPageOf, type HistoryColumns } from '@timon/core/lite'
import { fromWire, parseHistoryColumns, toWire, toWireJson } from './wire.js'

const sample = (id: number, contractId: number, code: string, staleAfter: number | null): HistoryReport => ({
  id,
  contractId,
  uid: `${id}`.padStart(12, '0'),
  health: id % 3 === 0 ? 'critical' : 'healthy',
  rules: { ...DEFAULT_RULES, staleAfter },
  progress: id === 4 ? { count: 1, of: 2 } : null,
  host: id === 2 ? 'web1' : null,
  kind: 'sample',
  pushedAt: new Date(Date.UTC(2025, 0, 1, 0, id)),
  comment: id === 1 ? 'first' : null,
  detail: id === 1 ? 'line 2\nline 3' : null,
  code,
})

const run: HistoryReport = {
  id: 3,
  contractId: 9,
  uid: 'aaaaaaaaaaaa',
  health: 'healthy',
  rules: DEFAULT_RULES,
  progress: null,
  host: null,
  kind: 'run',
  startedAt: new Date(Date.UTC(2025, 0, 1, 0, 3)),
  startComment: null,
  endedAt: new Date(Date.UTC(2025, 0, 1, 0, 4)),
  endComment: 'done',
  overtimeAt: null,
  exit: { code: 0, signal: null },
  logPath: null,
  skipped: false,
  code: 'job.backup',
  steps: [],
}

// The columns are the core's (core/src/history/columns.ts); here, their trip through the wire.
describe('history columns', () => {
  it('come back as the same page through the wire, runs in their place among the samples', () => {
    const page: HistoryPage = {
      reports: [
        sample(1, 1, 'db.main', 60_000),
        sample(2, 2, 'web.api', 60_000),
        run,
        sample(4, 1, 'db.main', 60_000),
        sample(5, 1, 'db.main', 120_000),
      ],
      incidents: [],
      deliveries: [],
      next: { reportId: 5, incidentId: 0, deliveryId: 0 },
    }
    const columns = historyColumnsOf(page)
    expect(columns.contracts).toHaveLength(2)
    // db.main's first set is web.api's too: each distinct set once.
    expect(columns.rules).toHaveLength(2)
    const wire = JSON.parse(JSON.stringify(toWire(columns)))
    expect(Object.keys(wire.samples)).toContain('pushed_at')
    expect(historyPageOf(fromWire(wire) as HistoryColumns)).toEqual(page)
    // As a worker thread of `timon replay --jobs` reads the text it was handed.
    expect(historyPageOf(parseHistoryColumns(toWireJson(columns)))).toEqual(page)
  })

  it('are not read out of text that is not JSON', () => {
    expect(() => parseHistoryColumns('{"samples":')).toThrow(SyntaxError)
  })
})
