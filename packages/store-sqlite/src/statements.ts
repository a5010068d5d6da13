// The prepared-statement cache of the one connection: every query, from Kysely or written as SQL
// text, is prepared once per distinct text.
import type { SqliteDatabase, SqliteStatement } from './driver.js'
import { RowViewQuery } from './row-views.js'

/** Prepared statements kept per SQL text; the store's queries are far fewer. */
const CACHE_SIZE = 256

/** The prepared statements of one connection, kept per SQL text (Kysely's and the store's own). */
export class Statements {
  readonly #db: SqliteDatabase
  readonly #cache = new Map<string, SqliteStatement>()
  /** The few queries read through row views (see `row-views.ts`), each on a statement of its own. */
  readonly #viewQueries = new Map<string, RowViewQuery<unknown>>()

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

  /** The query `text` (SQL text the store writes itself) reading its rows as views (see `row-views.ts`). */
  rowViews<Row>(text: string): RowViewQuery<Row> {
    let query = this.#viewQueries.get(text)
    if (query === undefined) {
      query = new RowViewQuery(this.#db.prepare(text))
      this.#viewQueries.set(text, query)
    }
    return query as RowViewQuery<Row>
  }
}
