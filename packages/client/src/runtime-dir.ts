/**
 * Where Timon keeps its runtime files (the default socket, `timon exec`'s locks): places only the
 * user (or root) can create, so that another local user cannot squat them. One module that the
 * client, the daemon and `timon exec` share, so they all look in the same places in the same
 * order. Synchronous: a fast-starting client calls it before its first request.
 *
 * | user  | default socket                                   | runtime directory (locks: `<it>/locks`) |
 * |-------|--------------------------------------------------|------------------------------------------|
 * | root  | `/run/timon/timon.sock`                          | as for other users                       |
 * | any   | `$XDG_RUNTIME_DIR/timon.sock`                    | `$XDG_RUNTIME_DIR/timon`                 |
 * |       | else `/run/user/<uid>/timon.sock` (if it exists) | else `/run/user/<uid>/timon`             |
 * |       | else `/tmp/timon-<uid>/timon.sock`               | else `/tmp/timon-<uid>`                  |
 *
 * `/run/timon` (0755, root's) and `/tmp/timon-<uid>` (0700, the user's) are Timon's own: the
 * daemon creates them, and refuses one that someone else owns or opened to others.
 * `$XDG_RUNTIME_DIR` and `/run/user/<uid>` are the user's runtime directory, which the system
 * creates for the user alone. Root's daemon is a system service, so its socket has a fixed system
 * place; root's `timon exec` locks are a user's like any other (`/run/timon` may belong to the
 * service's own user, as with systemd's `RuntimeDirectory=`, and must not hold root's locks).
 */
import { lstatSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Env } from './discovery.js'

/** What the places depend on: the environment, the user and the file system (tests fake them). */
export interface PlaceOptions {
  /** Default `process.env`. */
  readonly env?: Env
  /** The user id; default: the process's. */
  readonly uid?: number
  /** Whether `path` is a directory (for `/run/user/<uid>`); default: `fs.statSync`. */
  readonly isDirectory?: (path: string) => boolean
}

/** A directory that Timon creates itself, with its mode, and checks when it exists (see {@link ensurePrivateDirectory}). */
export interface OwnDirectory {
  readonly path: string
  readonly mode: number
}

/** Where the default socket goes. */
export interface SocketPlace {
  readonly path: string
  /** Timon's own directory that holds it (`/run/timon`, `/tmp/timon-<uid>`); none in the user's runtime directory. */
  readonly directory: OwnDirectory | undefined
}

/** The socket path used when neither `TIMON_SOCKET` nor `[daemon] socket` names one (see the table above). */
export function defaultSocketPlace(options: PlaceOptions = {}): SocketPlace {
  const uid = options.uid ?? currentUid()
  if (uid === 0) return { path: join(ROOT_DIR, SOCKET_NAME), directory: { path: ROOT_DIR, mode: 0o755 } }
  const runtime = userRuntimeDir(uid, options)
  if (runtime !== undefined) return { path: join(runtime, SOCKET_NAME), directory: undefined }
  const own = tmpDir(uid)
  return { path: join(own, SOCKET_NAME), directory: { path: own, mode: 0o700 } }
}

/**
 * Timon's per-user runtime directory (see the table above: the same places as the default socket,
 * root included), with the mode it is created with: `timon exec` keeps its locks in `<it>/locks`.
 */
export function runtimeDirectory(options: PlaceOptions = {}): OwnDirectory {
  const uid = options.uid ?? currentUid()
  const runtime = userRuntimeDir(uid, options)
  return { path: runtime === undefined ? tmpDir(uid) : join(runtime, 'timon'), mode: 0o700 }
}

/** The part of `fs` that {@link ensurePrivateDirectory} and {@link checkSocketOwner} use (tests fake it). */
export interface FileSystemProbe {
  /** `fs.lstatSync`: throws (code `ENOENT`) when there is nothing. */
  lstat(path: string): {
    readonly uid: number
    readonly mode: number
    isDirectory(): boolean
    isSymbolicLink(): boolean
    isSocket?(): boolean
  }
  /** `fs.mkdirSync` of one directory: throws (code `EEXIST`) when something is there. */
  mkdir(path: string, mode: number): void
}

/** Options of {@link ensurePrivateDirectory} and {@link checkSocketOwner}. */
export interface OwnerOptions {
  /** Who must own it; default: the process's user. */
  readonly uid?: number
  readonly fs?: FileSystemProbe
}

/**
 * Makes sure `directory` is a directory this user controls: creates it with its mode when it is
 * missing (its parent must exist), and otherwise checks that it is a directory (not a symbolic
 * link), owned by the user, and open to group and others no more than its mode allows.
 *
 * @returns `undefined` when it is safe to use; otherwise why not, in a sentence that names the
 *   directory (and its owner) and says what to do.
 */
export function ensurePrivateDirectory(directory: OwnDirectory, options: OwnerOptions = {}): string | undefined {
  const fs = options.fs ?? NODE_FS
  const uid = options.uid ?? currentUid()
  const { path, mode } = directory
  try {
    fs.mkdir(path, mode)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EEXIST') return `cannot create the directory ${path}: ${(error as Error).message}`
  }
  let stats: ReturnType<FileSystemProbe['lstat']>
  try {
    stats = fs.lstat(path)
  } catch (error) {
    return `cannot check the directory ${path}: ${(error as Error).message}`
  }
  const fix = 'remove it, or name another place (TIMON_SOCKET, [daemon] socket)'
  if (stats.isSymbolicLink() || !stats.isDirectory())
    return `${path} is not a directory (it must be one that only uid ${uid} controls): ${fix}`
  if (stats.uid !== uid)
    return `the directory ${path} belongs to uid ${stats.uid}, not to this user (uid ${uid}): another user may have created it; ${fix}`
  const extra = stats.mode & 0o077 & ~mode
  if (extra !== 0)
    return `the directory ${path} is open to other users (mode ${octal(stats.mode & 0o777)}, at most ${octal(mode)} expected): ${fix}`
  return undefined
}

/**
 * Checks a socket found in a default place before connecting to it: it must belong to this user
 * or to root, and so must its directory, which no one else may write to (unless it is sticky). A
 * socket named explicitly (`TIMON_SOCKET`, `[daemon] socket`) is not checked.
 *
 * @returns `undefined` when the socket may be used (or is not there: connecting says so);
 *   otherwise why not, naming the path and the owner's uid.
 */
export function checkSocketOwner(socketPath: string, options: OwnerOptions = {}): string | undefined {
  const fs = options.fs ?? NODE_FS
  const uid = options.uid ?? currentUid()
  const refuse = (why: string) =>
    `refusing the socket ${socketPath}: ${why}; another user may be impersonating the Timon daemon. If it is the daemon you mean, name it with TIMON_SOCKET or [daemon] socket`
  let socket: ReturnType<FileSystemProbe['lstat']>
  try {
    socket = fs.lstat(socketPath)
  } catch {
    return undefined
  }
  if (socket.uid !== uid && socket.uid !== 0)
    return refuse(`it belongs to uid ${socket.uid}, neither this user (uid ${uid}) nor root`)
  const dir = dirname(socketPath)
  let parent: ReturnType<FileSystemProbe['lstat']>
  try {
    parent = fs.lstat(dir)
  } catch {
    return undefined
  }
  if (parent.uid !== uid && parent.uid !== 0)
    return refuse(`its directory ${dir} belongs to uid ${parent.uid}, neither this user (uid ${uid}) nor root`)
  if ((parent.mode & 0o022) !== 0 && (parent.mode & 0o1000) === 0)
    return refuse(`its directory ${dir} is writable by other users`)
  return undefined
}

// --- internal ---

const SOCKET_NAME = 'timon.sock'
const ROOT_DIR = '/run/timon'

const NODE_FS: FileSystemProbe = {
  lstat: (path) => lstatSync(path),
  mkdir: (path, mode) => mkdirSync(path, { mode }),
}

/** `$XDG_RUNTIME_DIR`, else `/run/user/<uid>` when it exists. */
function userRuntimeDir(uid: number, options: PlaceOptions): string | undefined {
  const env = options.env ?? process.env
  const xdg = env.XDG_RUNTIME_DIR
  if (xdg !== undefined && xdg !== '') return xdg
  const system = `/run/user/${uid}`
  return (options.isDirectory ?? isDirectory)(system) ? system : undefined
}

function tmpDir(uid: number): string {
  return `/tmp/timon-${uid}`
}

function currentUid(): number {
  return process.getuid?.() ?? 0
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`
}
