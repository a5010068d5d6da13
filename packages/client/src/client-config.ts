/**
 * What the `timon` client reads besides the socket: a remote daemon (`TIMON_URL`, `TIMON_TOKEN`,
 * `TIMON_TOKEN_FILE`, `TIMON_CA_FILE`, or `[client] url` / `token_file` / `ca_file`), the spool
 * (`TIMON_SPOOL`, `[client] spool` / `spool_dir`) and the machine's name (`TIMON_HOST`). Synchronous
 * and cheap like socket discovery: the config file is scanned for the `[client]` table only, not
 * parsed as TOML (the daemon validates the whole file).
 */
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { findConfigFile, homeDir, type Env } from './discovery.js'

/** A remote daemon to talk to instead of the local socket. */
export interface RemoteDaemon {
  /** Its URL, as given (`http://` or `https://`). */
  readonly url: string
  /** Where the URL came from: `TIMON_URL` or `[client] url`. */
  readonly source: 'env' | 'config'
  /** The bearer token, read from `TIMON_TOKEN` or the token file; `undefined` for none. */
  readonly token: string | undefined
  /** The PEM of `TIMON_CA_FILE` / `[client] ca_file`, trusted besides the system's CAs. */
  readonly caPem: string | undefined
}

/** The client's settings. */
export interface ClientSettings {
  /** The remote daemon, or `undefined` for the local socket. */
  readonly remote: RemoteDaemon | undefined
  /** Whether pushes that cannot reach the daemon are kept in the spool (default: on for a remote daemon, off for the socket). */
  readonly spool: boolean
  /** The spool's directory. */
  readonly spoolDir: string
  /** This machine's name, sent with every push (`TIMON_HOST`, else the hostname), or `undefined` when it is not a valid one. */
  readonly host: string | undefined
}

/**
 * Reads the client's settings from `env` and the config file (`configPath`, else the one the
 * daemon would read). Environment variables win over the file; empty ones count as unset.
 *
 * @returns the settings, or a message naming the setting that cannot be used (an unreadable
 *   token or CA file). Secrets are never part of a message.
 */
export function readClientSettings(
  env: Env = process.env,
  configPath?: string,
  uid: number | undefined = process.getuid?.(),
): { ok: true; value: ClientSettings } | { ok: false; message: string } {
  const file = findConfigFile(configPath, env)
  const table = file === undefined ? {} : scanFile(file)
  const base = file === undefined ? process.cwd() : dirname(file)
  const fromFile = (key: string): string | undefined => {
    const value = table[key]
    return typeof value === 'string' && value !== '' ? value : undefined
  }
  const envUrl = nonEmpty(env.TIMON_URL)
  const configUrl = fromFile('url')
  // A socket named in the environment beats a URL from the file.
  const url = envUrl ?? (nonEmpty(env.TIMON_SOCKET) === undefined ? configUrl : undefined)
  let remote: RemoteDaemon | undefined
  if (url !== undefined) {
    const token = readToken(env, fromFile('token_file'), base)
    if (!token.ok) return token
    const caPath =
      nonEmpty(env.TIMON_CA_FILE) ??
      (fromFile('ca_file') === undefined ? undefined : resolve(base, fromFile('ca_file') ?? ''))
    const ca = caPath === undefined ? { ok: true as const, value: undefined } : readText(caPath, 'the CA file')
    if (!ca.ok) return ca
    remote = { url, source: envUrl === undefined ? 'config' : 'env', token: token.value, caPem: ca.value }
  }
  const spoolEnv = nonEmpty(env.TIMON_SPOOL)
  const spoolFile = table.spool
  const spool =
    spoolEnv !== undefined
      ? spoolEnv !== '0' && spoolEnv.toLowerCase() !== 'false'
      : typeof spoolFile === 'boolean'
        ? spoolFile
        : remote !== undefined
  const spoolDirSetting = fromFile('spool_dir')
  const spoolDir = spoolDirSetting === undefined ? defaultSpoolDir(env, uid) : resolve(base, spoolDirSetting)
  return { ok: true, value: { remote, spool, spoolDir, host: machineName(env) } }
}

/** The default spool: `/var/lib/timon/spool` for root, else `$XDG_STATE_HOME/timon/spool` (`~/.local/state/timon/spool`). */
export function defaultSpoolDir(env: Env = process.env, uid: number | undefined = process.getuid?.()): string {
  if (uid === 0) return '/var/lib/timon/spool'
  return join(nonEmpty(env.XDG_STATE_HOME) ?? join(homeDir(env), '.local', 'state'), 'timon', 'spool')
}

/** `TIMON_HOST`, else the OS's hostname, if it is a host name the daemon takes; `undefined` otherwise. */
export function machineName(env: Env = process.env): string | undefined {
  const name = nonEmpty(env.TIMON_HOST) ?? hostname()
  return name.length <= 253 && HOST.test(name) ? name : undefined
}

/**
 * The keys of the `[client]` table of TOML `text` (also written `client.key = …` at the top
 * level): strings and booleans only, as the table holds.
 */
export function scanClientTable(text: string): Readonly<Record<string, string | boolean>> {
  const found: Record<string, string | boolean> = {}
  let table = ''
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    const header = TABLE_HEADER.exec(line)
    if (header !== null) {
      table = (header[1] ?? '').replace(/\s+/g, '')
      continue
    }
    const match = (table === 'client' ? KEY : table === '' ? DOTTED_KEY : undefined)?.exec(line)
    const key = match?.[1]
    const literal = match?.[2]
    if (key === undefined || literal === undefined) continue
    const value = literal === 'true' ? true : literal === 'false' ? false : unquote(literal)
    if (value !== undefined && !(key in found)) found[key] = value
  }
  return found
}

// --- internal ---

const HOST = /^[A-Za-z0-9_:](?:[A-Za-z0-9._:-]*[A-Za-z0-9_:])?$/
const TABLE_HEADER = /^\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/
const VALUE = String.raw`("(?:[^"\\]|\\.)*"|'[^']*'|true|false)\s*(?:#.*)?$`
const KEY = new RegExp(String.raw`^([a-z_]+)\s*=\s*${VALUE}`)
const DOTTED_KEY = new RegExp(String.raw`^client\s*\.\s*([a-z_]+)\s*=\s*${VALUE}`)

function scanFile(file: string): Readonly<Record<string, string | boolean>> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return {}
  }
  return text.includes('client') ? scanClientTable(text) : {}
}

function readToken(
  env: Env,
  configFile: string | undefined,
  base: string,
): { ok: true; value: string | undefined } | { ok: false; message: string } {
  const direct = nonEmpty(env.TIMON_TOKEN)
  if (direct !== undefined) return { ok: true, value: direct.trim() }
  const path = nonEmpty(env.TIMON_TOKEN_FILE) ?? (configFile === undefined ? undefined : resolve(base, configFile))
  if (path === undefined) return { ok: true, value: undefined }
  const read = readText(path, 'the token file')
  if (!read.ok) return read
  const token = read.value.trim()
  return token === '' ? { ok: false, message: `the token file "${path}" is empty` } : { ok: true, value: token }
}

function readText(path: string, what: string): { ok: true; value: string } | { ok: false; message: string } {
  try {
    return { ok: true, value: readFileSync(path, 'utf8') }
  } catch (error) {
    return { ok: false, message: `cannot read ${what} "${path}": ${(error as NodeJS.ErrnoException).code ?? 'error'}` }
  }
}

function unquote(literal: string): string | undefined {
  if (literal.startsWith("'")) return literal.slice(1, -1)
  try {
    const value: unknown = JSON.parse(literal)
    return typeof value === 'string' ? value : undefined
  } catch {
    return undefined
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
