import { validation, type CoreError } from '../errors.js'
import { isPositiveInteger } from '../validate.js'
import type {
  HistoryDelivery,
  HistoryIncident,
  HistoryPage,
  HistoryQuery,
  HistoryReport,
  Store,
} from '../ports/store.js'

/** A recorded history: what a store's export holds for a window, each part in id order. */
export interface History {
  readonly reports: readonly HistoryReport[]
  readonly incidents: readonly HistoryIncident[]
  readonly deliveries: readonly HistoryDelivery[]
}

/** Rows of each part per page when none is asked for: big enough to amortise a query, small enough to stream. */
export const HISTORY_PAGE_SIZE = 5000

/**
 * The pages of a store's history for a window, one transaction each, so that a long export never
 * holds the store for long (a daemon keeps taking pushes in between).
 */
export async function* historyPages(
  store: Store,
  query: Omit<HistoryQuery, 'after' | 'limit'> & { readonly limit?: number },
): AsyncGenerator<HistoryPage> {
  let after: HistoryQuery['after']
  for (;;) {
    const page = await store.transaction((tx) =>
      tx.exportHistory({
        ...query,
        limit: query.limit ?? HISTORY_PAGE_SIZE,
        ...(after === undefined ? {} : { after }),
      }),
    )
    yield page
    if (page.next === undefined) return
    after = page.next
  }
}

/** Joins history pages into one {@link History}. */
export async function collectHistory(pages: AsyncIterable<HistoryPage> | Iterable<HistoryPage>): Promise<History> {
  const reports: HistoryReport[] = []
  const incidents: HistoryIncident[] = []
  const deliveries: HistoryDelivery[] = []
  for await (const page of pages) {
    reports.push(...page.reports)
    incidents.push(...page.incidents)
    deliveries.push(...page.deliveries)
  }
  return { reports, incidents, deliveries }
}

/**
 * What is wrong with a history query, if anything: its `limit` must be a positive integer and
 * `from` not after `to`.
 */
export function historyQueryError(query: HistoryQuery): CoreError | undefined {
  if (!isPositiveInteger(query.limit)) return validation('limit must be a positive integer')
  if (query.from > query.to) return validation('since must not be after until')
  return undefined
}
