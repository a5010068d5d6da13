// Silences and held incidents (docs/behaviour.md#silences). Kysely's builder: none of these runs
// on every push. The next end, which the daemon's scheduler asks for after pushes, is prepared SQL
// text: the first entry of the partial index `silences_ends_at`.
import type { StoreTx } from '@timon/core'
import { incidents } from '../rows/incidents.js'
import { silences } from '../rows/silences.js'
import type { QueryContext } from './query-context.js'

type SilenceQueries = Pick<
  StoreTx,
  | 'insertSilence'
  | 'getSilence'
  | 'listSilences'
  | 'updateSilence'
  | 'dueSilences'
  | 'nextSilenceEnd'
  | 'holdIncident'
  | 'heldIncidents'
  | 'releaseIncident'
>

export function silenceQueries({ db, statements }: QueryContext): SilenceQueries {
  return {
    async insertSilence(input) {
      const row = {
        pattern: input.pattern,
        starts_at: input.startsAt.getTime(),
        ends_at: input.endsAt.getTime(),
        comment: input.comment,
        created_at: input.createdAt.getTime(),
        released: 0,
      }
      const { insertId } = await db.insertInto('silences').values(row).executeTakeFirstOrThrow()
      return silences.toDomain({ ...row, id: Number(insertId) })
    },

    async getSilence(id) {
      const row = await db.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : silences.toDomain(row)
    },

    async listSilences(at) {
      const rows = await db
        .selectFrom('silences')
        .selectAll()
        .where('ends_at', '>', at.getTime())
        .orderBy('id')
        .execute()
      return rows.map(silences.toDomain)
    },

    async updateSilence(id, patch) {
      const row = {
        ...(patch.endsAt === undefined ? {} : { ends_at: patch.endsAt.getTime() }),
        ...(patch.released === undefined ? {} : { released: patch.released ? 1 : 0 }),
      }
      if (Object.keys(row).length > 0) await db.updateTable('silences').set(row).where('id', '=', id).execute()
    },

    async dueSilences(at, limit) {
      const rows = await db
        .selectFrom('silences')
        .selectAll()
        .where('released', '=', 0)
        .where('ends_at', '<=', at.getTime())
        .orderBy('ends_at')
        .orderBy('id')
        .limit(limit)
        .execute()
      return rows.map(silences.toDomain)
    },

    async nextSilenceEnd() {
      const row = statements.prepare(NEXT_SILENCE_END).get() as { v: unknown } | undefined
      return typeof row?.v === 'number' ? new Date(row.v) : undefined
    },

    async holdIncident(incidentId, heldBy) {
      await db
        .insertInto('incident_holds')
        .values({ incident_id: incidentId, held_by: heldBy })
        .onConflict((oc) => oc.column('incident_id').doUpdateSet({ held_by: heldBy }))
        .execute()
    },

    async heldIncidents(afterId, limit) {
      const rows = await db
        .selectFrom('incident_holds')
        .innerJoin('incidents', 'incidents.id', 'incident_holds.incident_id')
        .selectAll('incidents')
        .select('incident_holds.held_by')
        .where('incident_holds.incident_id', '>', afterId)
        .orderBy('incident_holds.incident_id')
        .limit(limit)
        .execute()
      return rows.map(({ held_by, ...row }) => ({ incident: incidents.toDomain(row), heldBy: held_by }))
    },

    async releaseIncident(incidentId) {
      await db.deleteFrom('incident_holds').where('incident_id', '=', incidentId).execute()
    },
  }
}

// --- internal ---

/** `released = 0` as a literal, as in the partial index's WHERE (a bound parameter never matches it). */
const NEXT_SILENCE_END = 'SELECT min(ends_at) AS v FROM silences WHERE released = 0'
