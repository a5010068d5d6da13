/**
 * The lock of `timon exec --skip-if-running`: one file per job on this host, holding the pid of
 * the `timon exec` that runs the job's command (Trochilus' flock behaviour, without flock, which
 * Node does not offer).
 *
 * - The lock is created whole or not at all: its content is written to a temporary file, which is
 *   then hard-linked to the lock's name (`link` fails when the name exists), so of two concurrent
 *   execs exactly one wins and a reader never sees a half-written lock.
 * - A lock whose pid is not alive is stale (its exec was killed with SIGKILL, or the host
 *   rebooted) and is taken over. Breaking it is guarded by a second file (`<lock>.break`, created
 *   exclusively), and the lock is removed only while it still holds what was read, so a stale lock
 *   is broken once and a fresh one never.
 * - Release removes the lock only while it is still this exec's own.
 */
import { randomUUID } from 'node:crypto'
import { linkSync, lstatSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A lock this process holds. */
export interface RunLock {
  readonly path: string
  /** Removes the lock if it is still this process's own. Idempotent. */
  release(): void
}

/** What {@link acquireRunLock} found: the lock is ours, or another live process holds it. */
export type LockOutcome = { readonly kind: 'acquired'; readonly lock: RunLock } | { readonly kind: 'held'; readonly pid: number; readonly path: string }

/** Options of {@link acquireRunLock}. */
export interface RunLockOptions {
  /** Where lock files go (see {@link lockDirectory}). */
  readonly dir: string
  /** The pid written in the lock (default: this process's). */
  readonly pid?: number
  /** Whether a pid is alive (default: `process.kill(pid, 0)`; a pid of another user counts as alive). */
  readonly isAlive?: (pid: number) => boolean
}

/** A stale `.break` guard (its breaker died in the instant it held it) is removed after this long. */
const BREAK_GUARD_STALE_MS = 10_000

/**
 * The directory of lock files: `$XDG_RUNTIME_DIR/timon` when that variable is set (a per-user
 * directory cleared at logout or reboot), else `<os temp dir>/timon-<uid>`. It is created 0700.
 *
 * @throws when the directory cannot be created, or is not a directory of this user only (a
 *   directory another user prepared in a shared temp dir must not be trusted).
 */
export function lockDirectory(env: Readonly<Record<string, string | undefined>>): string {
  const runtime = env.XDG_RUNTIME_DIR
  const uid = process.getuid?.() ?? 0
  const dir = runtime !== undefined && runtime !== '' ? join(runtime, 'timon') : join(tmpdir(), `timon-${uid}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const stats = lstatSync(dir)
  if (!stats.isDirectory()) throw new Error(`the lock directory ${dir} is not a directory`)
  if (process.getuid !== undefined && stats.uid !== uid) throw new Error(`the lock directory ${dir} belongs to another user`)
  if ((stats.mode & 0o022) !== 0) throw new Error(`the lock directory ${dir} is writable by others`)
  return dir
}

/**
 * Takes the lock of job `code`, or says which live process holds it.
 *
 * @throws for file system failures (a lock directory that cannot be written).
 */
export function acquireRunLock(code: string, options: RunLockOptions): LockOutcome {
  const path = join(options.dir, `${code}.lock`)
  const pid = options.pid ?? process.pid
  const isAlive = options.isAlive ?? pidIsAlive
  const content = `${pid}\n${randomUUID()}\n`
  const temporary = join(options.dir, `.${code}.${pid}.${randomUUID().slice(0, 8)}.tmp`)
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' })
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      if (attempt > 1) pause(2) // another exec is between two steps: give it a moment
      try {
        linkSync(temporary, path)
        return { kind: 'acquired', lock: ownLock(path, content) }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const seen = readLock(path)
      if (seen === undefined) continue // released meanwhile: try again
      const holder = parsePid(seen)
      if (holder !== undefined && holder !== pid && isAlive(holder)) return { kind: 'held', pid: holder, path }
      breakStaleLock(path, seen)
    }
    throw new Error(`cannot take the lock ${path}: it keeps changing`)
  } finally {
    unlinkSync(temporary)
  }
}

// --- internal ---

function ownLock(path: string, content: string): RunLock {
  let released = false
  return {
    path,
    release() {
      if (released) return
      released = true
      try {
        if (readLock(path) === content) unlinkSync(path)
      } catch {
        // Gone already, or not removable: the next exec finds it stale.
      }
    },
  }
}

/** Removes the lock at `path` if it still holds `seen`, under the `.break` guard. */
function breakStaleLock(path: string, seen: string): void {
  const guard = `${path}.break`
  try {
    writeFileSync(guard, `${process.pid}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    // Another exec is breaking it right now; a guard left by a breaker that died is removed.
    try {
      if (Date.now() - statSync(guard).mtimeMs > BREAK_GUARD_STALE_MS) unlinkSync(guard)
    } catch {
      // Gone meanwhile.
    }
    return
  }
  try {
    // Nobody else removes the lock while we hold the guard, and nobody creates one while it exists.
    if (readLock(path) === seen) unlinkSync(path)
  } finally {
    unlinkSync(guard)
  }
}

function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function parsePid(content: string): number | undefined {
  const pid = Number(content.split('\n')[0])
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

/** Blocks for `ms` (the lock is taken before anything else runs, so nothing waits on us). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
