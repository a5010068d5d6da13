import { describe, expect, it } from 'vitest'
import { DEFAULT_RULES, type Rules } from '../src/domain.js'
import {
  HistoryColumnsBuilder,
  JsonColumn,
  exportHistoryColumns,
  historyColumnsOf,
  historyPageOf,
  type HistoryColumns,
} from '../src/history/columns.js'
import { MemoryStore } from '../src/memory-store.js'
import { Monitor } from '../src/monitor.js'
import { FakeClock } from '../src/testing/fake-clock.js'
import type { HistoryPage, HistoryReport, StoreTx } from '../src/ports/store.js'

const MINUTE = 60_000
const START = Date.UTC(2025, 0, 1)
const FAST: Rules = { ...DEFAULT_RULES, staleAfter: MINUTE }
const SLOW: Rules = { ...DEFAULT_RULES, staleAfter: 10 * MINUTE }

function sample(id: number, contractId: number, code: string, rules: Rules, extra: Partial<HistoryReport> = {}) {
  return {
    id,
    contractId,
    uid: `${id}`.padStart(12, '0'),
    health: 'healthy',
    rules,
    progress: null,
    kind: 'sample',
    pushedAt: new Date(START + id * MINUTE),
    comment: null,
    detail: null,
    code,
    ...extra,
  } as HistoryReport
}

const RUN: HistoryReport = {
  id: 3,
  contractId: 9,
  uid: 'aaaaaaaaaaaa',
  health: 'healthy',
  rules: DEFAULT_RULES,
  progress: null,
  host: null,
  kind: 'run',
  startedAt: new Date(START + 3 * MINUTE),
  startComment: null,
  endedAt: null,
  endComment: null,
  overtimeAt: null,
  exit: null,
  logPath: null,
  skipped: false,
  code: 'job.sync',
  steps: [],
}

/** db.main fast, web.api fast (a copy), a run, db.main slow then fast again, web.api with a host and progress. */
const PAGE: HistoryPage = {
  reports: [
    sample(1, 1, 'db.main', FAST, { comment: 'first', detail: 'line 2' }),
    sample(2, 2, 'web.api', { ...FAST }),
    RUN,
    sample(4, 1, 'db.main', SLOW, { health: 'critical' }),
    sample(5, 1, 'db.main', { ...FAST }),
    sample(6, 2, 'web.api', FAST, { host: 'web1', progress: { count: 1, of: 2 } }),
  ],
  incidents: [],
  deliveries: [],
  next: { reportId: 6, incidentId: 0, deliveryId: 0 },
}

describe('history columns', () => {
  it('number each probe and each distinct rule set once, in the order samples first carry them', () => {
    const columns = historyColumnsOf(PAGE)
    expect(columns.contracts).toEqual([
      { id: 1, code: 'db.main' },
      { id: 2, code: 'web.api' },
    ])
    // web.api's copy of the fast set and db.main's return to it name the first set.
    expect(columns.rules).toEqual([FAST, SLOW])
    expect(columns.samples).toEqual({
      id: [1, 2, 4, 5, 6],
      contract: [0, 1, 0, 0, 1],
      uid: ['000000000001', '000000000002', '000000000004', '000000000005', '000000000006'],
      health: ['healthy', 'healthy', 'critical', 'healthy', 'healthy'],
      pushedAt: [1, 2, 4, 5, 6].map((id) => START + id * MINUTE),
      comment: ['first', null, null, null, null],
      rules: [0, 0, 1, 0, 0],
      progress: [null, null, null, null, { count: 1, of: 2 }],
      host: [null, null, null, null, 'web1'],
      detail: ['line 2', null, null, null, null],
    })
    expect(columns.runs).toEqual([RUN])
    expect(columns.next).toEqual(PAGE.next)
  })

  it('hold the page they were made of, runs merged back in id order', () => {
    const back = historyPageOf(historyColumnsOf(PAGE))
    // A sample without a host comes back with `host: null`.
    expect(back).toEqual({
      ...PAGE,
      reports: PAGE.reports.map((r) => (r.kind === 'sample' ? { host: null, ...r } : r)),
    })
  })

  it('come out the same whatever room the builder made for samples, with no holes', () => {
    const build = (expected: number) => {
      const builder = new HistoryColumnsBuilder(expected)
      for (const report of PAGE.reports) {
        if (report.kind === 'run') builder.run(report)
        else builder.sample({ ...report, pushedAt: report.pushedAt.getTime(), host: report.host ?? null })
      }
      return builder.columns(PAGE)
    }
    const exact = historyColumnsOf(PAGE)
    for (const expected of [0, 2, 5, 100]) {
      const columns = build(expected)
      expect(JSON.stringify(columns)).toBe(JSON.stringify(exact))
      for (const column of Object.values(columns.samples)) expect(Object.keys(column)).toHaveLength(5)
    }
  })

  it('come out the same given all at once as columns, some as their JSON text, and decode the same', () => {
    const samples = PAGE.reports.flatMap((r) => (r.kind === 'sample' ? [r] : []))
    const text = <T>(values: T[]) => new JsonColumn<T>(JSON.stringify(values))
    const builder = new HistoryColumnsBuilder()
    builder.run(RUN)
    builder.samples(
      {
        id: text(samples.map((s) => s.id)),
        contractId: samples.map((s) => s.contractId),
        uid: text(samples.map((s) => s.uid)),
        health: samples.map((s) => s.health),
        pushedAt: text(samples.map((s) => s.pushedAt.getTime())),
        comment: text(samples.map((s) => s.comment)),
        rules: samples.map((s) => s.rules),
        progress: samples.map((s) => s.progress),
        host: text(samples.map((s) => s.host ?? null)),
        detail: samples.map((s) => s.detail),
      },
      (contractId) => samples.find((s) => s.contractId === contractId)?.code ?? '',
    )
    const columns = builder.columns(PAGE)
    // To the JSON text, keys in the same order: what the wire writes of either.
    expect(JSON.stringify(columns)).toBe(JSON.stringify(historyColumnsOf(PAGE)))
    expect(historyPageOf(columns)).toEqual(historyPageOf(historyColumnsOf(PAGE)))
  })

  it('take the samples of a page one at a time or all at once, not both', () => {
    const [first] = PAGE.reports
    if (first?.kind !== 'sample') throw new Error('PAGE starts with a sample')
    const entry = { ...first, pushedAt: first.pushedAt.getTime(), host: null }
    const batch = { ...historyColumnsOf(PAGE).samples, contractId: [], rules: [] }
    const oneThenAll = new HistoryColumnsBuilder()
    oneThenAll.sample(entry)
    expect(() => oneThenAll.samples(batch, () => '')).toThrow()
    const allThenOne = new HistoryColumnsBuilder()
    allThenOne.samples(batch, () => '')
    expect(() => allThenOne.sample(entry)).toThrow()
  })

  it('are exported by the store when it can, else made of its page', async () => {
    const own: HistoryColumns = { ...historyColumnsOf(PAGE), runs: [] }
    const query = { from: new Date(0), to: new Date(START), limit: 10 }
    // Only what the export reads of a transaction.
    const tx = (exportHistoryColumns?: StoreTx['exportHistoryColumns']) =>
      ({
        exportHistory: async () => PAGE,
        ...(exportHistoryColumns === undefined ? {} : { exportHistoryColumns }),
      }) as unknown as StoreTx
    expect(
      await exportHistoryColumns(
        tx(async () => own),
        query,
      ),
    ).toBe(own)
    expect(await exportHistoryColumns(tx(), query)).toEqual(historyColumnsOf(PAGE))
  })

  it('are read by Monitor.exportHistoryColumns in one transaction, the query checked as exportHistory checks it', async () => {
    const store = new MemoryStore()
    const monitor = new Monitor({ store, clock: new FakeClock(START) })
    const window = { from: new Date(START), to: new Date(START + MINUTE) }
    for (const query of [
      { ...window, limit: 0 },
      { from: window.to, to: window.from, limit: 5 },
    ]) {
      expect((await monitor.exportHistoryColumns(query))._unsafeUnwrapErr().message).toBe(
        (await monitor.exportHistory(query))._unsafeUnwrapErr().message,
      )
    }
    expect((await monitor.exportHistoryColumns({ ...window, limit: 5 }))._unsafeUnwrap()).toMatchObject({
      format: 'columns',
      contracts: [],
      samples: { id: [] },
    })
    await store.close()
  })
})
