// The history export's pages beyond the conformance suite's few rows: pages of several read batches
// (history-sample-columns.ts), with rule sets changing within and across pages.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { DEFAULT_RULES, JsonColumn, historyColumnsOf, type HistoryQuery, type Rules, type StoreTx } from '@timon/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteStore } from '../sqlite-store.js'

const START = Date.parse('2025-01-01T00:00:00Z')
const MINUTE = 60_000

let store: SqliteStore

beforeEach(() => {
  store = new SqliteStore({ database: ':memory:' })
})

afterEach(async () => {
  await store.close()
})

/**
 * `count` samples of three probes in turn, then a run; the probes change rules every 100 samples
 * (and come back to earlier sets), one of them with text rules.
 */
async function history(count: number): Promise<void> {
  const sets: Rules[] = [
    DEFAULT_RULES,
    { ...DEFAULT_RULES, staleAfter: MINUTE },
    { ...DEFAULT_RULES, schedule: '*/5 * * * *', tz: 'Europe/Paris', overlapIncident: false },
  ]
  await store.transaction(async (tx) => {
    const probes = await Promise.all(
      ['db.main', 'db.replica', 'web.api'].map((code) =>
        tx.insertContract({ code, kind: 'probe', rules: DEFAULT_RULES, createdAt: new Date(START) }),
      ),
    )
    for (let i = 0; i < count; i++) {
      const probe = probes[i % 3]
      if (probe === undefined) throw new Error('no probe')
      await tx.insertSample({
        contractId: probe.id,
        uid: i.toString(16).padStart(12, '0'),
        health: i % 7 === 0 ? 'critical' : 'healthy',
        pushedAt: new Date(START + i * MINUTE),
        comment: i % 5 === 0 ? `sample ${i}` : null,
        rules: sets[(Math.floor(i / 100) + (i % 3)) % sets.length] as Rules,
        progress: i % 11 === 0 ? { count: 1, of: 2 } : null,
        host: i % 2 === 0 ? 'host-a' : null,
      })
    }
    const job = await tx.insertContract({
      code: 'job.sync',
      kind: 'job',
      rules: DEFAULT_RULES,
      createdAt: new Date(START),
    })
    await tx.insertRun({
      contractId: job.id,
      uid: 'ffffffffffff',
      startedAt: new Date(START + 10 * MINUTE),
      startComment: null,
      rules: DEFAULT_RULES,
      overtimeAt: null,
    })
  })
}

describe('history export of the SQLite store', () => {
  it('exports pages of several read batches as columns equal to those of the pages', async () => {
    await history(COUNT)
    // The second: db.main's and db.replica's samples (every third is web.api's) from minute 30 to 10,100.
    const inScope = Array.from({ length: COUNT }, (_, i) => i).filter((i) => i >= 30 && i <= 10_100 && i % 3 !== 2)
    for (const [query, expected] of [
      [{ from: new Date(START), to: new Date(START + 2 * COUNT * MINUTE), limit: 6000 }, COUNT],
      [
        { from: new Date(START + 30 * MINUTE), to: new Date(START + 10_100 * MINUTE), code: 'db.*', limit: 251 },
        inScope.length,
      ],
      [
        { from: new Date(START + 30 * MINUTE), to: new Date(START + 10_100 * MINUTE), code: 'db.*', limit: COUNT },
        inScope.length,
      ],
    ] satisfies [HistoryQuery, number][]) {
      let after: HistoryQuery['after']
      let samples = 0
      do {
        const asked = after === undefined ? query : { ...query, after }
        const columns = await store.transaction((tx) => exportColumns(tx, asked))
        const page = await store.transaction((tx) => tx.exportHistory(asked))
        expect(JSON.stringify(columns)).toBe(JSON.stringify(historyColumnsOf(page)))
        // A column read as JSON text is what JSON.stringify writes of its values (the wire sends it as is).
        for (const column of Object.values(columns.samples)) {
          if (column instanceof JsonColumn) expect(column.json).toBe(JSON.stringify(column.values()))
        }
        samples += columns.samples.contract.length
        after = page.next
      } while (after !== undefined)
      expect(samples).toBe(expected)
    }
  })
})

describe('history export of a corrupt sample', () => {
  it('refuses a sample with a health only runs have, in either form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'timon-history-'))
    const file = join(dir, 'timon.db')
    const filed = new SqliteStore({ database: file })
    try {
      await filed.transaction(async (tx) => {
        const probe = await tx.insertContract({
          code: 'db.main',
          kind: 'probe',
          rules: DEFAULT_RULES,
          createdAt: new Date(START),
        })
        for (const uid of ['000000000001', '000000000002'])
          await tx.insertSample({
            contractId: probe.id,
            uid,
            health: 'healthy',
            pushedAt: new Date(START + MINUTE),
            comment: null,
            rules: DEFAULT_RULES,
            progress: null,
            host: null,
          })
      })
      // Written by another connection: the schema lets a report have a run's health.
      const raw = new BetterSqlite3(file)
      raw.prepare("UPDATE reports SET health = 'unknown' WHERE uid = '000000000002'").run()
      raw.close()
      const query = { from: new Date(START), to: new Date(START + 2 * MINUTE), limit: 10 }
      const corrupt = /corrupt row: reports\.health: unexpected value unknown/
      await expect(filed.transaction((tx) => tx.exportHistory(query))).rejects.toThrow(corrupt)
      await expect(filed.transaction((tx) => exportColumns(tx, query))).rejects.toThrow(corrupt)
    } finally {
      await filed.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** Samples of {@link history} in the test: pages and pages of more than one read batch (5,000 reports). */
const COUNT = 11_000

/** The store's own columns (never the core's fallback, which would make the test vacuous). */
function exportColumns(tx: StoreTx, query: HistoryQuery) {
  if (tx.exportHistoryColumns === undefined) throw new Error('SqliteStore exports no columns')
  return tx.exportHistoryColumns(query)
}
