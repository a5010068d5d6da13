// Opening and configuring the connection: file creation, per-connection pragmas. Pragmas are SQL
// text run once, no query builder involved.
import { closeSync, constants as fsConstants, fchmodSync, openSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase } from './driver.js'

/** How hard a commit makes its writes durable; see the package README. */
export type Synchronous = 'full' | 'normal'

/** Opens a database file, creating it with mode 0600 first so that it is never readable by others. */
export function openDatabase(path: string): SqliteDatabase {
  if (!isFileless(path)) createPrivateFile(path)
  return new BetterSqlite3(path)
}

/** Whether `path` names no file on disk (in-memory and temporary databases, URIs). */
export function isFileless(path: string): boolean {
  return path === ':memory:' || path === '' || path.startsWith('file:')
}

/**
 * Per-connection settings (none of them is stored in the file): WAL, the `synchronous` level,
 * foreign keys (the Go original lost its cascades by setting them in a migration only) and the
 * busy timeout.
 */
export function configure(
  db: SqliteDatabase,
  settings: { readonly busyTimeout: number; readonly synchronous: Synchronous },
): void {
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(settings.busyTimeout))}`)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec(`PRAGMA synchronous = ${settings.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
  db.exec('PRAGMA foreign_keys = ON')
  // The pragma is a silent no-op inside a transaction; make sure it took.
  if (pragma(db, 'foreign_keys') !== 1) {
    throw new Error('SqliteStore: could not enable foreign keys on the database connection')
  }
  // Checkpoint the WAL every WAL_AUTOCHECKPOINT pages rather than SQLite's 1000: a checkpoint
  // copies pages back and syncs, a cost better paid once per 40 MiB under load; the store also
  // checkpoints when it goes idle (see SqliteStore).
  db.exec(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT}`)
}

/** The value of a pragma that answers one value. */
export function pragma(db: SqliteDatabase, name: string): unknown {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined
  return row === undefined ? undefined : Object.values(row)[0]
}

/** Pages the WAL may hold before a commit checkpoints it (SQLite's default is 1000). */
export const WAL_AUTOCHECKPOINT = 10_000

// --- internal ---

function createPrivateFile(path: string): void {
  let fd: number
  try {
    fd = openSync(path, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return
    throw error
  }
  try {
    fchmodSync(fd, 0o600) // the umask may have taken more than it should
  } finally {
    closeSync(fd)
  }
}
