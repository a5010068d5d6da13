/**
 * Where run logs may be written without another local user redirecting the daemon (issue 10,
 * item 6): the log directory must be writable by us alone (or sticky and ours, like /tmp), each
 * `<code>` directory must be a real directory of ours, and files are opened without following
 * symlinks. A root daemon would otherwise write, read or delete files through a planted symlink.
 */
import { constants, lstatSync, statSync, type Stats } from 'node:fs'
import { lstat, mkdir } from 'node:fs/promises'

/** A run log path that is not safe to use; its message says why, for people. */
export class UnsafeLogPath extends Error {
  override readonly name = 'UnsafeLogPath'
}

/** `open` flags of a new log file: created here and now, never through a symlink. */
export const CREATE_FLAGS = constants.O_CREAT | constants.O_EXCL | constants.O_RDWR | constants.O_NOFOLLOW

/** `open` flags to read a log file, never through a symlink. */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW

/**
 * Why the log directory `dir` is unsafe, or `undefined` when it is fine: it must be a directory
 * owned by us or root, that no other user can write to, unless it is sticky and ours (others
 * may then add entries but not replace ours, and each `<code>` directory is checked anyway).
 */
export function unsafeLogDirectory(dir: string, uid = currentUid()): string | undefined {
  let stats: Stats
  try {
    stats = lstatSync(dir)
    // The configured path may itself be a symlink an administrator made: what it names counts.
    if (stats.isSymbolicLink()) stats = statSync(dir)
  } catch (error) {
    return `cannot check it: ${(error as Error).message}`
  }
  if (!stats.isDirectory()) return 'it is not a directory'
  if (uid === undefined) return undefined
  if (stats.uid !== uid && stats.uid !== 0) return `it is owned by another user (uid ${stats.uid})`
  const sticky = (stats.mode & STICKY) !== 0
  if ((stats.mode & 0o022) !== 0 && !(sticky && stats.uid === uid)) {
    return `other users can write to it (mode ${modeOf(stats)}); make it writable by the daemon's user only (chmod go-w)`
  }
  return undefined
}

/**
 * Creates the `<code>` directory `dir` (0750) in the log directory, or checks the one there: a
 * real directory (not a symlink), ours, that no other user can write to.
 *
 * @throws UnsafeLogPath when the entry there is anything else.
 */
export async function ensureCodeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o750 })
    return
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  await checkCodeDirectory(dir)
}

/**
 * Checks that the existing `<code>` directory `dir` is a real directory of ours that no other user
 * can write to (before files in it are read or removed).
 *
 * @throws UnsafeLogPath when it is not; the `lstat` error when it is missing.
 */
export async function checkCodeDirectory(dir: string): Promise<void> {
  const stats = await lstat(dir)
  const uid = currentUid()
  const why = stats.isSymbolicLink()
    ? 'it is a symlink'
    : !stats.isDirectory()
      ? 'it is not a directory'
      : uid !== undefined && stats.uid !== uid
        ? `it is owned by another user (uid ${stats.uid})`
        : (stats.mode & 0o022) !== 0
          ? `other users can write to it (mode ${modeOf(stats)})`
          : undefined
  if (why !== undefined) throw new UnsafeLogPath(`refusing the run log directory ${dir}: ${why}`)
}

// --- internal ---

/** The sticky bit (S_ISVTX, absent from node:fs constants). */
const STICKY = 0o1000

function currentUid(): number | undefined {
  return process.getuid?.()
}

function modeOf(stats: Stats): string {
  return `0${(stats.mode & 0o7777).toString(8)}`
}
