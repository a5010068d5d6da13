import type { Silence } from '@timon/core'
import type { ColumnCodec, ColumnTypes } from '../column-codec.js'
import type { SilenceRow } from '../tables.js'

/** Maps `silences` rows to domain values (the stores write them with their own queries). */
export function silenceRows<C extends ColumnTypes>(codec: ColumnCodec<C>) {
  return {
    toDomain(row: SilenceRow<C>): Silence {
      return {
        id: row.id,
        pattern: row.pattern,
        startsAt: codec.date(row.starts_at),
        endsAt: codec.date(row.ends_at),
        comment: row.comment,
        createdAt: codec.date(row.created_at),
        released: codec.bool(row.released),
      }
    },
  }
}
