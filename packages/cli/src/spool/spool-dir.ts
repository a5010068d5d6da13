/**
 * The client spool on disk: one JSON file per push that could not reach the daemon, in a private
 * directory (0700, files 0600). File names sort in the order the pushes were made (a wall-clock
 * time in microseconds, then the process and a counter). Written atomically (a temp file renamed
 * into place); sent by one process at a time, under a lock file created with `O_EXCL`.
 */
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** The pushes a spool keeps: the client's push methods. */
export const SPOOLED_OPERATIONS = ['pushProbe', 'startJob', 'pushStep', 'endJob', 'skipRun'] as const
export type SpooledOperation = (typeof SPOOLED_OPERATIONS)[number]

/** One spooled push: the client method and its input (camelCase, with its original time `at`). */
export interface SpoolEntry {
  readonly operation: SpooledOperation
  readonly input: Readonly<Record<string, unknown>> & { readonly code: string; readonly at: string }
}

/** An entry as listed: its file name (its place in the order) and what it holds, or why it cannot be read. */
export type ListedEntry =
  | { readonly name: string; readonly entry: SpoolEntry }
  | { readonly name: string; readonly problem: string }

/** A held flush lock: release it once done. */
export interface SpoolLock {
  release(): void
}

/** The spool directory `dir`. Nothing is touched until used. */
export class SpoolDir {
  readonly dir: string
  #counter = 0

  constructor(dir: string) {
    this.dir = dir
  }

  /**
   * Adds `entry` at the end of the spool, creating the directory (0700) if need be.
   * @throws when the directory is not this user's private directory, or cannot be written.
   */
  append(entry: SpoolEntry): string {
    this.#ensureDirectory()
    const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000)
    const name = `${String(micros).padStart(17, '0')}-${String(process.pid).padStart(7, '0')}-${String(this.#counter++).padStart(4, '0')}.json`
    const temp = join(this.dir, `.${name}.tmp`)
    writeFileSync(temp, `${JSON.stringify({ v: 1, ...entry })}\n`, { mode: 0o600, flag: 'wx' })
    renameSync(temp, join(this.dir, name))
    return name
  }

  /** The entries' names, in order; none when the directory does not exist. */
  names(): string[] {
    try {
      return readdirSync(this.dir)
        .filter((name) => ENTRY.test(name))
        .sort()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }

  /** Every entry, in order. */
  list(): ListedEntry[] {
    return this.names().map((name) => this.read(name))
  }

  /** The entry `name`. */
  read(name: string): ListedEntry {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(join(this.dir, name), 'utf8'))
    } catch (error) {
      return { name, problem: `unreadable: ${(error as Error).message}` }
    }
    return isEntry(parsed)
      ? { name, entry: { operation: parsed.operation, input: parsed.input } }
      : { name, problem: 'not a spooled push' }
  }

  /** Removes the entry `name` (acknowledged by the daemon, or dropped). */
  remove(name: string): void {
    try {
      unlinkSync(join(this.dir, name))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }

  /**
   * Takes the flush lock, waiting up to `waitMs` while another live process holds it (a lock
   * left by a process that is gone is taken over). `undefined` when it could not be had in time.
   */
  async lock(waitMs: number): Promise<SpoolLock | undefined> {
    this.#ensureDirectory()
    const path = join(this.dir, LOCK)
    const deadline = Date.now() + waitMs
    for (;;) {
      try {
        const fd = openSync(path, 'wx', 0o600)
        writeSync(fd, String(process.pid))
        closeSync(fd)
        return { release: () => this.remove(LOCK) }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      if (!holderAlive(path)) {
        // Rename first, so that of two processes seeing the same dead holder only one removes it.
        const stale = join(this.dir, `.stale-${process.pid}`)
        try {
          renameSync(path, stale)
          unlinkSync(stale)
        } catch {
          // Another process took it over first.
        }
        continue
      }
      if (Date.now() >= deadline) return undefined
      await sleep(LOCK_POLL_MS)
    }
  }

  #ensureDirectory(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    const stat = lstatSync(this.dir)
    const uid = process.getuid?.()
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
      throw new Error(
        `the spool directory "${this.dir}" must be a directory of this user's that only it can open (mode 0700)`,
      )
    }
  }
}

// --- internal ---

const ENTRY = /^\d{17}-\d{7}-\d{4}\.json$/
const LOCK = '.flush.lock'
/** How often a process waiting for the flush lock looks again: a flush takes a few ms per entry. */
const LOCK_POLL_MS = 20

function isEntry(value: unknown): value is SpoolEntry {
  if (value === null || typeof value !== 'object') return false
  const { operation, input } = value as Record<string, unknown>
  return (
    (SPOOLED_OPERATIONS as readonly unknown[]).includes(operation) &&
    input !== null &&
    typeof input === 'object' &&
    typeof (input as Record<string, unknown>).code === 'string' &&
    typeof (input as Record<string, unknown>).at === 'string'
  )
}

/** Whether the process named in the lock file still runs (an unreadable lock counts as held). */
function holderAlive(path: string): boolean {
  let pid: number
  try {
    pid = Number(readFileSync(path, 'utf8'))
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT'
  }
  // Written just now by its holder, not yet filled in.
  if (!Number.isInteger(pid) || pid <= 0) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
