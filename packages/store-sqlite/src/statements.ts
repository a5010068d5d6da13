// The prepared-statement cache of the one connection: every query, from Kysely or written as SQL
// text, is prepared once per distinct text.
import type { SqliteDatabase, SqliteStatement } from './driver.js'

/** Prepared statements kept per SQL text; the store's queries are far fewer. */
const CACHE_SIZE = 256

/** The prepared statements of one connection, kept per SQL text (Kysely's and the store's own). */
export class Statements {
  readonly #db: SqliteDatabase
  readonly #cache = new Map<string, SqliteStatement>()

  constructor(db: SqliteDatabase) {
    this.#db = db
  }

  prepare(text: string): SqliteStatement {
    let statement = this.#cache.get(text)
    if (statement === undefined) {
      statement = this.#db.prepare(text)
      if (this.#cache.size >= CACHE_SIZE) {
        const oldest = this.#cache.keys().next()
        if (oldest.done !== true) this.#cache.delete(oldest.value)
      }
      this.#cache.set(text, statement)
    }
    return statement
  }
}
