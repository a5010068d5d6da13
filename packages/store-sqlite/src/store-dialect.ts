// Kysely over the store's one connection: its SQLite dialect, preparing through the statement cache.
import { SqliteDialect } from 'kysely'
import type { SqliteDatabase } from './driver.js'
import type { Statements } from './statements.js'

/**
 * Kysely's SQLite dialect over one connection, with prepared statements kept per SQL text (Kysely
 * prepares every query afresh, which costs more than running it). Transactions are the store's own
 * (see `SqliteStore.transaction`); closing Kysely closes the connection.
 */
export class StoreDialect extends SqliteDialect {
  constructor(db: SqliteDatabase, statements: Statements) {
    super({ database: { close: () => void db.close(), prepare: (text) => statements.prepare(text) } })
  }
}
