import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** The environment variables Timon reads (a subset of `process.env`). */
export type Env = Readonly<Record<string, string | undefined>>

/** The socket path used when nothing else is configured. */
export const DEFAULT_SOCKET_PATH = '/tmp/timon.sock'

/**
 * The daemon's socket path, in the contract's order: `TIMON_SOCKET`, else `[daemon] socket` of the
 * config, else `$XDG_RUNTIME_DIR/timon.sock` when that variable is set, else `/tmp/timon.sock`.
 * Empty values count as unset.
 */
export function resolveSocketPath(env: Env = process.env, config?: { readonly socket?: string | undefined }): string {
  const fromEnv = nonEmpty(env.TIMON_SOCKET)
  if (fromEnv !== undefined) return fromEnv
  const fromConfig = nonEmpty(config?.socket)
  if (fromConfig !== undefined) return fromConfig
  const runtimeDir = nonEmpty(env.XDG_RUNTIME_DIR)
  return runtimeDir === undefined ? DEFAULT_SOCKET_PATH : join(runtimeDir, 'timon.sock')
}

/**
 * The config file to read: `explicit` (`timon daemon --config FILE`), else `TIMON_CONFIG`, else the
 * first of `~/.config/timon/timon.toml` and `/etc/timon/timon.toml` that exists, else `undefined`
 * (defaults apply). An explicit or `TIMON_CONFIG` path is returned whether it exists or not: the
 * loader reports it missing. There is no `./timon.toml` (decisions, Q-1).
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
  return [join(homeDir(env), '.config', 'timon', 'timon.toml'), '/etc/timon/timon.toml']
}

/**
 * The default `data_dir`: `/var/lib/timon` when running as root, otherwise `$XDG_STATE_HOME/timon`,
 * else `~/.local/state/timon` (decisions: the Go original's `/etc/timon/` is not a data directory).
 */
export function defaultDataDir(env: Env = process.env, uid: number | undefined = process.getuid?.()): string {
  if (uid === 0) return '/var/lib/timon'
  const stateHome = nonEmpty(env.XDG_STATE_HOME)
  return stateHome === undefined ? join(homeDir(env), '.local', 'state', 'timon') : join(stateHome, 'timon')
}

/** `$HOME`, else the OS's idea of the user's home directory. */
export function homeDir(env: Env = process.env): string {
  return nonEmpty(env.HOME) ?? homedir()
}

// --- internal ---

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
