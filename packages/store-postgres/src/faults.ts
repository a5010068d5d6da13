import { StoreFault } from '@timon/core'
import pg from 'pg'

/**
 * The `StoreFault` an error of `pg` stands for, if any: a server that cannot be reached or is
 * shutting down, a lock or statement timeout (a push stuck behind a dead daemon's lock) are
 * `unavailable`; a full disk is `full`; a corrupted page is `corrupt`. Anything else (a bug, a
 * constraint) is not a storage fault: `undefined`.
 */
export function storeFaultOf(error: unknown): StoreFault | undefined {
  if (error instanceof StoreFault) return error
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? ''
    if (code === DISK_FULL)
      return new StoreFault('full', `the database server's disk is full: ${error.message}`, { cause: error })
    if (CORRUPT.has(code))
      return new StoreFault('corrupt', `the database reports corrupted data: ${error.message}`, { cause: error })
    if (code.startsWith('08') || UNAVAILABLE.has(code)) return unavailable(error)
    return undefined
  }
  if (!(error instanceof Error)) return undefined
  const errno = (error as NodeJS.ErrnoException).code
  if (errno !== undefined && NETWORK_ERRORS.has(errno)) return unavailable(error)
  // pg's own connection failures are plain Errors with these messages.
  if (
    /^Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended/i.test(error.message)
  )
    return unavailable(error)
  return undefined
}

// --- internal ---

function unavailable(error: Error): StoreFault {
  return new StoreFault('unavailable', `the database is unavailable: ${error.message || error.name}`, { cause: error })
}

const DISK_FULL = '53100'
/** data_corrupted, index_corrupted. */
const CORRUPT = new Set(['XX001', 'XX002'])
/**
 * too_many_connections, lock_not_available (lock_timeout), query_canceled (statement_timeout),
 * admin_shutdown, crash_shutdown, cannot_connect_now, idle_session_timeout.
 */
const UNAVAILABLE = new Set(['53300', '55P03', '57014', '57P01', '57P02', '57P03', '57P05'])
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT',
])
