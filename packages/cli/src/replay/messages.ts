import type { Outcome, ReplayError } from '@timon/core/replay'

/**
 * What the main thread sends a replay worker: each page's JSON text as the daemon answered it (one
 * string crosses as one copy; the worker reads its share out of it), then the end.
 */
export type ToWorker = { readonly type: 'page'; readonly text: string } | { readonly type: 'end' }

/** What a replay worker answers: a page taken, then its outcome or why it failed. */
export type FromWorker =
  | { readonly type: 'taken' }
  | { readonly type: 'done'; readonly outcome: Outcome }
  | { readonly type: 'failed'; readonly error: ReplayError }
