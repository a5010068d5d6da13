import { describe, expect, it } from 'vitest'
import type { Incident, Rules } from '../domain.js'
import { DEFAULT_RULES } from '../domain.js'
import { historyColumnsOf, historyPageOf } from '../history/columns.js'
import type { HistoryPage, HistoryQuery, StoreTx } from '../ports/store.js'

/**
 * The history export's cases of the conformance suite (`StoreTx.exportHistory`); `tx` runs work
 * in a transaction of the store under test.
 */
export function describeHistoryExport(tx: <T>(work: (t: StoreTx) => Promise<T>) => Promise<T>): void {
  describe('history export', () => {
    /** db.main (samples at 0, 10, 30 min), job.sync (a run at 5 with two steps), incidents and deliveries. */
    async function fixture() {
      return tx(async (t) => {
        const db = await t.insertContract({ code: 'db.main', kind: 'probe', rules: RULES, createdAt: at(0) })
        const job = await t.insertContract({ code: 'job.sync', kind: 'job', rules: RULES, createdAt: at(0) })
        const s0 = await t.insertSample({
          contractId: db.id,
          uid: 'a00000000000',
          health: 'healthy',
          pushedAt: at(0),
          comment: null,
          rules: RULES,
        })
        const run = await t.insertRun({
          contractId: job.id,
          uid: 'b00000000000',
          startedAt: at(5),
          startComment: 'go',
          rules: RULES,
          overtimeAt: null,
        })
        await t.insertStep({ reportId: run.id, label: 'dump', health: 'healthy', at: at(6) })
        await t.insertStep({ reportId: run.id, label: 'upload', health: 'critical', at: at(7), detail: 'timeout' })
        await t.updateRun(run.id, { endedAt: at(8), health: 'critical' })
        await t.insertSample({
          contractId: db.id,
          uid: 'a00000000001',
          health: 'critical',
          pushedAt: at(10),
          comment: 'down',
          detail: 'connection refused\nretried 3 times',
          rules: { ...RULES, staleAfter: 60_000 },
        })
        await t.insertSample({
          contractId: db.id,
          uid: 'a00000000002',
          health: 'healthy',
          pushedAt: at(30),
          comment: null,
          rules: RULES,
        })
        const critical = await t.insertIncident({
          triggerType: 'critical',
          title: 'db.main is critical',
          description: null,
          contractId: db.id,
          openedAt: at(10),
        })
        await t.insertIncidentEvent({
          incidentId: critical.id,
          type: 'opened',
          reportId: s0.id,
          note: 'turned critical',
          isSystem: true,
          at: at(10),
        })
        await t.updateIncident(critical.id, { state: 'resolved', resolvedAt: at(12) })
        await t.insertIncidentEvent({
          incidentId: critical.id,
          type: 'resolved',
          reportId: null,
          note: 'fixed',
          isSystem: false,
          at: at(12),
        })
        const manual = await t.insertIncident({
          triggerType: 'manual',
          title: 'disk full',
          description: null,
          contractId: null,
          openedAt: at(11),
        })
        const event = (incident: Incident, minute: number) => ({
          name: 'incident.open' as const,
          at: at(minute),
          incident,
        })
        await t.insertDelivery({
          deliveryId: 'd1',
          target: 'chat',
          event: event(critical, 10),
          orderingKey: `incident:${critical.id}`,
          nextAttemptAt: at(10),
          createdAt: at(10),
        })
        await t.insertDelivery({
          deliveryId: 'd2',
          target: 'chat',
          event: event(manual, 11),
          orderingKey: `incident:${manual.id}`,
          nextAttemptAt: at(11),
          createdAt: at(11),
        })
        await t.insertDelivery({
          deliveryId: 'd3',
          target: 'chat',
          event: { name: 'timon.ping', at: at(11) },
          orderingKey: null,
          nextAttemptAt: at(11),
          createdAt: at(11),
        })
        return { critical, manual }
      })
    }

    const all = async (query: Omit<HistoryQuery, 'after'>) => {
      const pages: HistoryPage[] = []
      let page = await tx((t) => t.exportHistory(query))
      pages.push(page)
      while (page.next !== undefined) {
        const after = page.next
        page = await tx((t) => t.exportHistory({ ...query, after }))
        pages.push(page)
      }
      return {
        pages: pages.length,
        reports: pages.flatMap((p) => p.reports),
        incidents: pages.flatMap((p) => p.incidents),
        deliveries: pages.flatMap((p) => p.deliveries),
      }
    }

    it('exports the reports, incidents and deliveries of the window, with codes, steps and timelines', async () => {
      const { critical } = await fixture()
      const history = await all({ from: at(5), to: at(11), limit: 100 })
      expect(
        history.reports.map((r) => [
          r.code,
          r.uid,
          r.kind === 'run' ? r.steps.map((s) => [s.label, s.detail]) : [r.comment, r.detail],
        ]),
      ).toEqual([
        [
          'job.sync',
          'b00000000000',
          [
            ['dump', null],
            ['upload', 'timeout'],
          ],
        ],
        ['db.main', 'a00000000001', ['down', 'connection refused\nretried 3 times']],
      ])
      expect(history.reports[1]?.rules).toEqual({ ...RULES, staleAfter: 60_000 })
      expect(
        history.incidents.map((i) => [
          i.code,
          i.triggerType,
          i.state,
          i.timeline.map((e) => [e.type, e.note, e.isSystem, e.at]),
        ]),
      ).toEqual([
        [
          'db.main',
          'critical',
          'resolved',
          [
            ['opened', 'turned critical', true, at(10)],
            ['resolved', 'fixed', false, at(12)],
          ],
        ],
        [null, 'manual', 'open', []],
      ])
      expect(history.deliveries.map((d) => [d.deliveryId, d.code, d.event.incident?.id ?? null])).toEqual([
        ['d1', 'db.main', critical.id],
        ['d2', null, expect.any(Number)],
        ['d3', null, null],
      ])
    })

    it('keeps to the probes and jobs a code glob matches, without manual incidents or daemon events', async () => {
      await fixture()
      const history = await all({ from: at(0), to: at(60), code: 'db.*', limit: 100 })
      expect(history.reports.map((r) => r.uid)).toEqual(['a00000000000', 'a00000000001', 'a00000000002'])
      expect(history.incidents.map((i) => i.code)).toEqual(['db.main'])
      expect(history.deliveries.map((d) => d.deliveryId)).toEqual(['d1'])
    })

    it('exports the columns of each page as historyColumnsOf makes them of the page (exportHistoryColumns)', async ({
      skip,
    }) => {
      if (!(await tx(async (t) => t.exportHistoryColumns !== undefined))) skip('the store exports no columns itself')
      await fixture()
      await moreSamples()
      // Whole, paged, in a part of the window, and by code glob: each page the same, to the JSON text.
      for (const query of [
        { from: at(0), to: at(60), limit: 100 },
        { from: at(0), to: at(60), limit: 1 },
        { from: at(0), to: at(60), limit: 3 },
        { from: at(5), to: at(11), limit: 2 },
        { from: at(0), to: at(60), code: 'db.*', limit: 2 },
        { from: at(0), to: at(60), code: 'none.*', limit: 100 },
      ] satisfies HistoryQuery[]) {
        let after: HistoryQuery['after']
        do {
          const asked = after === undefined ? query : { ...query, after }
          const columns = await tx((t) =>
            (t.exportHistoryColumns as NonNullable<StoreTx['exportHistoryColumns']>)(asked),
          )
          const expected = historyColumnsOf(await tx((t) => t.exportHistory(asked)))
          expect(JSON.stringify(columns)).toBe(JSON.stringify(expected))
          // A column may come as its JSON text (JsonColumn): the same page once decoded.
          expect(historyPageOf(columns)).toEqual(historyPageOf(expected))
          after = columns.next
        } while (after !== undefined)
      }
    })

    /**
     * More samples than `fixture`'s: probes sharing rule sets, a probe going back to its first set,
     * rules with text values, progress, hosts, comments and details, among the runs.
     */
    async function moreSamples() {
      await tx(async (t) => {
        const db = await t.findContract('db.main')
        if (db === undefined) throw new Error('fixture: no db.main')
        const replica = await t.insertContract({ code: 'db.replica', kind: 'probe', rules: RULES, createdAt: at(0) })
        const web = await t.insertContract({ code: 'web.api', kind: 'probe', rules: RULES, createdAt: at(0) })
        const scheduled: Rules = {
          ...RULES,
          schedule: '*/5 * * * *',
          tz: 'Europe/Berlin',
          dependsOn: 'db.main',
          grace: 1,
        }
        const samples = [
          { contractId: replica.id, minute: 1, rules: { ...RULES, staleAfter: 60_000 } },
          { contractId: web.id, minute: 2, rules: scheduled, host: 'web1', comment: 'slow' },
          { contractId: db.id, minute: 3, rules: RULES, progress: { count: 1, of: 3 } },
          { contractId: web.id, minute: 4, rules: scheduled, detail: 'line 1\nline "2"', health: 'warning' as const },
          { contractId: db.id, minute: 20, rules: { ...RULES, staleAfter: 60_000 }, health: 'critical' as const },
          { contractId: replica.id, minute: 21, rules: RULES, progress: { count: 2, of: 3 } },
          { contractId: db.id, minute: 40, rules: RULES, host: 'db1' },
        ]
        for (const [i, sample] of samples.entries()) {
          await t.insertSample({
            contractId: sample.contractId,
            uid: `c${String(i).padStart(11, '0')}`,
            health: sample.health ?? 'healthy',
            pushedAt: at(sample.minute),
            comment: sample.comment ?? null,
            detail: sample.detail ?? null,
            rules: sample.rules,
            progress: sample.progress ?? null,
            host: sample.host ?? null,
          })
        }
      })
    }

    it('pages through every part with the cursor, ending without one', async () => {
      await fixture()
      const whole = await all({ from: at(0), to: at(60), limit: 100 })
      const paged = await all({ from: at(0), to: at(60), limit: 1 })
      expect(whole.pages).toBe(1)
      expect(paged.pages).toBeGreaterThanOrEqual(4)
      expect({ ...paged, pages: 0 }).toEqual({ ...whole, pages: 0 })
    })
  })
}

// --- internal ---

const RULES: Rules = DEFAULT_RULES
const BASE = Date.parse('2025-03-01T08:00:00.123Z')

function at(minutes: number): Date {
  return new Date(BASE + minutes * 60_000)
}
