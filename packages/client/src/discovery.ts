/**
 * Where the daemon is: the socket path and the config file, as the contract says, in one place
 * that the client and the daemon both use, so they always look in the same places in the same
 * order (the default places themselves are in `runtime-dir.ts`). Synchronous and cheap, for a
 * fast-starting client.
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { defaultSocketPlace, type OwnDirectory, type PlaceOptions } from './runtime-dir.js'

/** The environment variables Timon reads (a subset of `process.env`). */
export type Env = Readonly<Record<string, string | undefined>>

/** Where a socket path came from: named (`TIMON_SOCKET`, `[daemon] socket`), or the default place. */
export type SocketSource = 'env' | 'config' | 'default'

/** A socket path and where it came from. */
export interface SocketLocation {
  readonly path: string
  readonly source: SocketSource
  /** For a default socket in Timon's own directory (`/run/timon`, `/tmp/timon-<uid>`): that directory, which the daemon creates. */
  readonly directory?: OwnDirectory | undefined
}

/**
 * The daemon's socket, in the contract's order: `TIMON_SOCKET`, else `[daemon] socket` of the
 * config, else the default place (`defaultSocketPlace`: `/run/timon/timon.sock` for root;
 * `$XDG_RUNTIME_DIR/timon.sock`, else `/run/user/<uid>/timon.sock` when that directory exists,
 * else `/tmp/timon-<uid>/timon.sock` for other users). Empty values count as unset.
 */
export function resolveSocket(
  env: Env = process.env,
  config?: { readonly socket?: string | undefined },
  options: Omit<PlaceOptions, 'env'> = {},
): SocketLocation {
  const fromEnv = nonEmpty(env.TIMON_SOCKET)
  if (fromEnv !== undefined) return { path: fromEnv, source: 'env' }
  const fromConfig = nonEmpty(config?.socket)
  if (fromConfig !== undefined) return { path: fromConfig, source: 'config' }
  const place = defaultSocketPlace({ ...options, env })
  return { path: place.path, source: 'default', directory: place.directory }
}

/** {@link resolveSocket}'s path. */
export function resolveSocketPath(
  env: Env = process.env,
  config?: { readonly socket?: string | undefined },
  options: Omit<PlaceOptions, 'env'> = {},
): string {
  return resolveSocket(env, config, options).path
}

/**
 * The config file to read: `explicit` (`timon daemon --config FILE`), else `TIMON_CONFIG`, else the
 * first of `${XDG_CONFIG_HOME:-~/.config}/timon/timon.toml` and `/etc/timon/timon.toml` that
 * exists, else `undefined` (defaults apply). An explicit or `TIMON_CONFIG` path is returned
 * whether it exists or not: the loader reports it missing. There is no `./timon.toml`.
 */
export function findConfigFile(
  explicit?: string,
  env: Env = process.env,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const given = nonEmpty(explicit) ?? nonEmpty(env.TIMON_CONFIG)
  if (given !== undefined) return given
  return configCandidates(env).find((path) => exists(path))
}

/** The files searched when no config file is given, in order. */
export function configCandidates(env: Env = process.env): readonly string[] {
  const configHome = nonEmpty(env.XDG_CONFIG_HOME) ?? join(homeDir(env), '.config')
  return [join(configHome, 'timon', 'timon.toml'), '/etc/timon/timon.toml']
}

/** `$HOME`, else the OS's idea of the user's home directory. */
export function homeDir(env: Env = process.env): string {
  return nonEmpty(env.HOME) ?? homedir()
}

/**
 * The socket a client should use, following the whole contract (see {@link resolveSocket}):
 * `TIMON_SOCKET`, else the `[daemon] socket` of the config file the daemon would read
 * ({@link findConfigFile}), else the default place. A client checks a socket found in the default
 * place before it connects (`checkSocketOwner`); a named one it trusts.
 *
 * Synchronous and cheap, for a fast-starting client: the config file is read only when
 * `TIMON_SOCKET` is unset and a file exists, and only the one key is looked for (a small scanner,
 * not a TOML parser; an unreadable file or one it cannot follow means "not set"). A relative
 * socket path is resolved against the config file's directory, as the daemon does.
 */
export function discoverSocket(
  env: Env = process.env,
  configPath?: string,
  options: Omit<PlaceOptions, 'env'> = {},
): SocketLocation {
  if (nonEmpty(env.TIMON_SOCKET) !== undefined) return resolveSocket(env, undefined, options)
  const file = findConfigFile(configPath, env)
  const socket = file === undefined ? undefined : readSocketKey(file)
  if (file === undefined || socket === undefined || socket === '') return resolveSocket(env, undefined, options)
  return resolveSocket(env, { socket: resolve(dirname(file), socket) }, options)
}

/** {@link discoverSocket}'s path. */
export function discoverSocketPath(env: Env = process.env, configPath?: string): string {
  return discoverSocket(env, configPath).path
}

/**
 * The string value of `socket` in the `[daemon]` table of TOML `text` (also written
 * `daemon.socket = …` at the top level), or `undefined`.
 */
export function scanSocketKey(text: string): string | undefined {
  let table = ''
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    const header = TABLE_HEADER.exec(line)
    if (header !== null) {
      table = (header[1] ?? '').replace(/\s+/g, '')
      continue
    }
    const match = (table === 'daemon' ? KEY : table === '' ? DOTTED_KEY : undefined)?.exec(line)
    if (match?.[1] !== undefined) return unquote(match[1])
  }
  return undefined
}

// --- internal ---

const TABLE_HEADER = /^\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/
const VALUE = String.raw`("(?:[^"\\]|\\.)*"|'[^']*')\s*(?:#.*)?$`
const KEY = new RegExp(String.raw`^(?:socket|"socket"|'socket')\s*=\s*${VALUE}`)
const DOTTED_KEY = new RegExp(String.raw`^daemon\s*\.\s*socket\s*=\s*${VALUE}`)

function readSocketKey(file: string): string | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  // Most configs never mention the key: skip the scan.
  return text.includes('socket') ? scanSocketKey(text) : undefined
}

function unquote(literal: string): string | undefined {
  if (literal.startsWith("'")) return literal.slice(1, -1) || undefined
  try {
    const value: unknown = JSON.parse(literal)
    return typeof value === 'string' && value !== '' ? value : undefined
  } catch {
    return undefined
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
