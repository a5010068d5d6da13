import { matchCodeGlob } from '../code-glob.js'
import type { HistoryCursor, HistoryQuery } from '../ports/store.js'

/**
 * Whether a row of a history export belongs to the query's scope, from its probe/job's code
 * (`null` for manual incidents and `timon.*` events, which only an export without a glob holds).
 * Shared by the stores, so that they agree on the scope.
 */
export function inHistoryScope(query: Pick<HistoryQuery, 'code'>, code: string | null): boolean {
  if (query.code === undefined) return true
  return code !== null && matchCodeGlob(query.code, code)
}

/** The cursor a history export starts from. */
export const HISTORY_START: HistoryCursor = { reportId: 0, incidentId: 0, deliveryId: 0 }

/**
 * The `next` cursor of a history page: where each part's scan stopped, or `undefined` when no part
 * filled its `limit` (every part is exhausted).
 */
export function nextHistoryCursor(
  limit: number,
  scanned: { readonly [K in keyof HistoryCursor]: { readonly count: number; readonly lastId: number } },
): HistoryCursor | undefined {
  const full = Object.values(scanned).some((part) => part.count >= limit)
  return full
    ? {
        reportId: scanned.reportId.lastId,
        incidentId: scanned.incidentId.lastId,
        deliveryId: scanned.deliveryId.lastId,
      }
    : undefined
}
