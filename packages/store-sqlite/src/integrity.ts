// The integrity check at open: SQLite's `quick_check` pragma (SQL text), bounded by how much of
// the file it reads.
import { StoreFault } from '@timon/core'
import type { SqliteDatabase } from './driver.js'
import { pragma } from './open-database.js'

/**
 * What to check when the store opens: `bounded` (default) checks the whole file when it is at most
 * {@link BOUNDED_CHECK_BYTES}, else the tables that hold state (contracts, incidents and their
 * timelines, the outbox), leaving the history (samples, runs, steps) to be found out when read;
 * `full` checks the whole file whatever its size; `off` checks nothing.
 */
export type IntegrityCheck = 'bounded' | 'full' | 'off'

/** Up to this size the bounded check reads the whole file (about a quarter of a second here). */
export const BOUNDED_CHECK_BYTES = 16 * 1024 * 1024

/** Throws a `corrupt` {@link StoreFault} when `quick_check` finds a problem. */
export function checkIntegrity(db: SqliteDatabase, mode: IntegrityCheck): void {
  if (mode === 'off') return
  const bytes = Number(pragma(db, 'page_count')) * Number(pragma(db, 'page_size'))
  const scopes = mode === 'full' || bytes <= BOUNDED_CHECK_BYTES ? [''] : STATE_TABLES.map((table) => `(${table})`)
  const problems = scopes.flatMap((scope) =>
    (db.prepare(`PRAGMA quick_check${scope}`).all() as Record<string, string>[])
      .map((row) => Object.values(row)[0])
      .filter((message) => message !== 'ok'),
  )
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join('; ')
    throw new StoreFault(
      'corrupt',
      `the database file fails its integrity check: ${shown}${problems.length > 3 ? '; …' : ''}`,
    )
  }
}

// --- internal ---

/** The tables a bounded check of a large file covers: everything but the history. */
const STATE_TABLES = ['schema_migrations', 'sqlite_sequence', 'contracts', 'incidents', 'incident_events', 'deliveries']
