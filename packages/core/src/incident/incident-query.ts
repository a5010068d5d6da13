import { z } from 'zod'
import { INCIDENT_STATES, TRIGGER_TYPES } from '../domain.js'
import type { CodedIncident, IncidentCursor, IncidentQuery } from '../ports/store.js'
import { checkCodeGlob } from '../silence/silences.js'

/** Incidents per page unless asked otherwise, and at most. */
export const INCIDENT_PAGE_SIZE = 50
export const MAX_INCIDENT_PAGE_SIZE = 1000

/**
 * Input of `Monitor.queryIncidents` (named as on the wire and the CLI): each filter given narrows
 * the answer (`state`, `trigger`: any of these; `code`: any of these code globs; `since`/`until`:
 * when the incident opened, inclusive); `cursor` is the `next` of the previous page.
 */
export const queryIncidentsSchema = z
  .object({
    state: z
      .array(z.enum(INCIDENT_STATES, { error: `must be one of: ${INCIDENT_STATES.join(', ')}` }))
      .min(1)
      .optional(),
    trigger: z
      .array(z.enum(TRIGGER_TYPES, { error: `must be one of: ${TRIGGER_TYPES.join(', ')}` }))
      .min(1)
      .optional(),
    code: z
      .array(
        z.string().transform((value, ctx): string => {
          const message = checkCodeGlob(value)
          if (message === undefined) return value
          ctx.addIssue({ code: 'custom', message })
          return z.NEVER
        }),
      )
      .min(1)
      .optional(),
    since: z.date().optional(),
    until: z.date().optional(),
    limit: z.number().int().min(1).max(MAX_INCIDENT_PAGE_SIZE, `must be at most ${MAX_INCIDENT_PAGE_SIZE}`).optional(),
    cursor: z
      .string()
      .transform((value, ctx): IncidentCursor => {
        const match = /^([0-9]{1,15})\.([0-9]{1,15})$/.exec(value)
        if (match !== null) return { openedAt: new Date(Number(match[1])), id: Number(match[2]) }
        ctx.addIssue({ code: 'custom', message: 'cursor must be the next of a previous page' })
        return z.NEVER
      })
      .optional(),
  })
  .refine((query) => query.since === undefined || query.until === undefined || query.since <= query.until, {
    message: 'since must not be after until',
  })

export type QueryIncidentsInput = z.input<typeof queryIncidentsSchema>

/** One page of `Monitor.queryIncidents`, newest first. */
export interface IncidentList {
  readonly incidents: readonly CodedIncident[]
  /** Pass as `cursor` for the next page; absent on the last page. */
  readonly next?: string
}

/** The store query of a parsed input: one incident more than the page, to tell whether another page follows. */
export function storeQueryOf(input: z.output<typeof queryIncidentsSchema>): IncidentQuery {
  const { state, trigger, code, since, until, cursor, limit } = input
  return {
    limit: (limit ?? INCIDENT_PAGE_SIZE) + 1,
    ...(state === undefined ? {} : { states: state }),
    ...(trigger === undefined ? {} : { triggers: trigger }),
    ...(code === undefined ? {} : { codes: code }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(cursor === undefined ? {} : { before: cursor }),
  }
}

/** The page of what the store answered to {@link storeQueryOf}. */
export function pageOf(found: readonly CodedIncident[], limit: number | undefined): IncidentList {
  const size = limit ?? INCIDENT_PAGE_SIZE
  if (found.length <= size) return { incidents: found }
  const incidents = found.slice(0, size)
  const last = incidents[incidents.length - 1] as CodedIncident
  return { incidents, next: `${last.openedAt.getTime()}.${last.id}` }
}
