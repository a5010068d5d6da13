import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { findConfigFile, resolveSocketPath, type Env } from './paths.js'

/**
 * The socket path a client should use, following the whole contract: `TIMON_SOCKET`, else the
 * `[daemon] socket` of the config file the daemon would read (`TIMON_CONFIG`, `~/.config/timon/timon.toml`,
 * `/etc/timon/timon.toml`), else `$XDG_RUNTIME_DIR/timon.sock`, else `/tmp/timon.sock`.
 *
 * Synchronous and cheap, for a fast-starting client: the config file is read only when
 * `TIMON_SOCKET` is unset and a file exists, and only the one key is looked for (a small scanner,
 * not a TOML parser; an unreadable file or one it cannot follow means "not set"). A relative
 * socket path is resolved against the config file's directory, as the daemon does.
 */
export function discoverSocketPath(env: Env = process.env, configPath?: string): string {
  if (env.TIMON_SOCKET !== undefined && env.TIMON_SOCKET !== '') return env.TIMON_SOCKET
  const file = findConfigFile(configPath, env)
  const socket = file === undefined ? undefined : readSocketKey(file)
  if (file === undefined || socket === undefined || socket === '') return resolveSocketPath(env)
  return resolveSocketPath(env, { socket: resolve(dirname(file), socket) })
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
