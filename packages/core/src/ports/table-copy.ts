/**
 * A store's tables as plain rows, for copying a whole history between stores with ids kept
 * (`copyStores`). Unlike {@link Store} it speaks rows, not domain values, so that a copy keeps
 * every column, including those the domain does not read back.
 *
 * Values travel in one portable encoding whatever the engine: instants as epoch milliseconds,
 * durations and ids as integers, booleans as 0/1, JSON (and lists) as JSON text.
 */
export type PortableValue = string | number | null

/** One row in the portable encoding, by column name. */
export type PortableRow = Readonly<Record<string, PortableValue>>

/** A column of a table as the database declares it. */
export interface CopyColumn {
  readonly name: string
  /** Whether it holds JSON (compared parsed: an engine may store it normalised). */
  readonly json: boolean
}

/** A database opened for copying: SQLite or PostgreSQL, already migrated or not. */
export interface CopyDatabase {
  /** How to name it in messages, without secrets. */
  readonly description: string
  /** The newest schema version this code knows for this engine. */
  readonly latestSchemaVersion: number
  /** The most parameters one statement may bind: an insert carries at most this many values. */
  readonly maxParameters: number
  /**
   * Runs `work` in one transaction: its reads see one snapshot; its writes commit together when
   * `work` resolves and are rolled back when it throws.
   */
  transaction<T>(work: (tx: CopyTx) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** Row access within a {@link CopyDatabase} transaction. `table`, `key` and column names come from the schema. */
export interface CopyTx {
  /** The newest migration applied (0 when none). */
  schemaVersion(): Promise<number>
  /** Every table of the schema, the engine's own bookkeeping tables left out. */
  tables(): Promise<readonly string[]>
  /** The columns of `table`, in declaration order; none when it does not exist. */
  columns(table: string): Promise<readonly CopyColumn[]>
  /** At most `limit` rows whose integer `key` is greater than `after` (all when undefined), by `key`. */
  read(
    table: string,
    key: string,
    columns: readonly string[],
    after: number | undefined,
    limit: number,
  ): Promise<readonly PortableRow[]>
  /** The rows whose `key` is one of `keys`, in any order. */
  readKeys(
    table: string,
    key: string,
    columns: readonly string[],
    keys: readonly number[],
  ): Promise<readonly PortableRow[]>
  /**
   * Inserts `rows` with their keys as given; a row that clashes with an existing one on any
   * unique key is skipped. Returns the keys of the rows inserted.
   */
  insert(
    table: string,
    key: string,
    columns: readonly string[],
    rows: readonly PortableRow[],
  ): Promise<readonly number[]>
  /** Sets `column` of the row keyed by each pair's first value to its second. */
  update(
    table: string,
    key: string,
    column: string,
    values: ReadonlyArray<readonly [number, PortableValue]>,
  ): Promise<void>
  /** After rows with explicit keys were inserted into `table`: generated keys continue after the largest. */
  afterInsert(table: string, key: string): Promise<void>
}
