// PostgreSQL's column encodings: instants are `timestamptz` (read back as Dates), booleans
// `boolean`, a delivery's event `jsonb` (written as JSON text, read back parsed), a token's codes
// `text[]`. The tables both SQL stores share are mapped by @timon/sql-common with these.
import type { ColumnCodec, ColumnTypes } from '@timon/sql-common'

/** PostgreSQL's encodings of the columns the SQL schemas encode differently. */
export interface PostgresColumnTypes extends ColumnTypes {
  readonly instant: Date
  readonly flag: boolean
  readonly json: unknown
  readonly list: string[]
}

export const POSTGRES_COLUMNS: ColumnCodec<PostgresColumnTypes> = {
  store: 'PostgresStore',
  instant: (date) => date,
  date: (value) => value,
  flag: (value) => value,
  bool: (value) => value,
  // As text: pg would send an object as JSON too, but only by guessing from its type.
  json: (value) => JSON.stringify(value),
  parsed: (value) => value,
  list: (values) => [...values],
  listed: (value) => value,
}
