// Maps `silences` rows to domain values; no queries here.
import type { Silence } from '@timon/core'
import type { Selectable } from 'kysely'
import type { SilencesTable } from '../tables.js'

export type SilenceRow = Selectable<SilencesTable>

export const silences = {
  toDomain(row: SilenceRow): Silence {
    return {
      id: row.id,
      pattern: row.pattern,
      startsAt: new Date(row.starts_at),
      endsAt: new Date(row.ends_at),
      comment: row.comment,
      createdAt: new Date(row.created_at),
      released: row.released === 1,
    }
  },
}
