import type { HistoryColumns } from '@timon/core'
import type { Outcome, ReplayError } from '@timon/core/replay'

/** What the main thread sends a replay worker: its share of a page, then the end. */
export type ToWorker = { readonly type: 'page'; readonly columns: HistoryColumns } | { readonly type: 'end' }

/** What a replay worker answers: a page taken, then its outcome or why it failed. */
export type FromWorker =
  | { readonly type: 'taken' }
  | { readonly type: 'done'; readonly outcome: Outcome }
  | { readonly type: 'failed'; readonly error: ReplayError }
