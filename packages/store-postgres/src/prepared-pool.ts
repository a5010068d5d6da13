import { createHash } from 'node:crypto'
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'
import type pg from 'pg'

/**
 * `pool` for Kysely, with every query that has parameters run as a named prepared statement: each
 * connection parses and plans a statement once, then only binds and executes it (Kysely sends
 * unnamed statements, planned afresh every time, which cost a push as much as its round trips).
 * The name is a digest of the SQL text, so one text is one statement. Queries without parameters
 * (migration scripts, BEGIN, COMMIT) go as they are: a script may hold several statements, which a
 * prepared statement cannot.
 */
export function preparedStatementPool(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      return new PreparingClient(await pool.connect())
    },
    end: () => pool.end(),
  }
}

// --- internal ---

class PreparingClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient

  constructor(client: pg.PoolClient) {
    this.#client = client
  }

  query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
  query<R>(
    sql: string | PostgresCursor<R>,
    parameters: readonly unknown[] = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely passes a cursor only when the dialect is given a cursor class, which the store never does.
    if (typeof sql !== 'string') throw new Error('PostgresStore: cursors are not supported')
    const run =
      parameters.length === 0
        ? this.#client.query(sql)
        : this.#client.query({ name: statementName(sql), text: sql, values: [...parameters] })
    return run as Promise<PostgresQueryResult<R>>
  }

  release(): void {
    this.#client.release()
  }
}

function statementName(text: string): string {
  return `timon_${createHash('sha1').update(text).digest('base64url')}`
}
