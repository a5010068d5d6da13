// Silences and held incidents (docs/behaviour.md#silences). The next end is the first entry of
// the partial index `silences_ends_at`; `dueSilences` locks what it returns and skips rows another
// daemon holds, as the other deadlines do.
import type { StoreTx } from '@timon/core'
import type { Transaction } from 'kysely'
import { incidents, silences } from './rows.js'
import type { Tables } from './tables.js'

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

/** The silence part of the port, on one transaction. */
export function silenceQueries(trx: Transaction<Tables>): SilenceQueries {
  return {
    async insertSilence(input) {
      const row = {
        pattern: input.pattern,
        starts_at: input.startsAt,
        ends_at: input.endsAt,
        comment: input.comment,
        created_at: input.createdAt,
      }
      const { id } = await trx.insertInto('silences').values(row).returning('id').executeTakeFirstOrThrow()
      return silences.toDomain({ ...row, id, released: false })
    },

    async getSilence(id) {
      const row = await trx.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : silences.toDomain(row)
    },

    async listSilences(at) {
      return (await trx.selectFrom('silences').selectAll().where('ends_at', '>', at).orderBy('id').execute()).map(
        silences.toDomain,
      )
    },

    async updateSilence(id, patch) {
      const row = {
        ...(patch.endsAt === undefined ? {} : { ends_at: patch.endsAt }),
        ...(patch.released === undefined ? {} : { released: patch.released }),
      }
      if (Object.keys(row).length > 0) await trx.updateTable('silences').set(row).where('id', '=', id).execute()
    },

    async dueSilences(at, limit) {
      const rows = await trx
        .selectFrom('silences')
        .selectAll()
        .where('released', '=', false)
        .where('ends_at', '<=', at)
        .orderBy('ends_at')
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute()
      return rows.map(silences.toDomain)
    },

    async nextSilenceEnd() {
      const { next } = await trx
        .selectFrom('silences')
        .select((eb) => eb.fn.min('ends_at').as('next'))
        .where('released', '=', false)
        .executeTakeFirstOrThrow()
      return next ?? undefined
    },

    async holdIncident(incidentId, heldBy) {
      await trx
        .insertInto('incident_holds')
        .values({ incident_id: incidentId, held_by: heldBy })
        .onConflict((oc) => oc.column('incident_id').doUpdateSet({ held_by: heldBy }))
        .execute()
    },

    async heldIncidents(afterId, limit) {
      const rows = await trx
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
      await trx.deleteFrom('incident_holds').where('incident_id', '=', incidentId).execute()
    },
  }
}
