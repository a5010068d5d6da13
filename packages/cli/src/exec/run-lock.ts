/**
 * The run locks of `timon exec`. Every `timon exec` registers its run of a job on this host for as
 * long as its command runs; `--skip-if-running` only decides what happens when another run of the
 * job is registered: skip (a recorded skipped run), where without the flag the command runs all
 * the same, overlapping (the overlap rule applies) and registered too, so that a later
 * `--skip-if-running` sees it.
 *
 * In the lock directory (`<runtime dir>/locks`, see {@link lockDirectory}; job codes hold no `@`,
 * so the names of two jobs never mix):
 *
 * - `<code>@run-<pid>-<nonce>`: one file per running exec of the job, holding its pid and the
 *   process's start time (where `/proc` tells it, so that a pid reused by another process does
 *   not pass for the exec). Created when the exec starts, removed when it ends; one whose process
 *   is gone (killed with SIGKILL, or before a reboot) is removed by the next exec that sees it.
 * - `<code>@lock`: a mutex held for the instant an exec looks at the run files and adds its own,
 *   so that of two execs with `--skip-if-running` starting together exactly one runs. It is
 *   created whole or not at all (a hard link of a complete temporary file: `link` fails when the
 *   name exists); one whose holder is gone is broken under a second file, `<code>@lock.break`
 *   (created exclusively), and only while it still holds what was read, so it is broken once.
 */
import { randomUUID } from 'node:crypto'
import { linkSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensurePrivateDirectory, runtimeDirectory, type PlaceOptions } from '@timon/client'
import { err, ok, type Result } from 'neverthrow'

/** A run registered in the lock directory. */
export interface RunLock {
  readonly path: string
  /** Removes the run's file. Idempotent. */
  release(): void
}

/**
 * What {@link acquireRunLock} did: registered the run (`running`: the pids of the job's other runs,
 * which it overlaps), or, with `skipIfRunning`, found another run going (`held`) and registered nothing.
 */
export type LockOutcome =
  | { readonly kind: 'acquired'; readonly lock: RunLock; readonly running: readonly number[] }
  | { readonly kind: 'held'; readonly pid: number /** The run file of that process. */; readonly path: string }

/** Options of {@link acquireRunLock}. */
export interface RunLockOptions {
  /** Where lock files go (see {@link lockDirectory}). */
  readonly dir: string
  /** `--skip-if-running`: register nothing when another run of the job is going. */
  readonly skipIfRunning: boolean
  /** The pid written (default: this process's). */
  readonly pid?: number
  /**
   * Whether the process `pid` that started at `startedAt` (as `/proc` gives it, when it did) still
   * runs. Default: `process.kill(pid, 0)` (a pid of another user counts as alive) and the same
   * start time.
   */
  readonly isAlive?: (pid: number, startedAt: string | undefined) => boolean
}

/**
 * The lock directory, `<runtime dir>/locks` (`runtimeDirectory` of `@timon/client`:
 * `$XDG_RUNTIME_DIR/timon`, else `/run/user/<uid>/timon` when that directory exists, else
 * `/tmp/timon-<uid>`), each level created 0700 for this user, or checked: a directory (not a
 * link) of this user, open to nobody else.
 *
 * @returns the directory; or why it cannot be trusted (another user created it, or opened it).
 */
export function lockDirectory(options: PlaceOptions = {}): Result<string, string> {
  const runtime = runtimeDirectory(options)
  const locks = { path: join(runtime.path, 'locks'), mode: 0o700 }
  const uid = options.uid === undefined ? {} : { uid: options.uid }
  const unsafe = ensurePrivateDirectory(runtime, uid) ?? ensurePrivateDirectory(locks, uid)
  return unsafe === undefined ? ok(locks.path) : err(unsafe)
}

/**
 * Registers a run of job `code` (see the module's comment), or, with `skipIfRunning`, says which
 * live process runs the job already.
 *
 * @throws for file system failures (a lock directory that cannot be written), and when the
 *   mutex stays held by a live process for 2 s (a stopped exec).
 */
export function acquireRunLock(code: string, options: RunLockOptions): LockOutcome {
  const pid = options.pid ?? process.pid
  const isAlive = options.isAlive ?? processIsAlive
  const mutex = takeMutex(options.dir, code, pid, isAlive)
  try {
    const running: number[] = []
    let holding: string | undefined
    const prefix = `${code}@run-`
    for (const name of readdirSync(options.dir)) {
      if (!name.startsWith(prefix)) continue
      const path = join(options.dir, name)
      const seen = readFileIfAny(path)
      if (seen === undefined) continue
      const [holder, startedAt] = parseHolder(seen)
      if (holder !== undefined && holder !== pid && isAlive(holder, startedAt)) {
        running.push(holder)
        holding ??= path
      } else {
        removeIfAny(path) // its exec is gone (or had this pid before us)
      }
    }
    if (options.skipIfRunning && running[0] !== undefined && holding !== undefined)
      return { kind: 'held', pid: running[0], path: holding }
    const path = join(options.dir, `${prefix}${pid}-${randomUUID().slice(0, 8)}`)
    writeFileSync(path, holderContent(pid), { mode: 0o600, flag: 'wx' })
    return { kind: 'acquired', lock: runLock(path), running }
  } finally {
    mutex.release()
  }
}

// --- internal ---

/** How long an exec waits for the mutex held by another live exec (it is held for an instant). */
const MUTEX_WAIT_MS = 2000
/** A stale `.break` guard (its breaker died in the instant it held it) is removed after this long. */
const BREAK_GUARD_STALE_MS = 10_000

function runLock(path: string): RunLock {
  let released = false
  return {
    path,
    release() {
      if (released) return
      released = true
      removeIfAny(path)
    },
  }
}

/** Takes the job's mutex, waiting while a live exec holds it, breaking it when its holder is gone. */
function takeMutex(
  dir: string,
  code: string,
  pid: number,
  isAlive: (pid: number, startedAt: string | undefined) => boolean,
): { release(): void } {
  const path = join(dir, `${code}@lock`)
  const content = `${holderContent(pid)}${randomUUID()}\n`
  const temporary = join(dir, `${code}@tmp-${pid}-${randomUUID().slice(0, 8)}`)
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' })
  const deadline = Date.now() + MUTEX_WAIT_MS
  try {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 1) pause(attempt < 10 ? 1 : 5) // another exec is between two steps: give it a moment
      try {
        linkSync(temporary, path)
        return { release: () => (readFileIfAny(path) === content ? removeIfAny(path) : undefined) }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const seen = readFileIfAny(path)
      if (seen === undefined) continue // released meanwhile: try again
      const [holder, startedAt] = parseHolder(seen)
      if (holder === undefined || holder === pid || !isAlive(holder, startedAt)) {
        breakStaleMutex(path, seen)
        continue
      }
      if (Date.now() > deadline) throw new Error(`the lock ${path} stays held by pid ${holder}`)
    }
  } finally {
    unlinkSync(temporary)
  }
}

/** Removes the mutex at `path` if it still holds `seen`, under the `.break` guard. */
function breakStaleMutex(path: string, seen: string): void {
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
    // Nobody else removes the mutex while we hold the guard.
    if (readFileIfAny(path) === seen) removeIfAny(path)
  } finally {
    unlinkSync(guard)
  }
}

/** `<pid>\n<start time>\n` (the start time empty where `/proc` does not tell it). */
function holderContent(pid: number): string {
  return `${pid}\n${processStartTime(pid) ?? ''}\n`
}

function parseHolder(content: string): [pid: number | undefined, startedAt: string | undefined] {
  const [first = '', second = ''] = content.split('\n')
  const pid = Number(first)
  return [Number.isSafeInteger(pid) && pid > 0 ? pid : undefined, second === '' ? undefined : second]
}

function readFileIfAny(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function removeIfAny(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Gone already, or not removable: the next exec finds it stale.
  }
}

/** Blocks for `ms` (the lock is taken before anything else runs, so nothing waits on us). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function processIsAlive(pid: number, startedAt: string | undefined): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  // The pid runs: is it the same process (a pid is reused), when /proc tells?
  const now = startedAt === undefined ? undefined : processStartTime(pid)
  return now === undefined || now === startedAt
}

/** The start time of process `pid` in clock ticks since boot (field 22 of `/proc/<pid>/stat`), where there is a `/proc`. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[19]
  } catch {
    return undefined
  }
}
