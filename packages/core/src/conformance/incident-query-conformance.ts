import { describe, expect, it } from 'vitest'
import { DEFAULT_RULES, type Incident } from '../domain.js'
import type { CodedIncident, IncidentQuery, StoreTx } from '../ports/store.js'

/**
 * The incident query's cases of the conformance suite (`StoreTx.queryIncidents`); `tx` runs work
 * in a transaction of the store under test.
 */
export function describeIncidentQuery(tx: <T>(work: (t: StoreTx) => Promise<T>) => Promise<T>): void {
  describe('incident query', () => {
    /**
     * db.main: critical (opened at 10, resolved), stale (at 20, open); db.replica: critical (at 20,
     * relapsed); web.api: stale (at 30, recovered); a manual one (at 40, open).
     */
    async function fixture() {
      return tx(async (t) => {
        const [db, replica, web] = [
          await t.insertContract({ code: 'db.main', kind: 'probe', rules: DEFAULT_RULES, createdAt: at(0) }),
          await t.insertContract({ code: 'db.replica', kind: 'probe', rules: DEFAULT_RULES, createdAt: at(0) }),
          await t.insertContract({ code: 'web.api', kind: 'job', rules: DEFAULT_RULES, createdAt: at(0) }),
        ]
        const resolved = await t.insertIncident({
          triggerType: 'critical',
          title: 'db.main is critical',
          description: null,
          contractId: db.id,
          openedAt: at(10),
        })
        await t.updateIncident(resolved.id, { state: 'resolved', resolvedAt: at(15) })
        const stale = await t.insertIncident({
          triggerType: 'stale',
          title: 'db.main is stale',
          description: null,
          contractId: db.id,
          openedAt: at(20),
        })
        const relapsed = await t.insertIncident({
          triggerType: 'critical',
          title: 'db.replica is critical',
          description: null,
          contractId: replica.id,
          openedAt: at(20),
        })
        await t.updateIncident(relapsed.id, { state: 'relapsed', relapsedAt: at(25) })
        const recovered = await t.insertIncident({
          triggerType: 'stale',
          title: 'web.api is stale',
          description: null,
          contractId: web.id,
          openedAt: at(30),
        })
        await t.updateIncident(recovered.id, { state: 'recovered', recoveredAt: at(35) })
        const manual = await t.insertIncident({
          triggerType: 'manual',
          title: 'power cut',
          description: null,
          contractId: null,
          openedAt: at(40),
        })
        return {
          resolved: resolved.id,
          stale: stale.id,
          relapsed: relapsed.id,
          recovered: recovered.id,
          manual: manual.id,
        }
      })
    }
    const ids = async (query: Partial<IncidentQuery>) =>
      (await tx((t) => t.queryIncidents({ limit: 100, ...query }))).map((incident) => incident.id)

    it('gives every incident newest first (by opening, then id), each with its code', async () => {
      const f = await fixture()
      const all = await tx((t) => t.queryIncidents({ limit: 100 }))
      expect(all.map((incident) => incident.id)).toEqual([f.manual, f.recovered, f.relapsed, f.stale, f.resolved])
      expect(all.map((incident) => incident.code)).toEqual([null, 'web.api', 'db.replica', 'db.main', 'db.main'])
      const relapsed = all.find((incident) => incident.id === f.relapsed) as CodedIncident
      expect(relapsed).toMatchObject({
        state: 'relapsed',
        triggerType: 'critical',
        title: 'db.replica is critical',
        relapsedAt: at(25),
        openedAt: at(20),
      })
      expect(await tx((t) => t.getIncident(f.relapsed))).toEqual(omitCode(relapsed))
    })

    it('filters by state, trigger, code glob and opening time, all together', async () => {
      const f = await fixture()
      expect(await ids({ states: ['open', 'relapsed'] })).toEqual([f.manual, f.relapsed, f.stale])
      expect(await ids({ triggers: ['stale'] })).toEqual([f.recovered, f.stale])
      expect(await ids({ codes: ['db.*'] })).toEqual([f.relapsed, f.stale, f.resolved])
      expect(await ids({ codes: ['web.api', 'db.replica'] })).toEqual([f.recovered, f.relapsed])
      expect(await ids({ codes: ['*'] })).toEqual([f.recovered, f.relapsed, f.stale, f.resolved])
      expect(await ids({ codes: ['db'] })).toEqual([])
      expect(await ids({ since: at(20), until: at(30) })).toEqual([f.recovered, f.relapsed, f.stale])
      expect(
        await ids({ states: ['open', 'resolved'], triggers: ['critical', 'stale'], codes: ['db.main'], until: at(19) }),
      ).toEqual([f.resolved])
    })

    it('pages with before and limit, the same incidents as one page', async () => {
      const f = await fixture()
      const pages: number[][] = []
      let before: Incident | undefined
      for (;;) {
        const page = await tx((t) =>
          t.queryIncidents({
            limit: 2,
            ...(before === undefined ? {} : { before: { openedAt: before.openedAt, id: before.id } }),
          }),
        )
        if (page.length === 0) break
        pages.push(page.map((incident) => incident.id))
        before = page.at(-1)
      }
      expect(pages).toEqual([[f.manual, f.recovered], [f.relapsed, f.stale], [f.resolved]])
      expect(await ids({ states: ['open'], before: { openedAt: at(20), id: f.stale } })).toEqual([])
      expect(await ids({ before: { openedAt: at(20), id: f.relapsed } })).toEqual([f.stale, f.resolved])
    })
  })
}

// --- internal ---

const BASE = Date.parse('2025-03-01T08:00:00.123Z')

function at(minutes: number): Date {
  return new Date(BASE + minutes * 60_000)
}

function omitCode(incident: CodedIncident): Incident {
  const { code: _code, ...rest } = incident
  return rest
}
