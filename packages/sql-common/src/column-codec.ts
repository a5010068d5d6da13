/**
 * The column types that Timon's SQL schemas encode each in their own way; every other column
 * (text, integer counts, durations in milliseconds, ids) is the same in all of them.
 */
export interface ColumnTypes {
  /** An instant: SQLite INTEGER epoch milliseconds, PostgreSQL `timestamptz`. */
  readonly instant: unknown
  /** A boolean: SQLite INTEGER 0/1, PostgreSQL `boolean`. */
  readonly flag: unknown
  /** A delivery's event: written as JSON text; SQLite reads back the text, PostgreSQL (`jsonb`) the value. */
  readonly json: unknown
  /** A token's code globs: SQLite JSON text, PostgreSQL `text[]`. */
  readonly list: unknown
}

/** How one schema writes and reads {@link ColumnTypes}, and how it names its corrupt rows. */
export interface ColumnCodec<C extends ColumnTypes> {
  /** Names the store in the message of a row it cannot read (`SqliteStore: corrupt row: …`). */
  readonly store: string
  instant(date: Date): C['instant']
  date(value: C['instant']): Date
  flag(value: boolean): C['flag']
  bool(value: C['flag']): boolean
  /** A value as written to a JSON column: its JSON text (pg would guess an object's encoding from its type). */
  json(value: unknown): C['json']
  /** A JSON column's value as read back, parsed. */
  parsed(value: C['json']): unknown
  list(values: readonly string[]): C['list']
  /** A list column as read back, not yet checked. */
  listed(value: C['list']): unknown
}

/** {@link ColumnCodec.instant} for a nullable column. */
export function instantOrNull<C extends ColumnTypes>(codec: ColumnCodec<C>, date: Date | null): C['instant'] | null {
  return date === null ? null : codec.instant(date)
}

/** {@link ColumnCodec.date} for a nullable column. */
export function dateOrNull<C extends ColumnTypes>(codec: ColumnCodec<C>, value: C['instant'] | null): Date | null {
  return value === null ? null : codec.date(value)
}

/**
 * `value` when it belongs to `vocabulary`, as the vocabulary's own string (the row's copy, one per
 * row read, is then left to die young rather than kept by every value mapped from it); a stored
 * value outside it is a corrupt row.
 */
export function oneOf<const T extends string>(
  codec: Pick<ColumnCodec<ColumnTypes>, 'store'>,
  vocabulary: readonly T[],
  value: unknown,
  where: string,
): T {
  const known = typeof value === 'string' ? vocabulary.indexOf(value as T) : -1
  if (known >= 0) return vocabulary[known] as T
  throw corruptRow(codec, `${where}: unexpected value ${String(value)}`)
}

/** A row the schema's checks should have refused: a bug, or a database edited by hand. */
export function corruptRow(codec: Pick<ColumnCodec<ColumnTypes>, 'store'>, what: string): Error {
  const error = new Error(`${codec.store}: corrupt row: ${what}`)
  error.name = 'CorruptRowError'
  return error
}
