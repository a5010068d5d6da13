import { rmdir, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { errorMessage, type DeleteResult, type TruncateResult } from '@timon/core'
import type { Logger } from '../logger.js'
import { checkCodeDirectory, ensureCodeDirectory } from './safe-paths.js'
import { RunLogWriter } from './writer.js'

/** Options of a {@link RunLogStore}. */
export interface RunLogStoreOptions {
  /** Where logs go: `<dir>/<code>/<uid>.log` (`[exec] log_dir`, default `<data_dir>/logs`). */
  readonly dir: string
  /** The cap on each log's size in bytes (`[exec] max_log_size`, default 10 MiB). */
  readonly maxBytes: number
  /** Where failures to remove a log are reported. */
  readonly log?: Logger
  /** How many `logs --follow` readers may follow at once (default {@link MAX_FOLLOWERS}). */
  readonly maxFollowers?: number
}

/** Default cap on the readers following logs at once. */
export const MAX_FOLLOWERS = 64

/** Default `[exec] max_log_size`: 10 MiB. */
export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024

/**
 * The daemon's run logs (`timon exec`): where each run's log file goes, the writers of the runs
 * being written, and removal when runs are deleted. Directories are created 0750, files 0640;
 * nothing is created, read or removed through a symlink (see `safe-paths.ts`).
 */
export class RunLogStore {
  readonly dir: string
  readonly maxBytes: number
  readonly #log: Logger | undefined
  readonly #active = new Map<string, RunLogWriter>()
  /** Wake-ups of the followers waiting for a run (its log to start, or the run to end), per `code:uid`. */
  readonly #watchers = new Map<string, Set<() => void>>()
  readonly #maxFollowers: number
  #followers = 0

  constructor(options: RunLogStoreOptions) {
    this.dir = options.dir
    this.maxBytes = options.maxBytes
    this.#log = options.log
    this.#maxFollowers = options.maxFollowers ?? MAX_FOLLOWERS
  }

  /**
   * Takes a follower's place: the release to call once it stops following, or `undefined` when
   * the cap is reached.
   */
  follow(): (() => void) | undefined {
    if (this.#followers >= this.#maxFollowers) return undefined
    this.#followers++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#followers--
    }
  }

  /** Says that run `code:uid` changed (its log was recorded, it ended): its followers look again. */
  runChanged(code: string, uid: string): void {
    const watchers = this.#watchers.get(runKey(code, uid))
    if (watchers === undefined) return
    this.#watchers.delete(runKey(code, uid))
    for (const wake of watchers) wake()
  }

  /**
   * Resolves when {@link runChanged} is called for run `code:uid`, after `timeoutMs` at the latest
   * (a safety net for changes made elsewhere, such as a deletion), or on `signal`'s abort.
   */
  waitForRun(code: string, uid: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const key = runKey(code, uid)
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        const watchers = this.#watchers.get(key)
        watchers?.delete(done)
        if (watchers?.size === 0) this.#watchers.delete(key)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      if (signal?.aborted === true) return done()
      signal?.addEventListener('abort', done)
      let watchers = this.#watchers.get(key)
      if (watchers === undefined) this.#watchers.set(key, (watchers = new Set()))
      watchers.add(done)
    })
  }

  /** The log file of run `uid` of job `code` (codes are `[a-z0-9.-]`, uids hexadecimal: no path tricks). */
  pathFor(code: string, uid: string): string {
    return join(this.dir, code, `${uid}.log`)
  }

  /**
   * Creates the log file of a run and its writer, which stays {@link active} until finished or
   * discarded.
   *
   * @returns `undefined` when the file exists already (its output was recorded, or is being).
   * @throws UnsafeLogPath when the `<code>` directory is a symlink or not ours alone; the error of
   *   other file system failures.
   */
  async create(code: string, uid: string): Promise<RunLogWriter | undefined> {
    const path = this.pathFor(code, uid)
    if (this.#active.has(path)) return undefined
    await ensureCodeDirectory(dirname(path))
    let writer: RunLogWriter
    try {
      writer = await RunLogWriter.create(path, {
        maxBytes: this.maxBytes,
        onDone: (done) => {
          if (this.#active.get(done.path) === done) this.#active.delete(done.path)
        },
      })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined
      throw error
    }
    this.#active.set(path, writer)
    return writer
  }

  /**
   * Checks that the log file `path` may be read: its `<code>` directory is a real directory of ours
   * (the file itself is opened without following a symlink).
   *
   * @throws UnsafeLogPath when it is not; the `lstat` error when it is missing.
   */
  async checkReadable(path: string): Promise<void> {
    await checkCodeDirectory(dirname(path))
  }

  /** The writer of the log at `path` while its run is writing it. */
  active(path: string): RunLogWriter | undefined {
    return this.#active.get(path)
  }

  /**
   * Removes the log files of the runs that a `Monitor.delete` or `Monitor.truncate` deleted (see
   * {@link remove}).
   */
  removeLogsOf(deleted: DeleteResult | TruncateResult): Promise<void> {
    return this.remove(logPathsOf(deleted))
  }

  /**
   * Removes log files (of deleted runs): a writer still writing one is discarded first, files
   * already gone are ignored, and a `<code>` directory left empty is removed. Only `*.log` files
   * are touched. Failures are logged, never thrown: the runs are deleted already.
   */
  async remove(paths: readonly string[]): Promise<void> {
    const dirs = new Set<string>()
    for (const path of new Set(paths)) {
      if (!path.endsWith('.log')) continue
      try {
        const writer = this.#active.get(path)
        if (writer !== undefined) {
          this.#active.delete(path)
          await writer.discard()
        }
        await checkCodeDirectory(dirname(path))
        await unlink(path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          this.#log?.warn(`cannot remove the run log ${path}: ${errorMessage(error)}`)
      }
      dirs.add(dirname(path))
    }
    for (const dir of dirs) {
      // Fails (and is left alone) while other logs remain in it; rmdir never follows a symlink.
      await rmdir(dir).catch(() => undefined)
    }
  }

  /** Finishes every writer still writing (the daemon stops). */
  async close(): Promise<void> {
    await Promise.all([...this.#active.values()].map((writer) => writer.finish().catch(() => undefined)))
  }
}

// --- internal ---

function runKey(code: string, uid: string): string {
  return `${code}:${uid}`
}

/** The log files of the runs a delete or a truncation removed. */
function logPathsOf(deleted: DeleteResult | TruncateResult): readonly string[] {
  if (!('kind' in deleted) || deleted.kind === 'contract') return deleted.logPaths
  if (deleted.kind === 'report' && deleted.report.kind === 'run' && deleted.report.logPath !== null)
    return [deleted.report.logPath]
  return []
}
