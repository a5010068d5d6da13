// The notification outbox. Kysely's builder (typed columns): deliveries are written only when an
// incident moves, and read by the dispatcher. The next attempt's time is prepared SQL text: the
// daemon's scheduler asks for it after pushes (every 10 ms under load).
import {
  DELIVERY_STATUSES,
  type LocalDeliveryClaims,
  type Delivery,
  type DeliveryStatus,
  type StoreTx,
} from '@timon/core'
import { sql } from 'kysely'
import { oneOf } from '../rows/codec.js'
import { deliveries } from '../rows/deliveries.js'
import { PENDING, type QueryContext } from './query-context.js'

type OutboxQueries = Pick<
  StoreTx,
  | 'insertDelivery'
  | 'getDelivery'
  | 'dueDeliveries'
  | 'updateDelivery'
  | 'claimDueDeliveries'
  | 'settleDelivery'
  | 'requeueFailedDeliveries'
  | 'nextDeliveryAt'
  | 'listDeliveries'
  | 'countDeliveries'
>

/** The outbox's queries; claims live in memory (`claims`), as one process owns the file. */
export function outboxQueries({ db, statements }: QueryContext, claims: LocalDeliveryClaims): OutboxQueries {
  const queries: OutboxQueries = {
    async insertDelivery(input) {
      const row = deliveries.toRow({ ...input, status: 'pending', attempts: 0, lastError: null, finishedAt: null })
      const { insertId } = await db.insertInto('deliveries').values(row).executeTakeFirstOrThrow()
      return deliveries.toDomain({ ...row, id: Number(insertId) })
    },

    async getDelivery(id) {
      const row = await db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : deliveries.toDomain(row)
    },

    async dueDeliveries(at, limit) {
      const rows = await db
        .selectFrom('deliveries as d')
        .selectAll('d')
        .where('d.status', '=', PENDING)
        .where('d.next_attempt_at', '<=', at.getTime())
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('deliveries as o')
                .select(sql.lit(1).as('one'))
                .where('o.status', '=', PENDING)
                .where('o.ordering_key', 'is not', null)
                .whereRef('o.target', '=', 'd.target')
                .whereRef('o.ordering_key', '=', 'd.ordering_key')
                .whereRef('o.id', '<', 'd.id'),
            ),
          ),
        )
        .orderBy('d.id')
        .limit(limit)
        .execute()
      return rows.map(deliveries.toDomain)
    },

    async updateDelivery(id, patch) {
      const set = deliveries.patchToRow(patch)
      if (Object.keys(set).length === 0) return
      await db.updateTable('deliveries').set(set).where('id', '=', id).execute()
    },

    claimDueDeliveries(at, claim, limit): Promise<readonly Delivery[]> {
      return claims.claim(at, claim, limit, (n) => queries.dueDeliveries(at, n))
    },

    async settleDelivery(id, owner, patch) {
      if (!claims.release(id, owner)) return false
      await queries.updateDelivery(id, patch)
      return true
    },

    async requeueFailedDeliveries(at, id) {
      let update = db
        .updateTable('deliveries')
        .set(deliveries.patchToRow({ status: 'pending', attempts: 0, nextAttemptAt: at, finishedAt: null }))
        .where('status', '=', 'failed')
      if (id !== undefined) update = update.where('id', '=', id)
      const { numUpdatedRows } = await update.executeTakeFirstOrThrow()
      return Number(numUpdatedRows)
    },

    async nextDeliveryAt() {
      const row = statements.prepare(NEXT_DELIVERY_AT).get() as { next: unknown } | undefined
      return typeof row?.next === 'number' ? new Date(row.next) : undefined
    },

    async listDeliveries(query) {
      let select = db.selectFrom('deliveries').selectAll()
      if (query.status !== undefined) select = select.where('status', '=', query.status)
      const rows = await select.orderBy('id', 'desc').limit(query.limit).execute()
      return rows.map(deliveries.toDomain)
    },

    async countDeliveries() {
      const rows = await db
        .selectFrom('deliveries')
        .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
        .groupBy('status')
        .execute()
      const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 }
      for (const { status, count } of rows) counts[oneOf(DELIVERY_STATUSES, status, 'deliveries.status')] = count
      return counts
    },
  }
  return queries
}

// --- internal ---

/** `status = 'pending'` as a literal, as in the partial index's WHERE. */
const NEXT_DELIVERY_AT = `SELECT min(next_attempt_at) AS next FROM deliveries WHERE status = 'pending'`
