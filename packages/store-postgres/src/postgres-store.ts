import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { SerialQueue, type Store, type StoreTx } from '@timon/core'
import { migrate } from './migrations.js'
import { PostgresTx } from './postgres-tx.js'
import { preparedStatementPool } from './prepared-pool.js'
import type { Tables } from './tables.js'

/** How to open a {@link PostgresStore}. */
export interface PostgresStoreOptions {
  /** A libpq connection URL: `postgres://user@host:5432/database?sslmode=require`. */
  readonly url: string
  /** The password, when it is not in the URL (e.g. read from a password file). */
  readonly password?: string
  /**
   * The schema that holds Timon's tables, created (when missing) and migrated on open; one
   * database can host several Timon installations, one per schema. Lower-case letters, digits and
   * `_`. Default `public`.
   */
  readonly schema?: string
  /**
   * Most connections the pool keeps. The store runs one transaction at a time (the Store port's
   * contract), so one is in use at a time; the pool replaces a connection that broke (a database
   * restart) on the next transaction. Default 1.
   */
  readonly poolSize?: number
}

/**
 * The {@link Store} on PostgreSQL, through Kysely over a `pg` pool. Opening (see
 * {@link PostgresStore.open}) migrates the schema once, whatever the number of daemons starting
 * together, and refuses a schema written by a newer Timon (`SchemaVersionError`).
 *
 * Transactions are READ COMMITTED and run one after another within a store, as the port requires;
 * several stores (daemons) on one database stay correct through row locks and unique indexes (see
 * `PostgresTx`).
 */
export class PostgresStore implements Store {
  readonly #db: Kysely<Tables>
  readonly #queue = new SerialQueue()
  #closed = false

  private constructor(db: Kysely<Tables>) {
    this.#db = db
  }

  /** Connects, migrates `options.schema` and returns the store; closes what it opened if that fails. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? 'public'
    if (!SCHEMA_NAME.test(schema)) throw new Error(`PostgresStore: schema "${schema}" must match ${SCHEMA_NAME}`)
    const pool = new pg.Pool({
      connectionString: options.url,
      ...(options.password === undefined ? {} : { password: options.password }),
      max: Math.max(1, options.poolSize ?? 1),
      options: `-c search_path=${schema}`,
      types: { getTypeParser: typeParser },
    })
    // An idle connection that breaks (the server restarted) is dropped by the pool, which emits
    // 'error'; without a listener that would crash the process. The next transaction reconnects.
    pool.on('error', () => {})
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: preparedStatementPool(pool) }) })
    try {
      await migrate(db as Kysely<unknown>, schema)
    } catch (error) {
      await db.destroy()
      throw error
    }
    return new PostgresStore(db)
  }

  /**
   * Runs `work` in a READ COMMITTED transaction of its own, after the store's earlier ones.
   *
   * A transaction that lost a race to another daemon and was rolled back whole (a deadlock, or
   * creating a contract another daemon created meanwhile, which it could not see) runs `work`
   * again, once: the second time it sees the other's commit. Nothing of the first attempt stays.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      if (this.#closed) throw new Error('PostgresStore is closed')
      const attempt = () => this.#db.transaction().execute((trx) => work(new PostgresTx(trx)))
      try {
        return await attempt()
      } catch (error) {
        if (!lostRace(error)) throw error
        return attempt()
      }
    })
  }

  async close(): Promise<void> {
    // Let the transactions already queued commit before the pool ends under their feet.
    await this.#queue.idle()
    this.#closed = true
    await this.#db.destroy()
  }
}

// --- internal ---

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** int8: ids and counts as numbers (pg gives strings, as int8 may exceed 2^53; Timon's never do). */
const INT8_OID = 20

/** Whether a transaction failed only because a concurrent one won a race (see `transaction`). */
function lostRace(error: unknown): boolean {
  if (!(error instanceof pg.DatabaseError)) return false
  return error.code === DEADLOCK_DETECTED || (error.code === UNIQUE_VIOLATION && error.constraint === 'contracts_code_key')
}

const DEADLOCK_DETECTED = '40P01'
const UNIQUE_VIOLATION = '23505'

function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8_OID) return Number
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown
}
