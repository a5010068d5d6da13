import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The server the PostgreSQL tests and benchmarks use; they are skipped when it is unset. */
export const TEST_DATABASE_URL: string | undefined = process.env.TIMON_TEST_DATABASE_URL || undefined

/** The one line shown when they are skipped. */
export const SKIPPED_WITHOUT_DATABASE =
  'PostgreSQL tests skipped: set TIMON_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run them'

/**
 * Fresh schema names on the test server, unique to this process (vitest runs files in parallel
 * forks, CI may share the server), and their removal once the file is done.
 */
export class ScratchSchemas {
  readonly #url: string
  readonly #prefix = `timon_test_${randomBytes(4).toString('hex')}_`
  readonly #names: string[] = []

  constructor(url: string) {
    this.#url = url
  }

  /** A schema name not used yet; the store creates the schema on open. */
  next(): string {
    const name = `${this.#prefix}${this.#names.length + 1}`
    this.#names.push(name)
    return name
  }

  /** Runs `sql` on a connection of its own, with `schema` as the search path. */
  async query<R extends pg.QueryResultRow>(schema: string, text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.#url, options: `-c search_path=${schema}` })
    await client.connect()
    try {
      return (await client.query<R>(text, values)).rows
    } finally {
      await client.end()
    }
  }

  /**
   * Drops every schema handed out, one per statement: dropping them all at once takes a lock per
   * object of every schema in one transaction, past the server's lock table (out of shared memory).
   */
  async dropAll(): Promise<void> {
    for (const name of this.#names.splice(0)) await this.query('public', `DROP SCHEMA IF EXISTS ${name} CASCADE`)
  }
}
