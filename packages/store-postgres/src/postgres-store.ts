import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import {
  SerialQueue,
  errorMessage,
  type DaemonBeat,
  type DaemonLiveness,
  type Store,
  type StoreFault,
  type StoreHealth,
  type StoreTx,
} from '@timon/core'
import { storeFaultOf } from './faults.js'
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
  /**
   * How long a statement waits for a row lock, in ms (`lock_timeout`), so a push stuck behind a
   * lock that a dead or hung daemon holds fails (503 `store_unavailable`) rather than hangs.
   * Default 5000.
   */
  readonly lockTimeoutMs?: number
  /** The longest a statement may run, in ms (`statement_timeout`). Default 60000. */
  readonly statementTimeoutMs?: number
  /** How long connecting may take, in ms. Default 5000. */
  readonly connectTimeoutMs?: number
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
  /** The storage fault the last transaction failed with; cleared by one that commits. */
  #fault: StoreFault | undefined

  private constructor(db: Kysely<Tables>) {
    this.#db = db
  }

  /** Connects, migrates `options.schema` and returns the store; closes what it opened if that fails. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? 'public'
    if (!SCHEMA_NAME.test(schema)) throw new Error(`PostgresStore: schema "${schema}" must match ${SCHEMA_NAME}`)
    const lockTimeout = options.lockTimeoutMs ?? 5000
    const statementTimeout = options.statementTimeoutMs ?? 60_000
    const pool = new pg.Pool({
      connectionString: options.url,
      ...(options.password === undefined ? {} : { password: options.password }),
      max: Math.max(1, options.poolSize ?? 1),
      // A session left idle in a transaction (a hung daemon) releases its locks after the statement timeout.
      options: `-c search_path=${schema} -c lock_timeout=${lockTimeout} -c statement_timeout=${statementTimeout} -c idle_in_transaction_session_timeout=${statementTimeout}`,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      // A peer that vanished (power loss, network cut) is noticed instead of waited on.
      keepAlive: true,
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
      throw storeFaultOf(error) ?? error
    }
    return new PostgresStore(db)
  }

  /**
   * Runs `work` in a READ COMMITTED transaction of its own, after the store's earlier ones.
   *
   * A transaction that lost a race to another daemon and was rolled back whole (a deadlock, or
   * creating a contract another daemon created meanwhile, which it could not see) runs `work`
   * again, once: the second time it sees the other's commit. Nothing of the first attempt stays.
   *
   * A database that cannot be reached, a lock or statement timeout, a full disk fail it with a
   * `StoreFault` (see `storeFaultOf`), which {@link health} reports until a transaction commits.
   * The pool reconnects on the next transaction once the server is back.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      if (this.#closed) throw new Error('PostgresStore is closed')
      const attempt = () => this.#db.transaction().execute((trx) => work(new PostgresTx(trx)))
      try {
        let result: T
        try {
          result = await attempt()
        } catch (error) {
          if (!lostRace(error)) throw error
          result = await attempt()
        }
        this.#fault = undefined
        return result
      } catch (error) {
        const fault = storeFaultOf(error)
        if (fault === undefined) throw error
        this.#fault = fault
        throw fault
      }
    })
  }

  /** Asks the server (`SELECT 1`, outside the transaction queue); a failure is the fault it stands for. */
  async health(): Promise<StoreHealth> {
    try {
      await sql`SELECT 1`.execute(this.#db)
    } catch (error) {
      const fault = storeFaultOf(error)
      return { ok: false, kind: fault?.kind ?? 'unavailable', reason: fault?.message ?? errorMessage(error) }
    }
    // Reachable, but the last transaction may have failed for another reason (a full disk).
    const fault = this.#fault
    return fault === undefined || fault.kind === 'unavailable'
      ? { ok: true }
      : { ok: false, kind: fault.kind, reason: fault.message }
  }

  async heartbeat(beat: DaemonBeat): Promise<void> {
    try {
      await sql`
        INSERT INTO daemons (name, started_at, last_seen_at, version) VALUES (${beat.name}, ${beat.startedAt}, now(), ${beat.version})
        ON CONFLICT (name) DO UPDATE SET started_at = excluded.started_at, last_seen_at = now(), version = excluded.version`.execute(
        this.#db,
      )
    } catch (error) {
      throw storeFaultOf(error) ?? error
    }
  }

  async liveDaemons(withinMs: number): Promise<readonly DaemonLiveness[]> {
    try {
      const { rows } = await sql<{ name: string; started_at: Date; last_seen_at: Date; version: string }>`
        SELECT name, started_at, last_seen_at, version FROM daemons
        WHERE last_seen_at > now() - make_interval(secs => ${withinMs / 1000}::double precision)
        ORDER BY name`.execute(this.#db)
      return rows.map((row) => ({
        name: row.name,
        startedAt: row.started_at,
        lastSeenAt: row.last_seen_at,
        version: row.version,
      }))
    } catch (error) {
      throw storeFaultOf(error) ?? error
    }
  }

  async close(): Promise<void> {
    // Let the transactions already queued commit before the pool ends under their feet.
    await this.#queue.idle()
    this.#closed = true
    await this.#db.destroy()
  }
}

// --- internal ---

/** What a schema name may be (it is written into the connection's options). */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** int8: ids and counts as numbers (pg gives strings, as int8 may exceed 2^53; Timon's never do). */
const INT8_OID = 20

/** Whether a transaction failed only because a concurrent one won a race (see `transaction`). */
function lostRace(error: unknown): boolean {
  if (!(error instanceof pg.DatabaseError)) return false
  return (
    error.code === DEADLOCK_DETECTED || (error.code === UNIQUE_VIOLATION && error.constraint === 'contracts_code_key')
  )
}

const DEADLOCK_DETECTED = '40P01'
const UNIQUE_VIOLATION = '23505'

/** The pool's type parsers: int8 as numbers (see INT8_OID), the rest as `pg` parses them. */
export function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8_OID) return Number
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown
}
