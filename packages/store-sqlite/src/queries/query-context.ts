// What every query module works with, and the helpers they share. Kysely for typed queries, the
// statement cache for SQL text; see each module's header for which it uses.
import { sql, type Kysely } from 'kysely'
import type { RowCache } from '../row-cache.js'
import type { Statements } from '../statements.js'
import type { Tables } from '../tables.js'

/**
 * The connection, seen through Kysely and through the statement cache; and the row cache, which
 * every query that writes contracts or incidents keeps up to date.
 */
export interface QueryContext {
  readonly db: Kysely<Tables>
  readonly statements: Statements
  readonly cache: RowCache
}

// Constants of the partial indexes' WHERE clauses. They must appear in queries as literals: SQLite
// decides at prepare time whether a partial index applies, and a bound parameter never matches.
export const RESOLVED = sql.lit('resolved')
export const PENDING = sql.lit('pending')
export const RUN = sql.lit('run')

/** Bound parameters per `IN (…)` list, well below SQLite's limit. */
const IN_CHUNK = 500

/** `values` in slices short enough for one `IN (…)` list. */
export function* chunks<T>(values: readonly T[]): Generator<T[]> {
  for (let i = 0; i < values.length; i += IN_CHUNK) yield values.slice(i, i + IN_CHUNK)
}

/** Appends `value` to the list of `key`. */
export function pushTo<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}
