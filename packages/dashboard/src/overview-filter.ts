import { z } from 'zod'
import { REPORT_HEALTHS } from '@timon/core'
import { SUBJECT_FLAGS, type SubjectRow } from './overview-model.js'

/** The states the overview filters by: a health (or `none`) or a flag. */
export const FILTER_STATES = [...REPORT_HEALTHS, 'none', ...SUBJECT_FLAGS] as const
export type FilterState = (typeof FILTER_STATES)[number]

/** The overview's `?q=&state=` query; anything unknown falls back to "no filter". */
export const overviewQuerySchema = z.object({
  q: z.string().max(200).catch('').default(''),
  state: z.enum(FILTER_STATES).optional().catch(undefined),
})
export type OverviewQuery = z.infer<typeof overviewQuerySchema>

/** The words of a row that `state` matches: its health and its flags (also `data-state` for the script). */
export function rowStates(row: SubjectRow): string {
  return row.flags.length === 0 ? row.health : `${row.health} ${row.flags.join(' ')}`
}

/**
 * Whether a row passes the filter: `q` is a case-insensitive part of its code or of the host of
 * its last report, `state` one of its states.
 */
export function matchesFilter(row: SubjectRow, query: OverviewQuery): boolean {
  const q = query.q.trim().toLowerCase()
  if (q !== '' && !row.code.toLowerCase().includes(q) && !(row.host?.toLowerCase().includes(q) ?? false)) return false
  return (
    query.state === undefined || row.health === query.state || (row.flags as readonly string[]).includes(query.state)
  )
}
