// Names the storage faults SQLite reports (a full disk, a corrupted file) as the core's
// `StoreFault`; no queries here.
import { StoreFault, errorMessage, type StoreFaultKind } from '@timon/core'

/** The `StoreFault` an error of the driver stands for, or `undefined` when it is no storage fault. */
export function storeFaultOf(error: unknown): StoreFault | undefined {
  if (error instanceof StoreFault) return error
  const code = (error as { readonly code?: unknown } | null)?.code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined
  const kind = faultKind(code)
  if (kind === undefined) return undefined
  const message = errorMessage(error)
  return new StoreFault(kind, `${FAULT_TEXT[kind]} (${code}: ${message})`, { cause: error })
}

// --- internal ---

/** Primary result codes; extended codes (`SQLITE_IOERR_WRITE`…) share their prefix. */
function faultKind(code: string): StoreFaultKind | undefined {
  const primary = code.match(/^SQLITE_[A-Z]+/)?.[0]
  switch (primary) {
    case 'SQLITE_FULL':
      return 'full'
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return 'corrupt'
    case 'SQLITE_IOERR':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_BUSY':
    case 'SQLITE_READONLY':
      return 'unavailable'
    default:
      return undefined
  }
}

const FAULT_TEXT: Record<StoreFaultKind, string> = {
  full: 'the disk holding the database is full',
  corrupt: 'the database file is corrupted',
  unavailable: 'the database file cannot be used right now',
}
