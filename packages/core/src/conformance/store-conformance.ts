import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type {
  Contract,
  ContractKind,
  Incident,
  IncidentEvent,
  NotificationEvent,
  Report,
  ReportHealth,
  Rules,
  Run,
  TriggerType,
} from '../domain.js'
import type { Health } from '../validate.js'
import type { NewDelivery, NewIncident, Store, StoreTx } from '../ports/store.js'
import { isIncidentTruncated, isReportTruncated, type TruncatePlan } from '../truncate-policy.js'
import { describeHistoryExport } from './history-conformance.js'
import { describeIncidentQuery } from './incident-query-conformance.js'

/**
 * What a backend under test can do beyond the port's plain contract. A case that needs a
 * capability is skipped (and shows as skipped) when the backend does not declare it; it is never
 * deleted.
 */
export interface StoreCapabilities {
  /**
   * Persistent backends: opens the data of `closed` (already closed) again, as a new store. When
   * given, the suite checks that committed data survive close and reopen and that rolled-back data
   * do not. Memory stores leave it out.
   */
  readonly reopen?: (closed: Store) => Store | Promise<Store>
}

/**
 * The cases every {@link Store} must pass, as a vitest `describe` block. Each case gets a fresh
 * store from `createStore` and closes it afterwards; cases act on the port directly (not through a
 * Monitor) and assert on what it returns.
 *
 * ```ts
 * describeStoreConformance('sqlite', () => new SqliteStore({ database: ':memory:' }))
 * ```
 */
export function describeStoreConformance(
  name: string,
  createStore: () => Store | Promise<Store>,
  capabilities: StoreCapabilities = {},
): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await createStore()
    })

    afterEach(async () => {
      await store.close()
    })

    const tx = <T>(work: (t: StoreTx) => Promise<T>): Promise<T> => store.transaction(work)

    describe('contracts', () => {
      it('inserts a contract and finds it by code and by id', async () => {
        const inserted = await tx((t) =>
          t.insertContract({ code: 'db.backup', kind: 'probe', rules: RULES_OFF, createdAt: at(0) }),
        )
        expect(inserted).toEqual({
          id: expect.any(Number),
          code: 'db.backup',
          kind: 'probe',
          rules: RULES_OFF,
          isStale: false,
          staleAt: null,
          staleIncidentAt: null,
          lastReportId: null,
          createdAt: at(0),
          expectedAt: null,
          missedAt: null,
          failureStreak: 0,
          successStreak: 0,
        })
        expect(await tx((t) => t.findContract('db.backup'))).toEqual(inserted)
        expect(await tx((t) => t.getContract(inserted.id))).toEqual(inserted)
      })

      it('returns undefined for an unknown code or id', async () => {
        const c = await tx((t) => addContract(t, 'known'))
        expect(await tx((t) => t.findContract('unknown'))).toBeUndefined()
        expect(await tx((t) => t.getContract(c.id + 1000))).toBeUndefined()
      })

      it('round-trips every rule, off rules and a disabled overlap included', async () => {
        const [a, b] = await tx(async (t) => [
          await t.insertContract({ code: 'a', kind: 'job', rules: RULES_ALL, createdAt: at(1) }),
          await t.insertContract({ code: 'b', kind: 'job', rules: RULES_OFF, createdAt: at(2) }),
        ])
        expect((await tx((t) => t.getContract(a.id)))?.rules).toEqual(RULES_ALL)
        expect((await tx((t) => t.getContract(b.id)))?.rules).toEqual(RULES_OFF)
      })

      it('refuses a second contract with the same code, whatever its kind', async () => {
        await tx((t) => addContract(t, 'dup', 'probe'))
        await expect(tx((t) => addContract(t, 'dup', 'job'))).rejects.toThrow()
        expect((await tx((t) => t.findContract('dup')))?.kind).toBe('probe')
      })

      it('updates only the fields of a patch', async () => {
        const c = await tx((t) => addContract(t, 'p'))
        const s = await tx((t) => addSample(t, c.id, 1, 'healthy', at(1)))
        await tx((t) => t.updateContract(c.id, { isStale: true, staleAt: at(10), staleIncidentAt: at(20) }))
        await tx((t) =>
          t.updateContract(c.id, { rules: RULES_ALL, lastReportId: s.id, expectedAt: at(30), missedAt: at(32) }),
        )
        await tx((t) => t.updateContract(c.id, { staleAt: null, expectedAt: at(40), failureStreak: 2 }))
        await tx((t) => t.updateContract(c.id, { successStreak: 5 }))
        await tx((t) => t.updateContract(c.id, {}))
        expect(await tx((t) => t.getContract(c.id))).toEqual({
          ...c,
          rules: RULES_ALL,
          isStale: true,
          staleAt: null,
          staleIncidentAt: at(20),
          lastReportId: s.id,
          expectedAt: at(40),
          missedAt: at(32),
          failureStreak: 2,
          successStreak: 5,
        })
      })
    })

    describe('deletion', () => {
      it('deletes a contract with its reports, steps, incidents and their timelines', async () => {
        const ids = await tx(async (t) => {
          const doomed = await addContract(t, 'doomed', 'job')
          const kept = await addContract(t, 'kept', 'job')
          const first = await addRun(t, doomed.id, 1, at(0))
          const run = await addRun(t, doomed.id, 2, at(1))
          await t.insertStep({ reportId: run.id, label: 'dump', health: 'healthy', at: at(2) })
          await t.updateContract(doomed.id, { lastReportId: run.id })
          const incident = await addIncident(t, doomed.id, 'critical')
          await addEvent(t, incident.id, run.id)
          const resolved = await addIncident(t, doomed.id, 'stale')
          await t.updateIncident(resolved.id, { state: 'resolved', resolvedAt: at(3) })
          await addEvent(t, resolved.id, null)
          // another contract's data, and a manual incident whose timeline points at a doomed run
          const keptRun = await addRun(t, kept.id, 1, at(0))
          await t.insertStep({ reportId: keptRun.id, label: 'kept', health: 'warning', at: at(1) })
          const keptIncident = await addIncident(t, kept.id, 'critical')
          const keptEvent = await addEvent(t, keptIncident.id, keptRun.id)
          const manual = await addIncident(t, null, 'manual')
          const manualEvent = await addEvent(t, manual.id, run.id)
          return { doomed, kept, first, run, incident, resolved, keptRun, keptIncident, keptEvent, manual, manualEvent }
        })

        await tx((t) => t.deleteContract(ids.doomed.id))

        await tx(async (t) => {
          expect(await t.getContract(ids.doomed.id)).toBeUndefined()
          expect(await t.findContract('doomed')).toBeUndefined()
          expect(await t.getReport(ids.first.id)).toBeUndefined()
          expect(await t.getReport(ids.run.id)).toBeUndefined()
          expect(await t.listSteps(ids.run.id)).toEqual([])
          expect(await t.getIncident(ids.incident.id)).toBeUndefined()
          expect(await t.getIncident(ids.resolved.id)).toBeUndefined()
          expect(await t.listIncidentEvents(ids.incident.id)).toEqual([])
          expect(await t.listIncidentEvents(ids.resolved.id)).toEqual([])
          expect(await t.countReports(ids.doomed.id)).toBe(0)
          // the rest is untouched, except that the manual timeline lost its report link
          expect(await t.getContract(ids.kept.id)).toEqual(ids.kept)
          expect(await t.getReport(ids.keptRun.id)).toEqual(ids.keptRun)
          expect(await t.listSteps(ids.keptRun.id)).toHaveLength(1)
          expect(await t.listIncidentEvents(ids.keptIncident.id)).toEqual([ids.keptEvent])
          expect(await t.listIncidentEvents(ids.manual.id)).toEqual([{ ...ids.manualEvent, reportId: null }])
          expect(await t.listActiveIncidents()).toEqual([ids.keptIncident, ids.manual])
        })
      })

      it('deletes a report with its steps; timeline entries stay with reportId null', async () => {
        const ids = await tx(async (t) => {
          const c = await addContract(t, 'job', 'job')
          const old = await addRun(t, c.id, 1, at(0))
          const run = await addRun(t, c.id, 2, at(1))
          const step = await t.insertStep({ reportId: old.id, label: 'kept', health: 'healthy', at: at(1) })
          await t.insertStep({ reportId: run.id, label: 'gone', health: 'critical', at: at(2) })
          await t.updateContract(c.id, { lastReportId: run.id })
          const incident = await addIncident(t, c.id, 'critical')
          const event = await addEvent(t, incident.id, run.id)
          return { c, old, run, step, incident, event }
        })

        await tx((t) => t.deleteReport(ids.run.id))

        await tx(async (t) => {
          expect(await t.getReport(ids.run.id)).toBeUndefined()
          expect(await t.listSteps(ids.run.id)).toEqual([])
          expect(await t.listSteps(ids.old.id)).toEqual([ids.step])
          expect(await t.listIncidentEvents(ids.incident.id)).toEqual([{ ...ids.event, reportId: null }])
          expect(await t.getIncident(ids.incident.id)).toEqual(ids.incident)
          // a contract never points at a report that is gone
          expect((await t.getContract(ids.c.id))?.lastReportId).toBeNull()
          expect(await t.latestReport(ids.c.id)).toEqual(ids.old)
        })
      })

      it('deletes an incident with its timeline only', async () => {
        const ids = await tx(async (t) => {
          const c = await addContract(t, 'p')
          const s = await addSample(t, c.id, 1, 'critical', at(0))
          const doomed = await addIncident(t, c.id, 'critical')
          await addEvent(t, doomed.id, s.id)
          const kept = await addIncident(t, c.id, 'stale')
          const keptEvent = await addEvent(t, kept.id, null)
          return { c, s, doomed, kept, keptEvent }
        })

        await tx((t) => t.deleteIncident(ids.doomed.id))

        await tx(async (t) => {
          expect(await t.getIncident(ids.doomed.id)).toBeUndefined()
          expect(await t.listIncidentEvents(ids.doomed.id)).toEqual([])
          expect(await t.listIncidentEvents(ids.kept.id)).toEqual([ids.keptEvent])
          expect(await t.getReport(ids.s.id)).toEqual(ids.s)
          expect(await t.getContract(ids.c.id)).toEqual(ids.c)
        })
      })
    })

    describe('reports', () => {
      it('round-trips a sample, every field included', async () => {
        const [withComment, without] = await tx(async (t) => {
          const c = await addContract(t, 'p')
          return [
            await t.insertSample({
              contractId: c.id,
              uid: uid(1),
              health: 'warning',
              pushedAt: at(5),
              comment: 'disk 91%',
              detail: 'DISK WARNING - /var 91%\n/home 40% ✓',
              rules: RULES_ALL,
              progress: { count: 2, of: 3 },
              host: 'web-1.example',
            }),
            await t.insertSample({
              contractId: c.id,
              uid: uid(2),
              health: 'critical',
              pushedAt: at(6),
              comment: null,
              rules: RULES_OFF,
            }),
          ]
        })
        expect(withComment).toEqual({
          id: expect.any(Number),
          kind: 'sample',
          contractId: withComment.contractId,
          uid: uid(1),
          health: 'warning',
          pushedAt: at(5),
          comment: 'disk 91%',
          detail: 'DISK WARNING - /var 91%\n/home 40% ✓',
          rules: RULES_ALL,
          progress: { count: 2, of: 3 },
          host: 'web-1.example',
        })
        expect(without).toMatchObject({
          kind: 'sample',
          health: 'critical',
          comment: null,
          detail: null,
          rules: RULES_OFF,
          progress: null,
          host: null,
        })
        expect(await tx((t) => t.getReport(withComment.id))).toEqual(withComment)
        expect(await tx((t) => t.getReport(without.id))).toEqual(without)
      })

      it('round-trips a run and its updates', async () => {
        const run = await tx(async (t) => {
          const c = await addContract(t, 'j', 'job')
          return t.insertRun({
            contractId: c.id,
            uid: uid(7),
            startedAt: at(10),
            startComment: 'nightly',
            rules: RULES_ALL,
            overtimeAt: at(70),
            host: 'db-2',
          })
        })
        expect(run).toEqual({
          id: expect.any(Number),
          kind: 'run',
          contractId: run.contractId,
          uid: uid(7),
          health: 'unknown',
          startedAt: at(10),
          startComment: 'nightly',
          endedAt: null,
          endComment: null,
          overtimeAt: at(70),
          exit: null,
          logPath: null,
          skipped: false,
          rules: RULES_ALL,
          progress: null,
          host: 'db-2',
        })
        expect(await tx((t) => t.getReport(run.id))).toEqual(run)
        await tx((t) => t.updateRun(run.id, { progress: { count: 1, of: 2 } }))
        expect(await tx((t) => t.getReport(run.id))).toEqual({ ...run, progress: { count: 1, of: 2 } })
        await tx((t) => t.updateRun(run.id, { progress: null }))

        await tx((t) => t.updateRun(run.id, { health: 'warning' }))
        expect(await tx((t) => t.getReport(run.id))).toEqual({ ...run, health: 'warning' })
        await tx((t) => t.updateRun(run.id, { endedAt: at(30), endComment: 'done', overtimeAt: null }))
        expect(await tx((t) => t.getReport(run.id))).toEqual({
          ...run,
          health: 'warning',
          endedAt: at(30),
          endComment: 'done',
          overtimeAt: null,
        })
        await tx((t) => t.updateRun(run.id, { endComment: null }))
        expect(await tx((t) => t.getReport(run.id))).toMatchObject({ endedAt: at(30), endComment: null })
        await tx((t) => t.updateRun(run.id, { exit: { code: 3, signal: null }, logPath: '/var/log/timon/j/run.log' }))
        expect(await tx((t) => t.getReport(run.id))).toMatchObject({
          exit: { code: 3, signal: null },
          logPath: '/var/log/timon/j/run.log',
        })
        await tx((t) => t.updateRun(run.id, { exit: { code: null, signal: 'SIGTERM' } }))
        expect(await tx((t) => t.getReport(run.id))).toMatchObject({ exit: { code: null, signal: 'SIGTERM' } })
        expect(await tx((t) => t.runLogPaths(run.contractId))).toEqual(['/var/log/timon/j/run.log'])
      })

      it('records a skipped run already ended and healthy', async () => {
        const run = await tx(async (t) => {
          const c = await addContract(t, 'j', 'job')
          return t.insertRun({
            contractId: c.id,
            uid: uid(8),
            startedAt: at(5),
            startComment: null,
            rules: RULES_ALL,
            overtimeAt: null,
            skipped: true,
          })
        })
        expect(run).toMatchObject({
          kind: 'run',
          skipped: true,
          health: 'healthy',
          startedAt: at(5),
          endedAt: at(5),
          host: null,
        })
        expect(await tx((t) => t.getReport(run.id))).toEqual(run)
        expect(await tx((t) => t.unfinishedRuns(run.contractId))).toEqual([])
      })

      it('finds a report by contract and uid', async () => {
        const [a, b] = await tx(async (t) => {
          const p = await addContract(t, 'p')
          const q = await addContract(t, 'q')
          return [await addSample(t, p.id, 1, 'healthy', at(0)), await addSample(t, q.id, 1, 'critical', at(0))]
        })
        expect(await tx((t) => t.findReport(a.contractId, uid(1)))).toEqual(a)
        expect(await tx((t) => t.findReport(b.contractId, uid(1)))).toEqual(b)
        expect(await tx((t) => t.findReport(a.contractId, uid(2)))).toBeUndefined()
        expect(await tx((t) => t.getReport(b.id + 1000))).toBeUndefined()
      })

      it('refuses a second report with the same uid in one contract', async () => {
        const c = await tx(async (t) => {
          const c = await addContract(t, 'p')
          await addSample(t, c.id, 1, 'healthy', at(0))
          return c
        })
        await expect(tx((t) => addRun(t, c.id, 1, at(1)))).rejects.toThrow()
        expect(await tx((t) => t.countReports(c.id))).toBe(1)
      })

      it('gives the latest report by highest id, undefined when there is none', async () => {
        const { c, empty, last } = await tx(async (t) => {
          const c = await addContract(t, 'p')
          const empty = await addContract(t, 'empty')
          await addSample(t, c.id, 1, 'healthy', at(50))
          const last = await addSample(t, c.id, 2, 'warning', at(10)) // newest by id, not by time
          return { c, empty, last }
        })
        expect(await tx((t) => t.latestReport(c.id))).toEqual(last)
        expect(await tx((t) => t.latestReport(empty.id))).toBeUndefined()
      })

      it('gives the latest run that started (skipped ones left out), undefined when there is none', async () => {
        const { job, started, onlySkipped } = await tx(async (t) => {
          const job = await addContract(t, 'job', 'job')
          const onlySkipped = await addContract(t, 'skips', 'job')
          const started = await addRun(t, job.id, 1, at(0))
          for (let n = 2; n <= 60; n++) {
            await t.insertRun({
              contractId: job.id,
              uid: uid(n),
              startedAt: at(n),
              startComment: null,
              rules: RULES_ALL,
              overtimeAt: null,
              skipped: true,
            })
          }
          await t.insertRun({
            contractId: onlySkipped.id,
            uid: uid(1),
            startedAt: at(1),
            startComment: null,
            rules: RULES_ALL,
            overtimeAt: null,
            skipped: true,
          })
          return { job, started, onlySkipped }
        })
        expect(await tx((t) => t.latestStartedRun(job.id))).toEqual(started)
        expect(await tx((t) => t.latestStartedRun(onlySkipped.id))).toBeUndefined()
        expect(await tx((t) => t.latestStartedRun(job.id + 1000))).toBeUndefined()
      })

      it('lists reports newest first, paging back with beforeId and limit', async () => {
        const { c, all } = await tx(async (t) => {
          const c = await addContract(t, 'p')
          const other = await addContract(t, 'other')
          const all: Report[] = []
          for (let n = 1; n <= 5; n++) {
            all.push(await addSample(t, c.id, n, 'healthy', at(n)))
            await addSample(t, other.id, n, 'critical', at(n))
          }
          return { c, all }
        })
        const newestFirst = [...all].reverse()
        const ids = (reports: readonly Report[]) => reports.map((r) => r.id)
        expect(await tx((t) => t.listReports(c.id, {}))).toEqual(newestFirst)
        expect(ids(await tx((t) => t.listReports(c.id, { limit: 2 })))).toEqual(ids(newestFirst.slice(0, 2)))
        const before = newestFirst[1]?.id
        expect(ids(await tx((t) => t.listReports(c.id, { beforeId: before })))).toEqual(ids(newestFirst.slice(2)))
        expect(ids(await tx((t) => t.listReports(c.id, { beforeId: before, limit: 2 })))).toEqual(
          ids(newestFirst.slice(2, 4)),
        )
        expect(await tx((t) => t.listReports(c.id, { beforeId: all[0]?.id }))).toEqual([])
        expect(await tx((t) => t.countReports(c.id))).toBe(5)
        expect(await tx((t) => t.countReports(c.id + 1000))).toBe(0)
      })

      it('marks the newest reports of many contracts at once, at most perContract each', async () => {
        const { a, b, empty } = await tx(async (t) => {
          const a = await addContract(t, 'a')
          const b = await addContract(t, 'b', 'job')
          const empty = await addContract(t, 'empty')
          for (let n = 1; n <= 4; n++) {
            await addSample(t, a.id, n, n === 3 ? 'critical' : n === 4 ? 'warning' : 'healthy', at(n))
            const run = await addRun(t, b.id, n, at(n))
            if (n < 4) await t.updateRun(run.id, { health: n === 1 ? 'critical' : 'healthy', endedAt: at(n + 1) })
          }
          return { a, b, empty }
        })
        const recent = await tx((t) => t.recentReportMarks([a.id, b.id, empty.id, a.id + 1000], 3))
        const sample = (health: ReportHealth) => ({ kind: 'sample', health, running: false })
        expect(new Map(recent)).toEqual(
          new Map([
            [a.id, [sample('warning'), sample('critical'), sample('healthy')]],
            [
              b.id,
              [
                { kind: 'run', health: 'unknown', running: true },
                { kind: 'run', health: 'healthy', running: false },
                { kind: 'run', health: 'healthy', running: false },
              ],
            ],
          ]),
        )
        expect((await tx((t) => t.recentReportMarks([b.id], 10))).get(b.id)?.map((m) => m.health)).toEqual([
          'unknown',
          'healthy',
          'healthy',
          'critical',
        ])
        expect((await tx((t) => t.recentReportMarks([], 3))).size).toBe(0)
      })

      it('lists the unfinished runs of a job oldest first, leaving out excludeId', async () => {
        const { job, first, second, third } = await tx(async (t) => {
          const job = await addContract(t, 'job', 'job')
          const other = await addContract(t, 'other', 'job')
          const first = await addRun(t, job.id, 1, at(0))
          const ended = await addRun(t, job.id, 2, at(1))
          await t.updateRun(ended.id, { endedAt: at(2), health: 'healthy' })
          const second = await addRun(t, job.id, 3, at(3))
          await addRun(t, other.id, 1, at(3))
          const third = await addRun(t, job.id, 4, at(4))
          return { job, first, second, third }
        })
        expect(await tx((t) => t.unfinishedRuns(job.id))).toEqual([first, second, third])
        expect(await tx((t) => t.unfinishedRuns(job.id, third.id))).toEqual([first, second])
        expect(await tx((t) => t.unfinishedRuns(job.id, second.id))).toEqual([first, third])
      })
    })

    describe('steps', () => {
      it('lists the steps of a run in insertion order', async () => {
        const { a, b, stepsOfA } = await tx(async (t) => {
          const job = await addContract(t, 'job', 'job')
          const a = await addRun(t, job.id, 1, at(0))
          const b = await addRun(t, job.id, 2, at(0))
          const stepsOfA = []
          stepsOfA.push(await t.insertStep({ reportId: a.id, label: 'z first', health: 'healthy', at: at(3) }))
          await t.insertStep({ reportId: b.id, label: 'other', health: 'critical', at: at(1) })
          stepsOfA.push(await t.insertStep({ reportId: a.id, label: 'a second', health: 'warning', at: at(1) }))
          stepsOfA.push(await t.insertStep({ reportId: a.id, label: 'm third', health: 'critical', at: at(2) }))
          return { a, b, stepsOfA }
        })
        expect(stepsOfA[0]).toEqual({
          id: expect.any(Number),
          reportId: a.id,
          label: 'z first',
          health: 'healthy',
          at: at(3),
          detail: null,
        })
        expect(await tx((t) => t.listSteps(a.id))).toEqual(stepsOfA)
        expect(await tx((t) => t.listSteps(b.id))).toMatchObject([{ label: 'other' }])
        const withDetail = await tx((t) =>
          t.insertStep({ reportId: b.id, label: 'exit 1', health: 'critical', at: at(4), detail: 'line 1\nline 2 ✗' }),
        )
        expect(withDetail.detail).toBe('line 1\nline 2 ✗')
        expect((await tx((t) => t.listSteps(b.id))).at(-1)).toEqual(withDetail)
      })
    })

    describe('silences', () => {
      it('round-trips a silence, lists those not over, and updates its end and release', async () => {
        const first = await tx((t) =>
          t.insertSilence({ pattern: 'db.*', startsAt: at(0), endsAt: at(60), comment: 'migration', createdAt: at(0) }),
        )
        const second = await tx((t) =>
          t.insertSilence({ pattern: '*', startsAt: at(0), endsAt: at(30), comment: null, createdAt: at(0) }),
        )
        expect(first).toEqual({
          id: expect.any(Number),
          pattern: 'db.*',
          startsAt: at(0),
          endsAt: at(60),
          comment: 'migration',
          createdAt: at(0),
          released: false,
        })
        expect(await tx((t) => t.getSilence(first.id))).toEqual(first)
        expect(await tx((t) => t.getSilence(first.id + 1000))).toBeUndefined()
        expect((await tx((t) => t.listSilences(at(10)))).map((s) => s.id)).toEqual([first.id, second.id])
        expect((await tx((t) => t.listSilences(at(30)))).map((s) => s.id)).toEqual([first.id])

        await tx((t) => t.updateSilence(first.id, { endsAt: at(20) }))
        expect(await tx((t) => t.getSilence(first.id))).toEqual({ ...first, endsAt: at(20) })
        await tx((t) => t.updateSilence(first.id, { released: true }))
        expect(await tx((t) => t.getSilence(first.id))).toEqual({ ...first, endsAt: at(20), released: true })
      })

      it('gives the due silences not released, earliest end first, and the next end', async () => {
        expect(await tx((t) => t.nextSilenceEnd())).toBeUndefined()
        const late = await tx((t) =>
          t.insertSilence({ pattern: 'a', startsAt: at(0), endsAt: at(50), comment: null, createdAt: at(0) }),
        )
        const early = await tx((t) =>
          t.insertSilence({ pattern: 'b', startsAt: at(0), endsAt: at(20), comment: null, createdAt: at(0) }),
        )
        expect(await tx((t) => t.nextSilenceEnd())).toEqual(at(20))
        expect(await tx((t) => t.dueSilences(at(19), 10))).toEqual([])
        expect((await tx((t) => t.dueSilences(at(60), 10))).map((s) => s.id)).toEqual([early.id, late.id])
        expect((await tx((t) => t.dueSilences(at(60), 1))).map((s) => s.id)).toEqual([early.id])
        await tx((t) => t.updateSilence(early.id, { released: true }))
        expect(await tx((t) => t.nextSilenceEnd())).toEqual(at(50))
        expect((await tx((t) => t.dueSilences(at(60), 10))).map((s) => s.id)).toEqual([late.id])
      })

      it('holds incidents (a second hold replaces the first), pages them by id, releases them, and forgets them with the incident', async () => {
        const [one, two] = await tx(async (t) => {
          const c = await addContract(t, 'p')
          return [await addIncident(t, c.id, 'stale'), await addIncident(t, c.id, 'critical')]
        })
        await tx(async (t) => {
          await t.holdIncident(two.id, 'SIL-1')
          await t.holdIncident(one.id, 'SIL-1')
          await t.holdIncident(one.id, 'SIL-2')
        })
        expect(await tx((t) => t.heldIncidents(0, 10))).toEqual([
          { incident: one, heldBy: 'SIL-2' },
          { incident: two, heldBy: 'SIL-1' },
        ])
        expect(await tx((t) => t.heldIncidents(one.id, 10))).toEqual([{ incident: two, heldBy: 'SIL-1' }])
        expect(await tx((t) => t.heldIncidents(0, 1))).toEqual([{ incident: one, heldBy: 'SIL-2' }])
        await tx((t) => t.releaseIncident(one.id))
        expect((await tx((t) => t.heldIncidents(0, 10))).map((h) => h.incident.id)).toEqual([two.id])
        await tx((t) => t.deleteIncident(two.id))
        expect(await tx((t) => t.heldIncidents(0, 10))).toEqual([])
      })
    })

    describe('reminders', () => {
      it('arms one reminder per incident and target (arming again moves it), lists the due ones earliest first, and clears them', async () => {
        const [one, two] = await tx(async (t) => {
          const c = await addContract(t, 'p')
          return [await addIncident(t, c.id, 'stale'), await addIncident(t, c.id, 'critical')]
        })
        expect(await tx((t) => t.nextReminder())).toBeUndefined()
        await tx(async (t) => {
          await t.armReminder({ incidentId: one.id, target: 'hook', remindAt: at(30) })
          await t.armReminder({ incidentId: one.id, target: 'mail', remindAt: at(10) })
          await t.armReminder({ incidentId: two.id, target: 'hook', remindAt: at(20) })
          await t.armReminder({ incidentId: one.id, target: 'hook', remindAt: at(40) })
        })
        expect(await tx((t) => t.nextReminder())).toEqual(at(10))
        expect(await tx((t) => t.dueReminders(at(40), 10))).toEqual([
          { incidentId: one.id, target: 'mail', remindAt: at(10) },
          { incidentId: two.id, target: 'hook', remindAt: at(20) },
          { incidentId: one.id, target: 'hook', remindAt: at(40) },
        ])
        expect((await tx((t) => t.dueReminders(at(39), 1))).map((r) => r.target)).toEqual(['mail'])
        await tx((t) => t.clearReminders(one.id))
        expect(await tx((t) => t.dueReminders(at(90), 10))).toEqual([
          { incidentId: two.id, target: 'hook', remindAt: at(20) },
        ])
        await tx((t) => t.deleteIncident(two.id))
        expect(await tx((t) => t.nextReminder())).toBeUndefined()
      })
    })

    describe('incidents', () => {
      it('inserts an open incident and reads it back', async () => {
        const [auto, manual] = await tx(async (t) => {
          const c = await addContract(t, 'p')
          return [
            await t.insertIncident({
              triggerType: 'stale',
              title: 'p is stale',
              description: null,
              contractId: c.id,
              openedAt: at(1),
            }),
            await t.insertIncident({
              triggerType: 'manual',
              title: 'Power cut',
              description: 'UPS on battery',
              contractId: null,
              openedAt: at(2),
            }),
          ]
        })
        expect(auto).toEqual({
          id: expect.any(Number),
          state: 'open',
          triggerType: 'stale',
          title: 'p is stale',
          description: null,
          contractId: auto.contractId,
          openedAt: at(1),
          recoveredAt: null,
          relapsedAt: null,
          resolvedAt: null,
        })
        expect(await tx((t) => t.getIncident(auto.id))).toEqual(auto)
        expect(await tx((t) => t.getIncident(manual.id))).toEqual(manual)
        expect(manual).toMatchObject({ state: 'open', contractId: null, description: 'UPS on battery' })
        expect(await tx((t) => t.getIncident(manual.id + 1000))).toBeUndefined()
      })

      it('updates only the fields of a patch', async () => {
        const incident = await tx(async (t) => addIncident(t, (await addContract(t, 'p')).id, 'critical'))
        await tx((t) => t.updateIncident(incident.id, { state: 'recovered', recoveredAt: at(5) }))
        await tx((t) => t.updateIncident(incident.id, { state: 'relapsed', relapsedAt: at(6) }))
        expect(await tx((t) => t.getIncident(incident.id))).toEqual({
          ...incident,
          state: 'relapsed',
          recoveredAt: at(5),
          relapsedAt: at(6),
        })
        await tx((t) => t.updateIncident(incident.id, { state: 'resolved', resolvedAt: at(7), relapsedAt: null }))
        expect(await tx((t) => t.getIncident(incident.id))).toEqual({
          ...incident,
          state: 'resolved',
          recoveredAt: at(5),
          relapsedAt: null,
          resolvedAt: at(7),
        })
      })

      it('allows one non-resolved incident per contract and trigger; a second insert throws', async () => {
        const { p, q, first } = await tx(async (t) => {
          const p = await addContract(t, 'p')
          const q = await addContract(t, 'q')
          const first = await addIncident(t, p.id, 'critical')
          await addIncident(t, p.id, 'stale') // another trigger
          await addIncident(t, q.id, 'critical') // another contract
          return { p, q, first }
        })
        await expect(tx((t) => addIncident(t, p.id, 'critical'))).rejects.toThrow()
        // a recovered or relapsed incident is still active
        await tx((t) => t.updateIncident(first.id, { state: 'recovered', recoveredAt: at(1) }))
        await expect(tx((t) => addIncident(t, p.id, 'critical'))).rejects.toThrow()
        await tx((t) => t.updateIncident(first.id, { state: 'relapsed', relapsedAt: at(2) }))
        await expect(tx((t) => addIncident(t, p.id, 'critical'))).rejects.toThrow()
        // once resolved, a new one may open
        await tx((t) => t.updateIncident(first.id, { state: 'resolved', resolvedAt: at(3) }))
        const next = await tx((t) => addIncident(t, p.id, 'critical'))
        expect(next.id).toBeGreaterThan(first.id)
        expect((await tx((t) => t.activeIncidentsOfContract(p.id))).map((i) => i.triggerType).sort()).toEqual([
          'critical',
          'stale',
        ])
        expect(await tx((t) => t.activeIncidentsOfContract(q.id))).toHaveLength(1)
      })

      it('does not limit manual incidents', async () => {
        const [a, b] = await tx(async (t) => [
          await addIncident(t, null, 'manual'),
          await addIncident(t, null, 'manual'),
        ])
        expect(await tx((t) => t.listActiveIncidents())).toEqual([a, b])
      })

      it('finds the active incident of a contract for a trigger', async () => {
        const { p, critical, stale } = await tx(async (t) => {
          const p = await addContract(t, 'p')
          const old = await addIncident(t, p.id, 'critical')
          await t.updateIncident(old.id, { state: 'resolved', resolvedAt: at(1) })
          const critical = await addIncident(t, p.id, 'critical')
          const stale = await addIncident(t, p.id, 'stale')
          return { p, critical, stale }
        })
        expect(await tx((t) => t.activeIncident(p.id, 'critical'))).toEqual(critical)
        expect(await tx((t) => t.activeIncident(p.id, 'stale'))).toEqual(stale)
        expect(await tx((t) => t.activeIncident(p.id, 'job_overtime'))).toBeUndefined()
        await tx((t) => t.updateIncident(critical.id, { state: 'resolved', resolvedAt: at(2) }))
        expect(await tx((t) => t.activeIncident(p.id, 'critical'))).toBeUndefined()
      })

      it('lists active incidents ascending, manual ones included, and those of one contract', async () => {
        const { p, q, active } = await tx(async (t) => {
          const p = await addContract(t, 'p')
          const q = await addContract(t, 'q')
          const a = await addIncident(t, p.id, 'critical')
          const b = await addIncident(t, null, 'manual')
          const resolved = await addIncident(t, q.id, 'critical')
          await t.updateIncident(resolved.id, { state: 'resolved', resolvedAt: at(1) })
          const c = await addIncident(t, q.id, 'stale')
          const d = await addIncident(t, p.id, 'stale')
          await t.updateIncident(d.id, { state: 'recovered', recoveredAt: at(2) })
          return { p, q, active: [a, b, c, { ...d, state: 'recovered' as const, recoveredAt: at(2) }] }
        })
        const [a, , c, d] = active
        expect(await tx((t) => t.listActiveIncidents())).toEqual(active)
        expect(await tx((t) => t.activeIncidentsOfContract(p.id))).toEqual([a, d])
        expect(await tx((t) => t.activeIncidentsOfContract(q.id))).toEqual([c])
        expect(await tx((t) => t.activeIncidentsOfContract(q.id + 1000))).toEqual([])
      })

      it('maps reports to the non-resolved incidents whose timeline points at them', async () => {
        const ids = await tx(async (t) => {
          const p = await addContract(t, 'p')
          const r1 = await addSample(t, p.id, 1, 'critical', at(0))
          const r2 = await addSample(t, p.id, 2, 'critical', at(1))
          const r3 = await addSample(t, p.id, 3, 'critical', at(2))
          const r4 = await addSample(t, p.id, 4, 'healthy', at(3))
          const open = await addIncident(t, p.id, 'critical')
          const manual = await addIncident(t, null, 'manual')
          const resolved = await addIncident(t, p.id, 'stale')
          await t.updateIncident(resolved.id, { state: 'resolved', resolvedAt: at(4) })
          await addEvent(t, open.id, r1.id)
          await addEvent(t, open.id, r1.id) // twice: listed once
          await addEvent(t, open.id, r2.id)
          await addEvent(t, manual.id, r1.id)
          await addEvent(t, resolved.id, r3.id)
          await addEvent(t, open.id, null)
          return { r1, r2, r3, r4, open, manual }
        })
        const linked = await tx((t) => t.activeIncidentIdsOfReports([ids.r1.id, ids.r2.id, ids.r3.id, ids.r4.id]))
        expect(new Map(linked)).toEqual(
          new Map([
            [ids.r1.id, [ids.open.id, ids.manual.id]],
            [ids.r2.id, [ids.open.id]],
          ]),
        )
        expect((await tx((t) => t.activeIncidentIdsOfReports([]))).size).toBe(0)
        expect(new Map(await tx((t) => t.activeIncidentIdsOfReports([ids.r2.id])))).toEqual(
          new Map([[ids.r2.id, [ids.open.id]]]),
        )
      })

      it('lists a timeline in insertion order', async () => {
        const { incident, events } = await tx(async (t) => {
          const p = await addContract(t, 'p')
          const s = await addSample(t, p.id, 1, 'critical', at(0))
          const incident = await addIncident(t, p.id, 'critical')
          const other = await addIncident(t, null, 'manual')
          const events: IncidentEvent[] = []
          events.push(
            await t.insertIncidentEvent({
              incidentId: incident.id,
              type: 'opened',
              reportId: s.id,
              note: 'p is critical',
              isSystem: true,
              at: at(5),
            }),
          )
          await addEvent(t, other.id, null)
          events.push(
            await t.insertIncidentEvent({
              incidentId: incident.id,
              type: 'annotation',
              reportId: null,
              note: 'looking into it',
              isSystem: false,
              at: at(1),
            }),
          )
          return { incident, events }
        })
        expect(events[0]).toEqual({
          id: expect.any(Number),
          incidentId: incident.id,
          type: 'opened',
          reportId: expect.any(Number),
          note: 'p is critical',
          isSystem: true,
          at: at(5),
        })
        expect(await tx((t) => t.listIncidentEvents(incident.id))).toEqual(events)
      })
    })

    describe('deadlines', () => {
      it('gives contracts due at or before an instant, earliest of their two deadlines first', async () => {
        const c = await tx(async (t) => {
          const make = async (code: string, staleAt: Date | null, staleIncidentAt: Date | null) => {
            const contract = await addContract(t, code)
            await t.updateContract(contract.id, { staleAt, staleIncidentAt })
            return { ...contract, staleAt, staleIncidentAt }
          }
          return {
            late: await make('late', at(30), null),
            incidentOnly: await make('incident-only', null, at(10)),
            both: await make('both', at(20), at(25)),
            staleLater: await make('stale-later', at(100), at(5)), // due through its incident deadline
            future: await make('future', at(100), at(200)),
            unarmed: await make('unarmed', null, null),
            exact: await make('exact', at(40), null),
          }
        })
        expect(await tx((t) => t.dueContracts(at(40), 10))).toEqual([
          c.staleLater,
          c.incidentOnly,
          c.both,
          c.late,
          c.exact,
        ])
        expect(await tx((t) => t.dueContracts(at(40), 2))).toEqual([c.staleLater, c.incidentOnly])
        expect(await tx((t) => t.dueContracts(at(4), 10))).toEqual([])
      })

      it('gives unfinished runs due at or before an instant, earliest first', async () => {
        const r = await tx(async (t) => {
          const job = await addContract(t, 'job', 'job')
          const run = (n: number, overtimeAt: Date | null) =>
            t.insertRun({
              contractId: job.id,
              uid: uid(n),
              startedAt: at(0),
              startComment: null,
              rules: RULES_OFF,
              overtimeAt,
            })
          const later = await run(1, at(30))
          const ended = await run(2, at(5))
          await t.updateRun(ended.id, { endedAt: at(6), health: 'healthy' })
          const earlier = await run(3, at(10))
          await run(4, null)
          await run(5, at(100))
          const exact = await run(6, at(40))
          return { later, earlier, exact }
        })
        expect(await tx((t) => t.dueRuns(at(40), 10))).toEqual([r.earlier, r.later, r.exact])
        expect(await tx((t) => t.dueRuns(at(40), 1))).toEqual([r.earlier])
        expect(await tx((t) => t.dueRuns(at(9), 10))).toEqual([])
      })

      it('gives contracts whose schedule deadline is at or before an instant, earliest first', async () => {
        const c = await tx(async (t) => {
          const make = async (code: string, missedAt: Date | null) => {
            const contract = await addContract(t, code)
            const expectedAt = missedAt === null ? null : new Date(missedAt.getTime() - 60_000)
            await t.updateContract(contract.id, { expectedAt, missedAt, staleAt: at(1) })
            return { ...contract, expectedAt, missedAt, staleAt: at(1) }
          }
          return {
            later: await make('later', at(30)),
            earlier: await make('earlier', at(10)),
            future: await make('future', at(41)),
            off: await make('off', null),
            exact: await make('exact', at(40)),
          }
        })
        expect(await tx((t) => t.dueMissed(at(40), 10))).toEqual([c.earlier, c.later, c.exact])
        expect(await tx((t) => t.dueMissed(at(40), 1))).toEqual([c.earlier])
        expect(await tx((t) => t.dueMissed(at(9), 10))).toEqual([])
        await tx((t) => t.updateContract(c.earlier.id, { staleAt: null }))
        expect(await tx((t) => t.nextDeadline())).toEqual(at(1))
        for (const contract of Object.values(c)) await tx((t) => t.updateContract(contract.id, { staleAt: null }))
        expect(await tx((t) => t.nextDeadline())).toEqual(at(10))
      })

      it('gives the earliest armed deadline of contracts and unfinished runs, undefined when none', async () => {
        expect(await tx((t) => t.nextDeadline())).toBeUndefined()
        const { p, run, ended } = await tx(async (t) => {
          const p = await addContract(t, 'p')
          const job = await addContract(t, 'job', 'job')
          await t.updateContract(p.id, { staleAt: at(50), staleIncidentAt: at(40) })
          const runWith = (n: number, overtimeAt: Date) =>
            t.insertRun({
              contractId: job.id,
              uid: uid(n),
              startedAt: at(0),
              startComment: null,
              rules: RULES_OFF,
              overtimeAt,
            })
          const ended = await runWith(1, at(5))
          await t.updateRun(ended.id, { endedAt: at(1), health: 'healthy' })
          const run = await runWith(2, at(30))
          return { p, run, ended }
        })
        expect(await tx((t) => t.nextDeadline())).toEqual(at(30))
        await tx((t) => t.updateRun(run.id, { overtimeAt: null }))
        expect(await tx((t) => t.nextDeadline())).toEqual(at(40))
        await tx((t) => t.updateContract(p.id, { staleIncidentAt: null }))
        expect(await tx((t) => t.nextDeadline())).toEqual(at(50))
        await tx((t) => t.updateContract(p.id, { staleAt: null }))
        expect(await tx((t) => t.nextDeadline())).toBeUndefined()
        expect(ended.overtimeAt).toEqual(at(5)) // an ended run's deadline never counts
      })
    })

    describe('summary', () => {
      it('is all zeros on an empty store', async () => {
        const none = { count: 0, codes: [] }
        expect(await tx((t) => t.summarize())).toEqual({
          activeIncidents: 0,
          critical: none,
          stale: none,
          warning: none,
          healthy: none,
          running: none,
        })
      })

      it('counts each contract once by its stale flag, running run or last health', async () => {
        await tx(async (t) => {
          const probe = async (code: string, healths: Health[], isStale = false) => {
            const c = await addContract(t, code)
            let last: Report | undefined
            for (const [n, health] of healths.entries()) last = await addSample(t, c.id, n, health, at(n))
            await t.updateContract(c.id, { isStale, lastReportId: last?.id ?? null })
            return c
          }
          const job = async (code: string, health: ReportHealth, ended: boolean, isStale = false) => {
            const c = await addContract(t, code, 'job')
            const run = await addRun(t, c.id, 1, at(0))
            await t.updateRun(run.id, { health, ...(ended ? { endedAt: at(1) } : {}) })
            await t.updateContract(c.id, { isStale, lastReportId: run.id })
            return c
          }
          // critical, inserted out of code order, one of them a job
          await probe('crit-d', ['healthy', 'critical'])
          await probe('crit-a', ['critical'])
          await job('crit-c', 'critical', true)
          await probe('crit-b', ['critical'])
          await probe('warn', ['critical', 'warning'])
          await probe('ok', ['healthy'])
          await job('ok-job', 'healthy', true)
          await probe('stale-crit', ['critical'], true)
          await job('stale-running', 'unknown', false, true)
          await job('running', 'unknown', false)
          await job('running-warn', 'warning', false) // counted as running only
          await job('ended-unknown', 'unknown', true) // not counted
          await probe('no-report', [])
          const p = await t.findContract('ok')
          if (p === undefined) throw new Error('fixture')
          await addIncident(t, p.id, 'critical')
          await addIncident(t, null, 'manual')
          const resolved = await addIncident(t, p.id, 'stale')
          await t.updateIncident(resolved.id, { state: 'resolved', resolvedAt: at(5) })
          const recovered = await addIncident(t, p.id, 'job_overlap')
          await t.updateIncident(recovered.id, { state: 'recovered', recoveredAt: at(5) })
        })
        expect(await tx((t) => t.summarize())).toEqual({
          activeIncidents: 3,
          critical: { count: 4, codes: ['crit-a', 'crit-b', 'crit-c'] },
          stale: { count: 2, codes: ['stale-crit', 'stale-running'] },
          warning: { count: 1, codes: ['warn'] },
          healthy: { count: 2, codes: ['ok', 'ok-job'] },
          running: { count: 2, codes: ['running', 'running-warn'] },
        })
      })
    })

    describe('contract overviews', () => {
      const seedOverviews = (t: StoreTx) =>
        (async () => {
          const made: Contract[] = []
          for (const [code, kind] of [
            ['z-job', 'job'],
            ['m-probe', 'probe'],
            ['a-job', 'job'],
            ['b-probe', 'probe'],
            ['y-probe', 'probe'],
            ['c-job', 'job'],
          ] as const) {
            made.push(await addContract(t, code, kind))
          }
          return made
        })()

      it('lists probes first then jobs, each by code, with last report (its host included) and active incident ids', async () => {
        const { mProbe, last, incidents } = await tx(async (t) => {
          await seedOverviews(t)
          const mProbe = await t.findContract('m-probe')
          if (mProbe === undefined) throw new Error('fixture')
          await addSample(t, mProbe.id, 1, 'healthy', at(0))
          const last = await t.insertSample({
            contractId: mProbe.id,
            uid: uid(2),
            health: 'warning',
            pushedAt: at(1),
            comment: null,
            rules: RULES_OFF,
            host: 'web-2',
          })
          await t.updateContract(mProbe.id, { lastReportId: last.id })
          const first = await addIncident(t, mProbe.id, 'stale')
          const resolved = await addIncident(t, mProbe.id, 'critical')
          await t.updateIncident(resolved.id, { state: 'resolved', resolvedAt: at(2) })
          const second = await addIncident(t, mProbe.id, 'critical')
          await addIncident(t, null, 'manual')
          return { mProbe: { ...mProbe, lastReportId: last.id }, last, incidents: [first.id, second.id] }
        })
        const page = await tx((t) => t.listContractOverviews({ limit: 100 }))
        expect(page.map((o) => o.contract.code)).toEqual(['b-probe', 'm-probe', 'y-probe', 'a-job', 'c-job', 'z-job'])
        expect(page[1]).toEqual({ contract: mProbe, lastReport: last, activeIncidentIds: incidents })
        expect(page[1]?.lastReport?.host).toBe('web-2')
        expect(page[0]).toMatchObject({ lastReport: undefined, activeIncidentIds: [] })
      })

      it('pages with after and limit', async () => {
        await tx(seedOverviews)
        const codes = async (after: { kind: ContractKind; code: string } | undefined, limit: number) =>
          (await tx((t) => t.listContractOverviews(after === undefined ? { limit } : { after, limit }))).map(
            (o) => o.contract.code,
          )
        expect(await codes(undefined, 2)).toEqual(['b-probe', 'm-probe'])
        expect(await codes({ kind: 'probe', code: 'm-probe' }, 2)).toEqual(['y-probe', 'a-job'])
        expect(await codes({ kind: 'job', code: 'a-job' }, 2)).toEqual(['c-job', 'z-job'])
        expect(await codes({ kind: 'job', code: 'z-job' }, 2)).toEqual([])
        // `after` need not exist: strictly after (kind, code) in status order
        expect(await codes({ kind: 'probe', code: 'n' }, 10)).toEqual(['y-probe', 'a-job', 'c-job', 'z-job'])
        expect(await codes({ kind: 'job', code: 'b' }, 10)).toEqual(['c-job', 'z-job'])
        expect(await codes({ kind: 'probe', code: 'zzz' }, 1)).toEqual(['a-job'])
      })
    })

    describe('truncate', () => {
      it.each(TRUNCATE_CASES)('deletes exactly what the policy selects: $name', async ({ plan: makePlan }) => {
        const seeded = await tx((t) => seedTruncateData(t))
        const plan = makePlan(seeded.contracts)
        const expected = expectedTruncation(seeded, plan)

        const counts = await tx((t) => t.truncate(plan))

        expect(counts).toEqual(expected.counts)
        await tx(async (t) => {
          for (const report of seeded.reports) {
            const kept = await t.getReport(report.id)
            if (expected.deletedReports.has(report.id)) {
              expect(kept, `report ${report.uid} deleted`).toBeUndefined()
              expect(await t.listSteps(report.id)).toEqual([])
            } else {
              expect(kept, `report ${report.uid} kept`).toEqual(report)
            }
          }
          for (const incident of seeded.incidents) {
            const kept = await t.getIncident(incident.id)
            if (expected.deletedIncidents.has(incident.id)) {
              expect(kept, `incident ${incident.title} deleted`).toBeUndefined()
              expect(await t.listIncidentEvents(incident.id)).toEqual([])
            } else {
              expect(kept, `incident ${incident.title} kept`).toEqual(incident)
              const events = seeded.events.filter((e) => e.incidentId === incident.id)
              expect(await t.listIncidentEvents(incident.id)).toEqual(
                events.map((e) =>
                  e.reportId !== null && expected.deletedReports.has(e.reportId) ? { ...e, reportId: null } : e,
                ),
              )
            }
          }
          for (const contract of Object.values(seeded.contracts)) {
            expect(await t.getContract(contract.id)).toEqual(contract)
          }
        })
      })

      it('changes nothing when the plan selects nothing', async () => {
        const seeded = await tx((t) => seedTruncateData(t))
        const counts = await tx((t) =>
          t.truncate({
            contractId: null,
            reportCutoffs: undefined,
            incidentCutoff: undefined,
            deliveryCutoff: undefined,
          }),
        )
        expect(counts).toEqual({ samples: 0, runs: 0, incidents: 0, deliveries: 0, logPaths: [] })
        for (const contract of Object.values(seeded.contracts)) {
          expect(await tx((t) => t.countReports(contract.id))).toBe(
            seeded.reports.filter((r) => r.contractId === contract.id).length,
          )
        }
      })
    })

    describe('outbox', () => {
      it('inserts a pending delivery and reads it back, its event and incident included', async () => {
        const incident: Incident = {
          id: 7,
          state: 'relapsed',
          triggerType: 'critical',
          title: 'db.backup is critical',
          description: null,
          contractId: 3,
          openedAt: at(1),
          recoveredAt: at(2),
          relapsedAt: at(3),
          resolvedAt: null,
        }
        const event: NotificationEvent = {
          name: 'incident.relapsed',
          at: at(3),
          incident,
          note: 'critical again',
          host: 'web-1',
        }
        const [withIncident, ping] = await tx(async (t) => [
          await t.insertDelivery(delivery('d-1', 'ops', 'INC-7', at(4), event, at(3))),
          await t.insertDelivery(delivery('d-2', 'ops', null, at(5), { name: 'timon.ping', at: at(5) }, at(5))),
        ])
        expect(withIncident).toEqual({
          id: expect.any(Number),
          deliveryId: 'd-1',
          target: 'ops',
          event,
          orderingKey: 'INC-7',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: at(4),
          lastError: null,
          createdAt: at(3),
          finishedAt: null,
        })
        const read = await tx((t) => t.getDelivery(withIncident.id))
        expect(read).toEqual(withIncident)
        expect(read?.event.incident?.openedAt).toBeInstanceOf(Date)
        expect(read?.event.at).toBeInstanceOf(Date)
        const readPing = await tx((t) => t.getDelivery(ping.id))
        expect(readPing).toEqual(ping)
        expect(readPing?.event).toEqual({ name: 'timon.ping', at: at(5) })
        expect(readPing?.event.incident).toBeUndefined()
        expect(await tx((t) => t.getDelivery(ping.id + 1000))).toBeUndefined()
      })

      it('updates only the fields of a patch', async () => {
        const d = await tx((t) => t.insertDelivery(delivery('d', 'ops', 'k', at(0))))
        await tx((t) => t.updateDelivery(d.id, { attempts: 1, nextAttemptAt: at(10), lastError: 'HTTP 502' }))
        expect(await tx((t) => t.getDelivery(d.id))).toEqual({
          ...d,
          attempts: 1,
          nextAttemptAt: at(10),
          lastError: 'HTTP 502',
        })
        await tx((t) =>
          t.updateDelivery(d.id, { status: 'delivered', attempts: 2, lastError: null, finishedAt: at(11) }),
        )
        expect(await tx((t) => t.getDelivery(d.id))).toEqual({
          ...d,
          status: 'delivered',
          attempts: 2,
          nextAttemptAt: at(10),
          lastError: null,
          finishedAt: at(11),
        })
      })

      it('truncates deliveries finished at or before the cutoff, never a pending one', async () => {
        const [early, late, failed, pending] = await tx(async (t) => [
          await t.insertDelivery(delivery('early', 'ops', 'k1', at(0))),
          await t.insertDelivery(delivery('late', 'ops', 'k2', at(0))),
          await t.insertDelivery(delivery('failed', 'mail', 'k3', at(0))),
          await t.insertDelivery(delivery('pending', 'ops', 'k4', at(0))),
        ])
        await tx(async (t) => {
          await t.updateDelivery(early.id, { status: 'delivered', finishedAt: at(50) })
          await t.updateDelivery(late.id, { status: 'delivered', finishedAt: at(300) })
          await t.updateDelivery(failed.id, { status: 'failed', finishedAt: at(200) })
        })
        const counts = await tx((t) =>
          t.truncate({
            contractId: null,
            reportCutoffs: undefined,
            incidentCutoff: undefined,
            deliveryCutoff: at(200),
          }),
        )
        expect(counts).toEqual({ samples: 0, runs: 0, incidents: 0, deliveries: 2, logPaths: [] })
        expect(await tx((t) => t.getDelivery(early.id))).toBeUndefined()
        expect(await tx((t) => t.getDelivery(failed.id))).toBeUndefined()
        expect((await tx((t) => t.getDelivery(late.id)))?.status).toBe('delivered')
        expect((await tx((t) => t.getDelivery(pending.id)))?.status).toBe('pending')
      })

      it('queues failed deliveries again, one or all, keeping their delivery id', async () => {
        const [a, b, sent, waiting] = await tx(async (t) => [
          await t.insertDelivery(delivery('a', 'ops', 'k', at(0))),
          await t.insertDelivery(delivery('b', 'chat', null, at(0))),
          await t.insertDelivery(delivery('sent', 'ops', null, at(0))),
          await t.insertDelivery(delivery('waiting', 'ops', null, at(0))),
        ])
        if (a === undefined || b === undefined || sent === undefined || waiting === undefined)
          throw new Error('not inserted')
        await tx(async (t) => {
          await t.updateDelivery(a.id, { status: 'failed', attempts: 6, lastError: 'HTTP 500', finishedAt: at(9) })
          await t.updateDelivery(b.id, { status: 'failed', attempts: 1, lastError: 'HTTP 400', finishedAt: at(8) })
          await t.updateDelivery(sent.id, { status: 'delivered', attempts: 1, finishedAt: at(7) })
        })
        expect(await tx((t) => t.requeueFailedDeliveries(at(20), sent.id))).toBe(0)
        expect(await tx((t) => t.requeueFailedDeliveries(at(20), a.id))).toBe(1)
        expect(await tx((t) => t.getDelivery(a.id))).toEqual({
          ...a,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: at(20),
          lastError: 'HTTP 500',
          finishedAt: null,
        })
        expect((await tx((t) => t.getDelivery(b.id)))?.status).toBe('failed')

        expect(await tx((t) => t.requeueFailedDeliveries(at(30)))).toBe(1)
        expect(await tx((t) => t.getDelivery(b.id))).toMatchObject({
          deliveryId: 'b',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: at(30),
          finishedAt: null,
        })
        expect(await tx((t) => t.getDelivery(sent.id))).toMatchObject({ status: 'delivered', finishedAt: at(7) })
        expect(await tx((t) => t.getDelivery(waiting.id))).toEqual(waiting)
        expect(await tx((t) => t.requeueFailedDeliveries(at(40)))).toBe(0)
      })

      it('gives pending deliveries due at or before an instant, oldest first, at most limit', async () => {
        const d = await tx(async (t) => ({
          a: await t.insertDelivery(delivery('a', 'ops', null, at(20))),
          b: await t.insertDelivery(delivery('b', 'ops', null, at(5))),
          future: await t.insertDelivery(delivery('future', 'ops', null, at(50))),
          c: await t.insertDelivery(delivery('c', 'chat', null, at(30))),
          done: await t.insertDelivery(delivery('done', 'ops', null, at(1))),
          failed: await t.insertDelivery(delivery('failed', 'ops', null, at(1))),
        }))
        await tx(async (t) => {
          await t.updateDelivery(d.done.id, { status: 'delivered', finishedAt: at(2) })
          await t.updateDelivery(d.failed.id, { status: 'failed', finishedAt: at(2) })
        })
        const ids = (list: readonly { id: number }[]) => list.map((x) => x.id)
        expect(ids(await tx((t) => t.dueDeliveries(at(30), 10)))).toEqual([d.a.id, d.b.id, d.c.id])
        expect(ids(await tx((t) => t.dueDeliveries(at(30), 2)))).toEqual([d.a.id, d.b.id])
        expect(ids(await tx((t) => t.dueDeliveries(at(10), 10)))).toEqual([d.b.id])
        expect(await tx((t) => t.dueDeliveries(at(0), 10))).toEqual([])
        expect((await tx((t) => t.dueDeliveries(at(5), 10)))[0]).toEqual(d.b)
      })

      it('holds a delivery back while an older pending one has the same target and ordering key', async () => {
        const d = await tx(async (t) => ({
          first: await t.insertDelivery(delivery('first', 'ops', 'INC-1', at(0))),
          second: await t.insertDelivery(delivery('second', 'ops', 'INC-1', at(0))),
          otherTarget: await t.insertDelivery(delivery('other-target', 'chat', 'INC-1', at(0))),
          otherKey: await t.insertDelivery(delivery('other-key', 'ops', 'INC-2', at(0))),
          noKey1: await t.insertDelivery(delivery('no-key-1', 'ops', null, at(0))),
          noKey2: await t.insertDelivery(delivery('no-key-2', 'ops', null, at(0))),
          // an older pending delivery holds back even when it is not due yet
          notDue: await t.insertDelivery(delivery('not-due', 'ops', 'INC-3', at(100))),
          afterNotDue: await t.insertDelivery(delivery('after-not-due', 'ops', 'INC-3', at(0))),
          third: await t.insertDelivery(delivery('third', 'ops', 'INC-1', at(0))),
        }))
        const ids = (list: readonly { id: number }[]) => list.map((x) => x.id)
        expect(ids(await tx((t) => t.dueDeliveries(at(10), 100)))).toEqual([
          d.first.id,
          d.otherTarget.id,
          d.otherKey.id,
          d.noKey1.id,
          d.noKey2.id,
        ])
        await tx((t) => t.updateDelivery(d.first.id, { status: 'delivered', finishedAt: at(1) }))
        await tx((t) => t.updateDelivery(d.notDue.id, { status: 'failed', finishedAt: at(1) }))
        expect(ids(await tx((t) => t.dueDeliveries(at(10), 100)))).toEqual([
          d.second.id,
          d.otherTarget.id,
          d.otherKey.id,
          d.noKey1.id,
          d.noKey2.id,
          d.afterNotDue.id,
        ])
        // a pending head that is not due yet (a retry backing off) holds the rest back
        await tx((t) => t.updateDelivery(d.second.id, { attempts: 1, nextAttemptAt: at(60) }))
        expect(ids(await tx((t) => t.dueDeliveries(at(10), 100)))).not.toContain(d.third.id)
      })

      it('gives the earliest next attempt of a pending delivery, undefined when none is pending', async () => {
        expect(await tx((t) => t.nextDeliveryAt())).toBeUndefined()
        const d = await tx(async (t) => ({
          early: await t.insertDelivery(delivery('early', 'ops', null, at(5))),
          late: await t.insertDelivery(delivery('late', 'ops', null, at(9))),
        }))
        expect(await tx((t) => t.nextDeliveryAt())).toEqual(at(5))
        await tx((t) => t.updateDelivery(d.early.id, { status: 'failed', finishedAt: at(6) }))
        expect(await tx((t) => t.nextDeliveryAt())).toEqual(at(9))
        await tx((t) => t.updateDelivery(d.late.id, { status: 'delivered', finishedAt: at(6) }))
        expect(await tx((t) => t.nextDeliveryAt())).toBeUndefined()
      })

      it('lists deliveries newest first, optionally of one status, and counts every status', async () => {
        expect(await tx((t) => t.countDeliveries())).toEqual({ pending: 0, delivered: 0, failed: 0 })
        const d = await tx(async (t) => {
          const list = []
          for (let n = 1; n <= 5; n++) list.push(await t.insertDelivery(delivery(`d-${n}`, 'ops', null, at(n))))
          return list
        })
        const [d1, d2, d3, d4, d5] = d
        await tx(async (t) => {
          for (const x of [d1, d3]) if (x) await t.updateDelivery(x.id, { status: 'delivered', finishedAt: at(9) })
          if (d4) await t.updateDelivery(d4.id, { status: 'failed', finishedAt: at(9), lastError: 'HTTP 500' })
        })
        const ids = (list: readonly { id: number }[]) => list.map((x) => x.id)
        const id = (x: { id: number } | undefined) => x?.id
        expect(ids(await tx((t) => t.listDeliveries({ limit: 10 })))).toEqual([d5, d4, d3, d2, d1].map(id))
        expect(ids(await tx((t) => t.listDeliveries({ limit: 2 })))).toEqual([d5, d4].map(id))
        expect(ids(await tx((t) => t.listDeliveries({ status: 'delivered', limit: 10 })))).toEqual([d3, d1].map(id))
        expect(ids(await tx((t) => t.listDeliveries({ status: 'pending', limit: 1 })))).toEqual([d5].map(id))
        expect(await tx((t) => t.listDeliveries({ status: 'failed', limit: 10 }))).toMatchObject([
          { id: id(d4), status: 'failed', lastError: 'HTTP 500' },
        ])
        expect(await tx((t) => t.countDeliveries())).toEqual({ pending: 2, delivered: 2, failed: 1 })
      })
    })

    describe('delivery claims', () => {
      const HOUR = 3_600_000
      const a = { owner: 'daemon-a', leaseMs: HOUR }
      const b = { owner: 'daemon-b', leaseMs: HOUR }
      const ids = (list: readonly { id: number }[]) => list.map((x) => x.id)

      it('gives due deliveries to one owner at a time, and its own claims again to that owner', async () => {
        const d = await tx(async (t) => ({
          one: await t.insertDelivery(delivery('one', 'ops', null, at(0))),
          two: await t.insertDelivery(delivery('two', 'chat', null, at(5))),
          later: await t.insertDelivery(delivery('later', 'ops', null, at(50))),
        }))
        expect(ids(await tx((t) => t.claimDueDeliveries(at(10), a, 1)))).toEqual([d.one.id])
        expect(await tx((t) => t.claimDueDeliveries(at(10), b, 10))).toEqual([d.two])
        expect(await tx((t) => t.claimDueDeliveries(at(10), a, 10))).toEqual([d.one])
        expect(await tx((t) => t.claimDueDeliveries(at(10), { owner: 'daemon-c', leaseMs: HOUR }, 10))).toEqual([])
        expect(ids(await tx((t) => t.dueDeliveries(at(10), 10)))).toEqual([d.one.id, d.two.id])
      })

      it('lets another owner take a delivery over once the lease ran out, and then refuses the first owner its outcome', async () => {
        const d = await tx((t) => t.insertDelivery(delivery('d', 'ops', null, at(0))))
        expect(ids(await tx((t) => t.claimDueDeliveries(at(10), { ...a, leaseMs: 0 }, 10)))).toEqual([d.id])
        expect(ids(await tx((t) => t.claimDueDeliveries(at(10), b, 10)))).toEqual([d.id])
        expect(
          await tx((t) => t.settleDelivery(d.id, a.owner, { status: 'delivered', attempts: 1, finishedAt: at(11) })),
        ).toBe(false)
        expect(await tx((t) => t.getDelivery(d.id))).toEqual(d)
        expect(
          await tx((t) => t.settleDelivery(d.id, b.owner, { status: 'delivered', attempts: 1, finishedAt: at(11) })),
        ).toBe(true)
        expect(await tx((t) => t.getDelivery(d.id))).toMatchObject({
          status: 'delivered',
          attempts: 1,
          finishedAt: at(11),
        })
        expect(await tx((t) => t.settleDelivery(d.id, b.owner, { status: 'failed' }))).toBe(false)
      })

      it('releases the claim with the outcome: a rescheduled delivery goes to whoever claims it when due again', async () => {
        const d = await tx((t) => t.insertDelivery(delivery('d', 'ops', null, at(0))))
        await tx((t) => t.claimDueDeliveries(at(10), a, 10))
        expect(
          await tx((t) =>
            t.settleDelivery(d.id, a.owner, { attempts: 1, lastError: 'HTTP 500', nextAttemptAt: at(20) }),
          ),
        ).toBe(true)
        expect(await tx((t) => t.claimDueDeliveries(at(10), b, 10))).toEqual([])
        expect(await tx((t) => t.claimDueDeliveries(at(20), b, 10))).toMatchObject([
          { id: d.id, attempts: 1, lastError: 'HTTP 500' },
        ])
        expect(await tx((t) => t.claimDueDeliveries(at(20), a, 10))).toEqual([])
      })

      it('claims no delivery while an older one of its target and ordering key is pending, claimed or not', async () => {
        const d = await tx(async (t) => ({
          first: await t.insertDelivery(delivery('first', 'ops', 'INC-1', at(0))),
          second: await t.insertDelivery(delivery('second', 'ops', 'INC-1', at(0))),
          other: await t.insertDelivery(delivery('other', 'ops', 'INC-2', at(0))),
        }))
        expect(ids(await tx((t) => t.claimDueDeliveries(at(10), a, 1)))).toEqual([d.first.id])
        expect(ids(await tx((t) => t.claimDueDeliveries(at(10), b, 10)))).toEqual([d.other.id])
        await tx((t) => t.settleDelivery(d.first.id, a.owner, { status: 'delivered', attempts: 1, finishedAt: at(10) }))
        expect(ids(await tx((t) => t.claimDueDeliveries(at(10), b, 10)))).toEqual([d.second.id, d.other.id])
      })
    })

    describe('API tokens', () => {
      const newToken = (name: string, secretHash: string) => ({
        name,
        scope: 'read' as const,
        codes: ['web.*', 'db.backup'],
        secretHash,
        createdAt: at(0),
        expiresAt: at(60),
      })

      it('inserts a token and finds it by name and by secret hash', async () => {
        const token = await tx((t) => t.insertToken(newToken('ci', 'a'.repeat(64))))
        expect(token).toEqual({ id: token.id, ...newToken('ci', 'a'.repeat(64)), lastUsedAt: null, revoked: false })
        expect(await tx((t) => t.findTokenByName('ci'))).toEqual(token)
        expect(await tx((t) => t.findTokenBySecretHash('a'.repeat(64)))).toEqual(token)
        expect(await tx((t) => t.findTokenByName('other'))).toBeUndefined()
        expect(await tx((t) => t.findTokenBySecretHash('b'.repeat(64)))).toBeUndefined()
      })

      it('keeps a token without codes or expiry as such', async () => {
        const token = await tx((t) =>
          t.insertToken({ ...newToken('all', 'c'.repeat(64)), codes: [], expiresAt: null, scope: 'admin' }),
        )
        expect(await tx((t) => t.findTokenByName('all'))).toEqual({
          ...token,
          codes: [],
          expiresAt: null,
          scope: 'admin',
        })
      })

      it('lists the tokens not revoked by name, records use, and frees a revoked name', async () => {
        const b = await tx((t) => t.insertToken(newToken('b', 'b'.repeat(64))))
        const a = await tx((t) => t.insertToken(newToken('a', 'a'.repeat(64))))
        expect((await tx((t) => t.listTokens())).map((t) => t.name)).toEqual(['a', 'b'])
        await expect(tx((t) => t.insertToken(newToken('a', 'd'.repeat(64))))).rejects.toThrow()
        await tx((t) => t.updateToken(a.id, { lastUsedAt: at(5) }))
        expect((await tx((t) => t.findTokenByName('a')))?.lastUsedAt).toEqual(at(5))
        await tx((t) => t.updateToken(a.id, { revoked: true }))
        expect((await tx((t) => t.listTokens())).map((t) => t.name)).toEqual(['b'])
        expect(await tx((t) => t.findTokenByName('a'))).toBeUndefined()
        expect(await tx((t) => t.findTokenBySecretHash('a'.repeat(64)))).toMatchObject({ id: a.id, revoked: true })
        const again = await tx((t) => t.insertToken(newToken('a', 'e'.repeat(64))))
        expect(again.id).not.toBe(a.id)
        expect(b.revoked).toBe(false)
      })
    })

    describeHistoryExport(tx)
    describeIncidentQuery(tx)

    describe('transactions', () => {
      it('rolls back every write of a transaction that throws, and rethrows its error', async () => {
        const { kept, sample } = await tx(async (t) => {
          const kept = await addContract(t, 'kept')
          return { kept, sample: await addSample(t, kept.id, 1, 'healthy', at(0)) }
        })
        const boom = new Error('boom')
        await expect(
          tx(async (t) => {
            const doomed = await addContract(t, 'doomed')
            await addSample(t, doomed.id, 1, 'critical', at(1))
            await t.updateContract(kept.id, { isStale: true, staleAt: at(9) })
            await t.deleteReport(sample.id)
            await addIncident(t, kept.id, 'critical')
            await t.insertDelivery(delivery('rolled-back', 'ops', null, at(0)))
            throw boom
          }),
        ).rejects.toBe(boom)
        await tx(async (t) => {
          expect(await t.findContract('doomed')).toBeUndefined()
          expect(await t.getContract(kept.id)).toEqual(kept)
          expect(await t.getReport(sample.id)).toEqual(sample)
          expect(await t.listActiveIncidents()).toEqual([])
          expect(await t.countDeliveries()).toEqual({ pending: 0, delivered: 0, failed: 0 })
        })
      })

      it('runs concurrent transactions one after another', async () => {
        const c = await tx((t) => addContract(t, 'counter'))
        const log: string[] = []
        const increment = (n: number) =>
          tx(async (t) => {
            log.push(`begin ${n}`)
            const current = await t.getContract(c.id)
            await yieldToOthers()
            const count = (current?.rules.staleAfter ?? 0) + 1
            await t.updateContract(c.id, { rules: { ...RULES_OFF, staleAfter: count } })
            log.push(`end ${n}`)
            return count
          })
        const results = await Promise.all([1, 2, 3, 4, 5].map(increment))
        expect([...results].sort()).toEqual([1, 2, 3, 4, 5])
        expect((await tx((t) => t.getContract(c.id)))?.rules.staleAfter).toBe(5)
        for (let i = 0; i < log.length; i += 2) {
          expect(log[i + 1]).toBe(log[i]?.replace('begin', 'end'))
        }
      })

      it('keeps working after a transaction failed', async () => {
        await tx((t) => addContract(t, 'dup'))
        const results = await Promise.allSettled([
          tx((t) => addContract(t, 'dup')),
          tx((t) => addContract(t, 'fresh')),
          tx(async () => {
            throw new Error('boom')
          }),
          tx((t) => addContract(t, 'fresher')),
        ])
        expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled'])
        expect(await tx(async (t) => [await t.findContract('fresh'), await t.findContract('fresher')])).toMatchObject([
          { code: 'fresh' },
          { code: 'fresher' },
        ])
      })

      it.skipIf(capabilities.reopen === undefined)(
        'keeps committed data, and only committed data, across close and reopen',
        async () => {
          const committed = await tx(async (t) => {
            const c = await addContract(t, 'p')
            return { c, s: await addSample(t, c.id, 1, 'warning', at(1)) }
          })
          await expect(
            tx(async (t) => {
              await addContract(t, 'rolled-back')
              throw new Error('boom')
            }),
          ).rejects.toThrow('boom')
          const closed = store
          await closed.close()
          const reopen = capabilities.reopen
          if (reopen === undefined) throw new Error('unreachable')
          store = await reopen(closed)
          expect(await tx((t) => t.getContract(committed.c.id))).toEqual(committed.c)
          expect(await tx((t) => t.getReport(committed.s.id))).toEqual(committed.s)
          expect(await tx((t) => t.findContract('rolled-back'))).toBeUndefined()
        },
      )
    })
  })
}

// --- internal ---

/** Instants of the fixtures: minutes after a base with a millisecond part, to catch rounding. */
const BASE = Date.parse('2025-03-01T08:00:00.123Z')
function at(minutes: number): Date {
  return new Date(BASE + minutes * 60_000)
}

const RULES_OFF: Rules = {
  staleAfter: null,
  staleIncidentAfter: null,
  overtimeIncidentAfter: null,
  overlapIncident: true,
  schedule: null,
  tz: null,
  grace: null,
  minRuntime: null,
  failureThreshold: null,
  successThreshold: null,
  dependsOn: null,
}
const RULES_ALL: Rules = {
  staleAfter: 60_000,
  staleIncidentAfter: 3_600_000,
  overtimeIncidentAfter: 1_500,
  overlapIncident: false,
  schedule: '0 30 3 L * *',
  tz: 'Europe/Berlin',
  grace: 120_000,
  minRuntime: 2_500,
  failureThreshold: 3,
  successThreshold: 2,
  dependsOn: 'db.main',
}

/**
 * Lets other promise chains run for a while (many microtask turns), so that a store which does not
 * serialize its transactions would interleave them. No timer: core stays free of them.
 */
async function yieldToOthers(): Promise<void> {
  for (let turn = 0; turn < 100; turn++) await Promise.resolve()
}

/** A 12-hex uid made from a number. */
function uid(n: number): string {
  return n.toString(16).padStart(12, '0')
}

function addContract(t: StoreTx, code: string, kind: ContractKind = 'probe'): Promise<Contract> {
  return t.insertContract({ code, kind, rules: RULES_OFF, createdAt: at(0) })
}

function addSample(t: StoreTx, contractId: number, n: number, health: Health, pushedAt: Date): Promise<Report> {
  return t.insertSample({ contractId, uid: uid(n), health, pushedAt, comment: null, rules: RULES_OFF })
}

function addRun(t: StoreTx, contractId: number, n: number, startedAt: Date): Promise<Run> {
  return t.insertRun({ contractId, uid: uid(n), startedAt, startComment: null, rules: RULES_OFF, overtimeAt: null })
}

function addIncident(t: StoreTx, contractId: number | null, triggerType: TriggerType): Promise<Incident> {
  const input: NewIncident = {
    triggerType,
    title: `${triggerType} ${contractId ?? 'manual'}`,
    description: null,
    contractId,
    openedAt: at(0),
  }
  return t.insertIncident(input)
}

function addEvent(t: StoreTx, incidentId: number, reportId: number | null): Promise<IncidentEvent> {
  return t.insertIncidentEvent({ incidentId, type: 'annotation', reportId, note: 'note', isSystem: true, at: at(0) })
}

function delivery(
  deliveryId: string,
  target: string,
  orderingKey: string | null,
  nextAttemptAt: Date,
  event: NotificationEvent = { name: 'incident.open', at: at(0) },
  createdAt: Date = at(0),
): NewDelivery {
  return { deliveryId, target, event, orderingKey, nextAttemptAt, createdAt }
}

// --- truncate fixtures ---

interface TruncateData {
  readonly contracts: Readonly<Record<'p1' | 'j1' | 'p2' | 'p3' | 'p4', Contract>>
  /** Every report, as stored after the fixture's updates. */
  readonly reports: readonly Report[]
  readonly incidents: readonly Incident[]
  readonly events: readonly IncidentEvent[]
}

/**
 * Reports of every kind and health around the cutoffs of {@link TRUNCATE_CASES} (some exactly on
 * them), a contract whose newest report by id is its oldest, a contract with one report, reports
 * linked to open, recovered, resolved and manual incidents, and resolved incidents of every scope.
 */
async function seedTruncateData(t: StoreTx): Promise<TruncateData> {
  const p1 = await addContract(t, 'p1')
  const j1 = await addContract(t, 'j1', 'job')
  const p2 = await addContract(t, 'p2')
  const p3 = await addContract(t, 'p3')
  const p4 = await addContract(t, 'p4')
  const n = { value: 0 }
  const sample = (contractId: number, health: Health, minute: number) =>
    addSample(t, contractId, ++n.value, health, at(minute))
  const run = async (contractId: number, start: number, health: ReportHealth, end: number | null) => {
    const r = await addRun(t, contractId, ++n.value, at(start))
    await t.insertStep({
      reportId: r.id,
      label: 'step',
      health: health === 'unknown' ? 'healthy' : health,
      at: at(start),
    })
    await t.updateRun(r.id, { health, logPath: `/logs/${r.uid}.log`, ...(end === null ? {} : { endedAt: at(end) }) })
  }

  // p1: samples of every health; the newest by id is old
  await sample(p1.id, 'healthy', 0)
  await sample(p1.id, 'warning', 50)
  await sample(p1.id, 'critical', 100)
  await sample(p1.id, 'healthy', 150)
  await sample(p1.id, 'critical', 250)
  await sample(p1.id, 'warning', 100)
  await sample(p1.id, 'healthy', 20)
  // j1: ended runs judged by their end, unfinished ones by their start, `unknown` as critical
  await run(j1.id, 0, 'healthy', 30)
  await run(j1.id, 40, 'critical', 300)
  await run(j1.id, 60, 'unknown', null)
  await run(j1.id, 70, 'warning', null)
  await run(j1.id, 80, 'warning', 90)
  await run(j1.id, 85, 'critical', 100)
  await run(j1.id, 400, 'healthy', 410)
  // p2: a single old report
  await sample(p2.id, 'critical', 0)
  // p3: reports linked to incidents
  const t1 = await sample(p3.id, 'critical', 5)
  const t2 = await sample(p3.id, 'critical', 6)
  const t3 = await sample(p3.id, 'healthy', 7)
  const t4 = await sample(p3.id, 'warning', 8)
  await sample(p3.id, 'healthy', 500)
  // p4: no report at all

  const incidentIds: number[] = []
  const incident = async (
    contractId: number | null,
    trigger: TriggerType,
    patch: Parameters<StoreTx['updateIncident']>[1],
    links: readonly number[],
  ) => {
    const i = await addIncident(t, contractId, trigger)
    for (const reportId of links) await addEvent(t, i.id, reportId)
    await t.updateIncident(i.id, patch)
    incidentIds.push(i.id)
  }
  await incident(p3.id, 'critical', {}, [t1.id]) // open: protects t1
  await incident(p3.id, 'stale', { state: 'resolved', resolvedAt: at(100) }, [t2.id]) // resolved: protects nothing
  await incident(p3.id, 'stale', { state: 'recovered', recoveredAt: at(9) }, [t3.id]) // recovered: protects t3
  await incident(null, 'manual', {}, [t4.id]) // manual and open: protects t4
  await incident(j1.id, 'job_overlap', { state: 'resolved', resolvedAt: at(50) }, [])
  await incident(j1.id, 'critical', { state: 'resolved', resolvedAt: at(200) }, [])
  await incident(null, 'manual', { state: 'resolved', resolvedAt: at(10) }, [])
  await incident(p1.id, 'critical', { state: 'resolved', resolvedAt: at(150) }, [])
  await incident(p1.id, 'critical', { state: 'relapsed', recoveredAt: at(1), relapsedAt: at(2) }, [])

  // read everything back as stored; each contract points at its newest report, as the core keeps it
  const contracts = { p1, j1, p2, p3, p4 }
  const reports: Report[] = []
  for (const key of Object.keys(contracts) as (keyof typeof contracts)[]) {
    const c = contracts[key]
    const newestFirst = await t.listReports(c.id, {})
    const lastReportId = newestFirst[0]?.id ?? null
    await t.updateContract(c.id, { lastReportId })
    contracts[key] = { ...c, lastReportId }
    reports.push(...[...newestFirst].reverse())
  }
  const incidents: Incident[] = []
  const events: IncidentEvent[] = []
  for (const id of incidentIds) {
    const found = await t.getIncident(id)
    if (found === undefined) throw new Error(`fixture: incident ${id} missing`)
    incidents.push(found)
    events.push(...(await t.listIncidentEvents(id)))
  }
  return { contracts, reports, incidents, events }
}

/** What a truncation must delete: the pure predicates, minus the store's two protections. */
function expectedTruncation(data: TruncateData, plan: TruncatePlan) {
  const latest = new Map(Object.values(data.contracts).map((c) => [c.id, c.lastReportId]))
  const activeIds = new Set(data.incidents.filter((i) => i.state !== 'resolved').map((i) => i.id))
  const linked = new Set(
    data.events.filter((e) => e.reportId !== null && activeIds.has(e.incidentId)).map((e) => e.reportId),
  )
  const deletedReports = new Set(
    data.reports
      .filter((r) => isReportTruncated(r, plan) && latest.get(r.contractId) !== r.id && !linked.has(r.id))
      .map((r) => r.id),
  )
  const deletedIncidents = new Set(data.incidents.filter((i) => isIncidentTruncated(i, plan)).map((i) => i.id))
  const kindOf = (id: number) => data.reports.find((r) => r.id === id)?.kind
  return {
    deletedReports,
    deletedIncidents,
    counts: {
      samples: [...deletedReports].filter((id) => kindOf(id) === 'sample').length,
      runs: [...deletedReports].filter((id) => kindOf(id) === 'run').length,
      incidents: deletedIncidents.size,
      deliveries: 0,
      logPaths: data.reports.flatMap((r) =>
        deletedReports.has(r.id) && r.kind === 'run' && r.logPath !== null ? [r.logPath] : [],
      ),
    },
  }
}

type Cutoffs = NonNullable<TruncatePlan['reportCutoffs']>

const TRUNCATE_CASES: readonly { name: string; plan: (c: TruncateData['contracts']) => TruncatePlan }[] = [
  {
    name: 'one cutoff for every health, and incidents',
    plan: () => ({
      contractId: null,
      reportCutoffs: cutoffs(100, 100, 100),
      incidentCutoff: at(100),
      deliveryCutoff: undefined,
    }),
  },
  {
    name: 'a cutoff per health, critical kept',
    plan: () => ({
      contractId: null,
      reportCutoffs: cutoffs(200, 60, null),
      incidentCutoff: undefined,
      deliveryCutoff: undefined,
    }),
  },
  {
    name: 'critical only: unfinished runs without a verdict count as critical',
    plan: () => ({
      contractId: null,
      reportCutoffs: cutoffs(null, null, 65),
      incidentCutoff: at(500),
      deliveryCutoff: undefined,
    }),
  },
  {
    name: 'everything old: only latest and linked reports survive',
    plan: () => ({
      contractId: null,
      reportCutoffs: cutoffs(10_000, 10_000, 10_000),
      incidentCutoff: at(10_000),
      deliveryCutoff: undefined,
    }),
  },
  {
    name: 'incidents only',
    plan: () => ({ contractId: null, reportCutoffs: undefined, incidentCutoff: at(150), deliveryCutoff: undefined }),
  },
  {
    name: 'one job: other contracts and manual incidents untouched',
    plan: (c) => ({
      contractId: c.j1.id,
      reportCutoffs: cutoffs(10_000, 10_000, 10_000),
      incidentCutoff: at(10_000),
      deliveryCutoff: undefined,
    }),
  },
  {
    name: 'one probe with linked reports',
    plan: (c) => ({
      contractId: c.p3.id,
      reportCutoffs: cutoffs(10_000, 10_000, 10_000),
      incidentCutoff: at(10_000),
      deliveryCutoff: undefined,
    }),
  },
  {
    name: 'a contract without reports',
    plan: (c) => ({
      contractId: c.p4.id,
      reportCutoffs: cutoffs(10_000, 10_000, 10_000),
      incidentCutoff: at(10_000),
      deliveryCutoff: undefined,
    }),
  },
]

function cutoffs(healthy: number | null, warning: number | null, critical: number | null): Cutoffs {
  const cut = (m: number | null) => (m === null ? null : at(m))
  return { healthy: cut(healthy), warning: cut(warning), critical: cut(critical) }
}
