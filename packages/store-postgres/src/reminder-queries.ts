// Incident reminders (docs/behaviour.md#reminders). The next one is the first entry of the index
// `incident_reminders_remind_at`; `dueReminders` locks what it returns and skips rows another
// daemon holds, as the other deadlines do.
import type { StoreTx } from '@timon/core'
import type { Transaction } from 'kysely'
import type { Tables } from './tables.js'

type ReminderQueries = Pick<StoreTx, 'armReminder' | 'clearReminders' | 'dueReminders' | 'nextReminder'>

/** The reminder part of the port, on one transaction. */
export function reminderQueries(trx: Transaction<Tables>): ReminderQueries {
  return {
    async armReminder({ incidentId, target, remindAt }) {
      await trx
        .insertInto('incident_reminders')
        .values({ incident_id: incidentId, target, remind_at: remindAt })
        .onConflict((oc) => oc.columns(['incident_id', 'target']).doUpdateSet({ remind_at: remindAt }))
        .execute()
    },

    async clearReminders(incidentId) {
      await trx.deleteFrom('incident_reminders').where('incident_id', '=', incidentId).execute()
    },

    async dueReminders(at, limit) {
      const rows = await trx
        .selectFrom('incident_reminders')
        .selectAll()
        .where('remind_at', '<=', at)
        .orderBy('remind_at')
        .orderBy('incident_id')
        .orderBy('target')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute()
      return rows.map((row) => ({ incidentId: row.incident_id, target: row.target, remindAt: row.remind_at }))
    },

    async nextReminder() {
      const { next } = await trx
        .selectFrom('incident_reminders')
        .select((eb) => eb.fn.min('remind_at').as('next'))
        .executeTakeFirstOrThrow()
      return next ?? undefined
    },
  }
}
