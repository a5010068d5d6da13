// SQLite's column encodings: instants are INTEGER epoch milliseconds, booleans INTEGER 0/1, a
// delivery's event and a token's codes JSON text; vocabularies TEXT checked on the way out. The
// tables both stores share are mapped by @timon/sql-common with {@link SQLITE_COLUMNS}.
import {
  corruptRow as sharedCorruptRow,
  oneOf as sharedOneOf,
  type ColumnCodec,
  type ColumnTypes,
} from '@timon/sql-common'

/** SQLite's encodings of the columns the SQL schemas encode differently. */
export interface SqliteColumnTypes extends ColumnTypes {
  readonly instant: number
  readonly flag: number
  readonly json: string
  readonly list: string
}

export const SQLITE_COLUMNS: ColumnCodec<SqliteColumnTypes> = {
  store: 'SqliteStore',
  instant: (date) => date.getTime(),
  date: (ms) => new Date(ms),
  flag: bit,
  bool,
  json: (value) => JSON.stringify(value),
  parsed: (text) => JSON.parse(text),
  list: (values) => JSON.stringify(values),
  listed: (text) => JSON.parse(text),
}

export function bit(value: boolean): number {
  return value ? 1 : 0
}

export function bool(value: number): boolean {
  return value !== 0
}

export function msOrNull(date: Date | null): number | null {
  return date === null ? null : date.getTime()
}

export function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms)
}

/** `value` when it belongs to `vocabulary`; a stored value outside it is a corrupt row. */
export function oneOf<const T extends string>(vocabulary: readonly T[], value: unknown, where: string): T {
  return sharedOneOf(SQLITE_COLUMNS, vocabulary, value, where)
}

/** A row the schema's checks should have refused: a bug or a file edited by hand. */
export function corruptRow(what: string): Error {
  return sharedCorruptRow(SQLITE_COLUMNS, what)
}
