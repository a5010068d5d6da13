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

/**
 * `row` as SQLite gives it back once written: a NaN bound becomes NULL, and so does a missing
 * value; -0 becomes 0. `undefined` when a string holds a lone surrogate, which comes back as
 * other characters (better-sqlite3 writes its code unit as invalid UTF-8). `row` itself when
 * nothing changes (most rows). For values built without reading them back (the row cache).
 */
export function storedRow<Row extends object>(row: Row): Row | undefined {
  let stored: Record<string, unknown> | undefined
  for (const [column, value] of Object.entries(row)) {
    const read = storedValue(value)
    if (read === LOST) return undefined
    if (read !== value || Object.is(value, -0)) {
      stored ??= { ...row } as Record<string, unknown>
      stored[column] = read
    }
  }
  return (stored as Row | undefined) ?? row
}

/** A number or instant as SQLite gives it back (see {@link storedRow}); `null` for NaN. */
export function storedNumber(value: number): number | null {
  return Number.isNaN(value) ? null : value + 0
}

/** A date as SQLite gives it back, through its epoch milliseconds (see {@link storedRow}). */
export function storedDate(date: Date | null): Date | null {
  if (date === null) return null
  const ms = storedNumber(date.getTime())
  return ms === null ? null : new Date(ms)
}

/** What {@link storedValue} answers for a value that does not come back as written. */
const LOST = Symbol('lost')

function storedValue(value: unknown): unknown {
  if (value === undefined) return null
  if (typeof value === 'number') return storedNumber(value)
  if (typeof value === 'string' && LONE_SURROGATE.test(value)) return LOST
  return value
}

const LONE_SURROGATE = /\p{Surrogate}/u
