import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Env } from '@timon/client'

/**
 * The default `data_dir`: `/var/lib/timon` when running as root, otherwise `$XDG_STATE_HOME/timon`,
 * else `~/.local/state/timon` (decisions: the Go original's `/etc/timon/` is not a data directory).
 */
export function defaultDataDir(env: Env = process.env, uid: number | undefined = process.getuid?.()): string {
  if (uid === 0) return '/var/lib/timon'
  const stateHome = nonEmpty(env.XDG_STATE_HOME)
  return stateHome === undefined ? join(homeDir(env), '.local', 'state', 'timon') : join(stateHome, 'timon')
}

// --- internal ---

function homeDir(env: Env): string {
  return nonEmpty(env.HOME) ?? homedir()
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
