// The SqliteStore: opens, checks and migrates the connection, runs transactions and names its
// faults. Its queries live in queries/, one module per area of the port.
import { LocalDeliveryClaims, type Store, type StoreFault, type StoreHealth, type StoreTx } from '@timon/core'
import { Kysely } from 'kysely'
import type { SqliteDatabase } from './driver.js'
import { storeFaultOf } from './faults.js'
import { GroupCommit } from './group-commit.js'
import { checkIntegrity, type IntegrityCheck } from './integrity.js'
import { migrate } from './migrations.js'
import { configure, isFileless, openDatabase, type Synchronous } from './open-database.js'
import { contractQueries } from './queries/contract-queries.js'
import { deadlineQueries } from './queries/deadline-queries.js'
import { historyQueries } from './queries/history-queries.js'
import { incidentHistoryQueries } from './queries/incident-history-queries.js'
import { incidentQueries } from './queries/incident-queries.js'
import { outboxQueries } from './queries/outbox-queries.js'
import type { QueryContext } from './queries/query-context.js'
import { reportQueries } from './queries/report-queries.js'
import { reminderQueries } from './queries/reminder-queries.js'
import { silenceQueries } from './queries/silence-queries.js'
import { summaryQueries } from './queries/summary-queries.js'
import { tokenQueries } from './queries/token-queries.js'
import { truncateQueries } from './queries/truncate-queries.js'
import { ROW_CACHE_CAPACITY, RowCache } from './row-cache.js'
import { Statements } from './statements.js'
import { StoreDialect } from './store-dialect.js'
import type { Tables } from './tables.js'

/** How to open a {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * A file path (created with mode 0600 when missing), `':memory:'`, or an open connection (a
   * better-sqlite3 `Database`). The store configures and migrates it, and closes it on `close()`
   * (a connection passed in too); nothing else may use the connection meanwhile.
   */
  readonly database: string | SqliteDatabase
  /**
   * How long a statement waits for a lock held by another connection, in milliseconds.
   * Defaults to 5000.
   */
  readonly busyTimeout?: number
  /**
   * `full` (default): a commit is on disk before the transaction settles, so an acknowledged
   * write survives a power loss. `normal`: a commit survives a crash of the process but the last
   * ones may be lost on power loss; faster without shared commits. See the package README.
   */
  readonly synchronous?: Synchronous
  /**
   * The integrity check run when the store opens (default `bounded`: the whole file up to 16 MiB,
   * else the tables that hold state); a failing check throws a `corrupt` `StoreFault`.
   */
  readonly integrityCheck?: IntegrityCheck
  /**
   * Let concurrent callers share commits: before committing, a transaction whose queue is empty
   * waits one event-loop turn (`setImmediate`), and another while each turn brings more, so that
   * requests already read join it. Worth it in a server with many concurrent writers (the daemon
   * turns it on); a single caller only pays one turn. Default `false`: transactions that queue up while one runs still share
   * its commit.
   */
  readonly shareCommits?: boolean
  /**
   * How many contracts the row cache keeps, with their active incidents (least recently used
   * forgotten first); default {@link ROW_CACHE_CAPACITY}, 0 turns the cache off. See the package
   * README, "Row cache".
   */
  readonly rowCacheCapacity?: number
}

/**
 * The {@link Store} on SQLite, through Kysely over better-sqlite3. Opening sets WAL, the
 * `synchronous` level, `foreign_keys = ON` and a busy timeout, runs the integrity check, then
 * applies pending migrations; it throws `SchemaVersionError` when the file was written by a newer
 * Timon, and a `StoreFault` when the file is corrupted.
 *
 * There is one connection: transactions run one after another and begin `IMMEDIATE`, so a
 * transaction never fails half-way on a lock another process took. What every push reads (its
 * contract, and that contract's active incidents) is kept between transactions (`RowCache`), true
 * to the file whoever writes it. A full disk or a corrupted
 * page fails the transaction with a `StoreFault` (`full`, `corrupt`), which {@link health} then
 * reports.
 */
export class SqliteStore implements Store {
  readonly #db: Kysely<Tables>
  readonly #statements: Statements
  /** Transactions run one after another on the one connection, sharing commits under load. */
  readonly #transactions: GroupCommit
  /** The one view of the connection every transaction gets: its queries hold no state. */
  readonly #tx: StoreTx
  /** The last storage fault seen: a corruption for good, others until a transaction commits. */
  #fault: StoreFault | undefined
  /** When the last transaction settled (`performance.now()`), to checkpoint the WAL once idle. */
  #lastTransactionAt = 0
  #checkpointTimer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: SqliteStoreOptions) {
    const path = typeof options.database === 'string' ? options.database : undefined
    let handle: SqliteDatabase | undefined
    try {
      handle = path === undefined ? (options.database as SqliteDatabase) : openDatabase(path)
      configure(handle, {
        busyTimeout: options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT,
        synchronous: options.synchronous ?? 'full',
      })
      if (path === undefined || !isFileless(path)) checkIntegrity(handle, options.integrityCheck ?? 'bounded')
      migrate(handle)
    } catch (error) {
      if (path !== undefined) handle?.close()
      throw storeFaultOf(error) ?? error
    }
    const db = handle
    this.#statements = new Statements(db)
    this.#db = new Kysely<Tables>({ dialect: new StoreDialect(db, this.#statements) })
    // Its own statement: raw mode sticks to a statement.
    const dataVersion = db.prepare(DATA_VERSION).raw(true)
    const cache = new RowCache(() => (dataVersion.get() as [number])[0], options.rowCacheCapacity)
    const context: QueryContext = { db: this.#db, statements: this.#statements, cache }
    this.#tx = {
      ...contractQueries(context),
      ...reportQueries(context),
      ...incidentQueries(context),
      ...deadlineQueries(context),
      ...summaryQueries(context),
      ...truncateQueries(context),
      ...outboxQueries(context, new LocalDeliveryClaims()),
      ...tokenQueries(context),
      ...silenceQueries(context),
      ...reminderQueries(context),
      ...historyQueries(context),
      ...incidentHistoryQueries(context),
    }
    const statements = this.#statements
    this.#transactions = new GroupCommit(
      {
        // GroupCommit begins IMMEDIATE, taking the write lock up front (waiting up to
        // busy_timeout): a deferred transaction that reads, then writes, fails at once with
        // SQLITE_BUSY if another process wrote in between.
        // Through the row cache, which forgets what a rollback undoes or another connection changed.
        run: (statement) => cache.transactionStatement(statement, () => void statements.prepare(statement).run()),
        get inTransaction() {
          return db.inTransaction
        },
      },
      options.shareCommits === true
        ? { gather: () => new Promise((resolve) => setImmediate(resolve)), companyWaitMs: COMPANY_WAIT_MS }
        : {},
    )
  }

  /**
   * Runs `work` in a transaction of its own. The store drives BEGIN/COMMIT itself (rather than
   * through Kysely's transaction API, which costs a fifth of a probe push), never interleaves
   * transactions on the connection, and lets transactions that queue up under load share one
   * COMMIT (see `GroupCommit`); a transaction settles only once its writes are committed. A
   * storage fault rejects it with a `StoreFault`.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    const tx = this.#tx
    return this.#transactions
      .run(() => work(tx))
      .then(
        (value) => {
          if (this.#fault !== undefined && this.#fault.kind !== 'corrupt') this.#fault = undefined
          this.#settled()
          return value
        },
        (error: unknown) => {
          this.#settled()
          throw this.#noted(error)
        },
      )
  }

  /**
   * The storage's health: the fault a transaction met (a corruption stays reported until the
   * store is reopened, a full disk or an unavailable file until a transaction commits), else
   * the answer of a read of the schema version.
   */
  async health(): Promise<StoreHealth> {
    if (this.#fault === undefined) {
      try {
        this.#statements.prepare(SCHEMA_VERSION).get()
      } catch (error) {
        this.#noted(error)
      }
    }
    const fault = this.#fault
    return fault === undefined ? { ok: true } : { ok: false, kind: fault.kind, reason: fault.message }
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#checkpointTimer)
    // Wait for a transaction still running before closing the connection under its feet.
    await this.#transactions.idle()
    await this.#db.destroy()
  }

  /**
   * Notes a transaction's end and arms the idle checkpoint: the WAL is checkpointed only every
   * `WAL_AUTOCHECKPOINT` pages under load, so once the store has been idle for
   * {@link IDLE_CHECKPOINT_MS} the store checkpoints it (passive: never waits for a reader).
   */
  #settled(): void {
    this.#lastTransactionAt = performance.now()
    this.#checkpointTimer ??= setTimeout(() => this.#checkpointWhenIdle(), IDLE_CHECKPOINT_MS).unref()
  }

  #checkpointWhenIdle(): void {
    this.#checkpointTimer = undefined
    if (this.#closed) return
    const quiet = performance.now() - this.#lastTransactionAt
    if (this.#transactions.busy || quiet < IDLE_CHECKPOINT_MS) {
      this.#checkpointTimer = setTimeout(
        () => this.#checkpointWhenIdle(),
        Math.max(1, IDLE_CHECKPOINT_MS - quiet),
      ).unref()
      return
    }
    try {
      this.#statements.prepare(CHECKPOINT).get()
    } catch (error) {
      this.#noted(error)
    }
  }

  /** `error` as a `StoreFault` when it is one (remembered for `health`), else unchanged. */
  #noted(error: unknown): unknown {
    const fault = storeFaultOf(error)
    if (fault === undefined) return error
    if (this.#fault?.kind !== 'corrupt') this.#fault = fault
    return fault
  }
}

// --- internal ---

const DEFAULT_BUSY_TIMEOUT = 5000

/** How long the store must have been idle before it checkpoints the WAL, in ms. */
const IDLE_CHECKPOINT_MS = 1000

/**
 * With shared commits, how long a transaction still alone waits for company after concurrent
 * ones, in ms: the shortest timer, and more than the clients of a burst take to send theirs.
 */
const COMPANY_WAIT_MS = 1

const CHECKPOINT = 'PRAGMA wal_checkpoint(PASSIVE)'

const SCHEMA_VERSION = 'SELECT max(version) FROM schema_migrations'

/** Changes when another connection commits to the file (not on this connection's own commits). */
const DATA_VERSION = 'PRAGMA data_version'
