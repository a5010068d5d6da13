/** The statements a {@link GroupCommit} runs on the connection. */
export type TransactionStatement =
  | 'BEGIN IMMEDIATE'
  | 'COMMIT'
  | 'ROLLBACK'
  | 'SAVEPOINT batched'
  | 'RELEASE batched'
  | 'ROLLBACK TO batched'

/** How a {@link GroupCommit} reaches the connection. */
export interface GroupCommitConnection {
  run(statement: TransactionStatement): void
  /** Whether a transaction is open (SQLite rolls back by itself on some errors). */
  readonly inTransaction: boolean
}

/**
 * Runs transactions one at a time on one connection, and lets those that queue up while one runs
 * share its COMMIT: the first runs as the transaction itself, each later one inside a SAVEPOINT,
 * so every transaction still commits or rolls back on its own. A caller hears back only once the
 * COMMIT that holds its writes has succeeded, so an acknowledged transaction is durable.
 *
 * With one caller at a time this is plain BEGIN … COMMIT; with many (the daemon under load) the
 * cost of a commit is shared, which is most of a small transaction's cost.
 */
export class GroupCommit {
  readonly #connection: GroupCommitConnection
  readonly #maxBatch: number
  readonly #pending: Job[] = []
  #draining: Promise<void> | undefined

  readonly #gather: (() => Promise<void>) | undefined
  readonly #companyWaitMs: number | undefined
  /** How many transactions the last COMMIT held: whether they come concurrently. */
  #lastBatch = 1
  /** Wakes a transaction waiting for company (see {@link #gathered}) once one is queued. */
  #arrived: (() => void) | undefined

  /**
   * @param options.gather awaited whenever the queue is empty before committing, again as long
   *   as each round brings more work, so that work already arriving (requests read in the same
   *   event-loop turn) can join the commit; e.g. a `setImmediate` round. Without it, only
   *   transactions queued while one runs share its commit.
   * @param options.companyWaitMs with `gather`: how long a transaction holding at most half as many
   *   as the last COMMIT waits, after a round that brought none, for another to be queued (default:
   *   it does not).
   */
  constructor(
    connection: GroupCommitConnection,
    options: {
      readonly maxBatch?: number
      readonly gather?: () => Promise<void>
      readonly companyWaitMs?: number
    } = {},
  ) {
    this.#connection = connection
    this.#maxBatch = Math.max(1, options.maxBatch ?? 64)
    this.#gather = options.gather
    this.#companyWaitMs = options.companyWaitMs
  }

  /** Queues `work`; settles with its outcome once its writes are committed (or rolled back). */
  run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, resolve: resolve as (value: unknown) => void, reject })
      this.#arrived?.()
      this.#draining ??= this.#drain()
    })
  }

  /** Whether a transaction is running or queued. */
  get busy(): boolean {
    return this.#draining !== undefined
  }

  /** Resolves once every transaction queued so far has settled. */
  async idle(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining
  }

  // --- internal ---

  async #drain(): Promise<void> {
    try {
      for (let first = this.#pending.shift(); first !== undefined; first = this.#pending.shift()) {
        await this.#batch(first)
      }
    } finally {
      // In the same turn as the last look at the queue, so a job queued from now on starts a drain.
      this.#draining = undefined
    }
  }

  /**
   * The next job after a gather round, while the queue is empty: under load the clients just
   * answered send their next requests a few at a time, and each round that brings one keeps the
   * transaction open for another (up to `maxBatch`), so that most share one COMMIT. The first of
   * a burst often arrives alone, the others a few hundred µs later (the clients are busy reading
   * their answers): while it holds at most half as many as the last COMMIT, a transaction waits
   * for company a little, rather than commit without it (one more fsync with `synchronous = full`).
   */
  async #gathered(size: number): Promise<Job | undefined> {
    if (this.#gather === undefined) return undefined
    await this.#gather()
    if (this.#pending.length === 0 && size * 2 <= this.#lastBatch && this.#companyWaitMs !== undefined)
      await this.#company(this.#companyWaitMs)
    return this.#pending.shift()
  }

  /** Resolves once a transaction is queued, or after `ms`. */
  #company(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#arrived?.(), ms)
      this.#arrived = () => {
        clearTimeout(timer)
        this.#arrived = undefined
        resolve()
      }
    })
  }

  /** One transaction: `first` as the transaction itself, then whatever queued meanwhile, each in a savepoint. */
  async #batch(first: Job): Promise<void> {
    const connection = this.#connection
    try {
      connection.run('BEGIN IMMEDIATE')
    } catch (error) {
      first.reject(error)
      return
    }
    let firstValue: unknown
    try {
      firstValue = await first.work()
    } catch (error) {
      if (connection.inTransaction) connection.run('ROLLBACK')
      first.reject(error)
      return
    }
    const done: { readonly job: Job; readonly value: unknown }[] = [{ job: first, value: firstValue }]
    try {
      while (done.length < this.#maxBatch) {
        const job = this.#pending.shift() ?? (await this.#gathered(done.length))
        if (job === undefined) break
        connection.run('SAVEPOINT batched')
        try {
          done.push({ job, value: await job.work() })
          connection.run('RELEASE batched')
        } catch (error) {
          // SQLite may have rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR…): then
          // the batch's earlier writes are gone too, and their callers must hear it.
          if (!connection.inTransaction) throw new BatchLost(error, job)
          connection.run('ROLLBACK TO batched')
          connection.run('RELEASE batched')
          job.reject(error)
        }
      }
      connection.run('COMMIT')
      this.#lastBatch = done.length
    } catch (error) {
      if (connection.inTransaction) connection.run('ROLLBACK')
      const cause = error instanceof BatchLost ? error.cause : error
      if (error instanceof BatchLost) error.job.reject(cause)
      for (const { job } of done) job.reject(cause)
      return
    }
    for (const { job, value } of done) job.resolve(value)
  }
}

// --- internal ---

interface Job {
  readonly work: () => Promise<unknown>
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

/** A transaction failed and took the whole batch down with it. */
class BatchLost extends Error {
  constructor(
    override readonly cause: unknown,
    readonly job: Job,
  ) {
    super('the batch was rolled back', { cause })
    this.name = 'BatchLost'
  }
}
