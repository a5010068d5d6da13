// The part of better-sqlite3 the store uses, declared here (as Kysely's SqliteDialect does) so that
// the published types do not depend on `@types/better-sqlite3`. A better-sqlite3 `Database` fits.

/** A prepared statement; parameters are positional. */
export interface SqliteStatement {
  /** Whether the statement returns rows. */
  readonly reader: boolean
  run(...parameters: readonly unknown[]): {
    readonly changes: number | bigint
    readonly lastInsertRowid: number | bigint
  }
  get(...parameters: readonly unknown[]): unknown
  all(...parameters: readonly unknown[]): unknown[]
  iterate(...parameters: readonly unknown[]): IterableIterator<unknown>
  /** Rows as arrays of the columns' values (`true`) instead of objects; sticks to the statement. */
  raw(toggle?: boolean): this
  /** The columns of the rows it returns, in order. */
  columns(): readonly { readonly name: string }[]
}

/** An open SQLite connection, e.g. a better-sqlite3 `Database`. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement
  /** Runs a script of statements, returning no rows. */
  exec(sql: string): unknown
  close(): unknown
  /** Whether a transaction is open (SQLite rolls back by itself on some errors). */
  readonly inTransaction: boolean
}
