import BetterSqlite3 from 'better-sqlite3'
import type { CopyColumn, CopyDatabase, CopyTx, PortableRow, PortableValue } from '@timon/core'
import type { SqliteDatabase } from './driver.js'
import { LATEST_SCHEMA_VERSION } from './migrations.js'
import { SqliteStore } from './sqlite-store.js'

/** How to open a {@link SqliteCopyDatabase}. */
export interface SqliteCopyOptions {
  /** The database file. */
  readonly path: string
  /**
   * Whether rows are copied into it: then the file is created when missing and migrated first (as
   * the store does on open); otherwise it must exist and is opened read-only.
   */
  readonly write: boolean
}

/**
 * A SQLite database as plain rows, for `copyStores`. The portable encoding is this store's own
 * (epoch ms, 0/1, JSON text), so values pass unchanged. Keys are inserted as given; AUTOINCREMENT
 * then continues after the largest.
 */
export class SqliteCopyDatabase implements CopyDatabase {
  readonly description: string
  readonly latestSchemaVersion = LATEST_SCHEMA_VERSION
  /** SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32. */
  readonly maxParameters = 32_766
  readonly #db: SqliteDatabase
  readonly #write: boolean

  private constructor(db: SqliteDatabase, options: SqliteCopyOptions) {
    this.#db = db
    this.#write = options.write
    this.description = `sqlite:${options.path}`
  }

  /** Opens (and, to write, creates and migrates) the file; throws when it cannot. */
  static async open(options: SqliteCopyOptions): Promise<SqliteCopyDatabase> {
    if (options.write) await new SqliteStore({ database: options.path }).close()
    const db = new BetterSqlite3(options.path, { readonly: !options.write, fileMustExist: true })
    try {
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
      db.exec('PRAGMA foreign_keys = ON')
    } catch (error) {
      db.close()
      throw error
    }
    return new SqliteCopyDatabase(db, options)
  }

  async transaction<T>(work: (tx: CopyTx) => Promise<T>): Promise<T> {
    // IMMEDIATE to write: no other writer can slip in between the reads and the inserts.
    this.#db.exec(this.#write ? 'BEGIN IMMEDIATE' : 'BEGIN')
    try {
      const result = await work(new SqliteCopyTx(this.#db))
      this.#db.exec('COMMIT')
      return result
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK')
      throw error
    }
  }

  async close(): Promise<void> {
    this.#db.close()
  }
}

// --- internal ---

const BUSY_TIMEOUT_MS = 5000

class SqliteCopyTx implements CopyTx {
  readonly #db: SqliteDatabase

  constructor(db: SqliteDatabase) {
    this.#db = db
  }

  async schemaVersion(): Promise<number> {
    if (!(await this.tables()).includes('schema_migrations')) return 0
    const row = this.#db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as {
      version: number | null
    }
    return row.version ?? 0
  }

  async tables(): Promise<readonly string[]> {
    const rows = this.#db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
    return (rows as Array<{ name: string }>).map((row) => row.name)
  }

  async columns(table: string): Promise<readonly CopyColumn[]> {
    // JSON is TEXT here; the other side says which columns hold JSON.
    const rows = this.#db.prepare(`PRAGMA table_info(${id(table)})`).all() as Array<{ name: string }>
    return rows.map((row) => ({ name: row.name, json: false }))
  }

  async read(
    table: string,
    key: string,
    columns: readonly string[],
    after: number | undefined,
    limit: number,
  ): Promise<readonly PortableRow[]> {
    const statement = this.#db.prepare(
      `SELECT ${list(columns)} FROM ${id(table)} WHERE ${id(key)} > ? ORDER BY ${id(key)} LIMIT ?`,
    )
    return statement.all(after ?? Number.MIN_SAFE_INTEGER, limit) as PortableRow[]
  }

  async readKeys(
    table: string,
    key: string,
    columns: readonly string[],
    keys: readonly number[],
  ): Promise<readonly PortableRow[]> {
    if (keys.length === 0) return []
    return this.#db
      .prepare(`SELECT ${list(columns)} FROM ${id(table)} WHERE ${id(key)} IN (${marks(keys.length)})`)
      .all(...keys) as PortableRow[]
  }

  async insert(
    table: string,
    key: string,
    columns: readonly string[],
    rows: readonly PortableRow[],
  ): Promise<readonly number[]> {
    if (rows.length === 0) return []
    const values = rows.map(() => `(${marks(columns.length)})`).join(', ')
    const statement = this.#db.prepare(
      `INSERT INTO ${id(table)} (${list(columns)}) VALUES ${values} ON CONFLICT DO NOTHING RETURNING ${id(key)} AS k`,
    )
    const inserted = statement.all(...rows.flatMap((row) => columns.map((column) => row[column] ?? null))) as Array<{
      k: number
    }>
    return inserted.map((row) => row.k)
  }

  async update(
    table: string,
    key: string,
    column: string,
    values: ReadonlyArray<readonly [number, PortableValue]>,
  ): Promise<void> {
    const statement = this.#db.prepare(`UPDATE ${id(table)} SET ${id(column)} = ? WHERE ${id(key)} = ?`)
    for (const [rowKey, value] of values) statement.run(value, rowKey)
  }

  async afterInsert(): Promise<void> {
    // AUTOINCREMENT records the largest key ever inserted, explicit ones included.
  }
}

function id(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function list(columns: readonly string[]): string {
  return columns.map(id).join(', ')
}

function marks(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ')
}
