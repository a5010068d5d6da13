// Incident reminders (docs/behaviour.md#reminders). Kysely's builder: none of these runs on every
// push. The next one is the first entry of the index `incident_reminders_remind_at`.
import type { StoreTx } from '@timon/core'
import type { QueryContext } from './query-context.js'

type ReminderQueries = Pick<StoreTx, 'armReminder' | 'clearReminders' | 'dueReminders' | 'nextReminder'>

export function reminderQueries({ db }: QueryContext): ReminderQueries {
  return {
    async armReminder({ incidentId, target, remindAt }) {
      await db
        .insertInto('incident_reminders')
        .values({ incident_id: incidentId, target, remind_at: remindAt.getTime() })
        .onConflict((oc) => oc.columns(['incident_id', 'target']).doUpdateSet({ remind_at: remindAt.getTime() }))
        .execute()
    },

    async clearReminders(incidentId) {
      await db.deleteFrom('incident_reminders').where('incident_id', '=', incidentId).execute()
    },

    async dueReminders(at, limit) {
      const rows = await db
        .selectFrom('incident_reminders')
        .selectAll()
        .where('remind_at', '<=', at.getTime())
        .orderBy('remind_at')
        .orderBy('incident_id')
        .orderBy('target')
        .limit(limit)
        .execute()
      return rows.map((row) => ({ incidentId: row.incident_id, target: row.target, remindAt: new Date(row.remind_at) }))
    },

    async nextReminder() {
      const row = await db
        .selectFrom('incident_reminders')
        .select((e) => e.fn.min('remind_at').as('v'))
        .executeTakeFirst()
      return typeof row?.v === 'number' ? new Date(row.v) : undefined
    },
  }
}
