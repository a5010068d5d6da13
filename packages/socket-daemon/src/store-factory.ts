import { readFileSync } from 'node:fs'
import { errorMessage, type Store } from '@timon/core'
import { SqliteStore } from '@timon/store-sqlite'
import type { StoreConfig } from './config/store-config.js'

/** A store the daemon opened, and how to name it in logs and errors without its secrets. */
export interface OpenedStore {
  readonly store: Store
  /** The SQLite file, or the PostgreSQL URL with its password masked. */
  readonly description: string
  /** Whether other daemons may share it (PostgreSQL): then claims, heartbeats and leases matter. */
  readonly shared: boolean
}

/** The store could not be opened; the message holds no secret. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError'
}

/**
 * Opens the store `config` names: SQLite (`synchronous` and its row cache as configured, commits shared between
 * concurrent requests), or PostgreSQL (its package is loaded only then), with the password from
 * `password_file` when given. Migrates it. Errors are {@link StoreOpenError}s whose messages have
 * every secret masked.
 */
export async function openStore(config: StoreConfig): Promise<OpenedStore> {
  if (config.kind === 'sqlite') {
    try {
      return {
        store: new SqliteStore({
          database: config.path,
          shareCommits: true,
          synchronous: config.synchronous,
          ...(config.rowCacheCapacity === undefined ? {} : { rowCacheCapacity: config.rowCacheCapacity }),
        }),
        description: config.path,
        shared: false,
      }
    } catch (error) {
      throw new StoreOpenError(`cannot open the database ${config.path}: ${errorMessage(error)}`, { cause: error })
    }
  }
  const description = maskUrl(config.url)
  let password: string | undefined
  if (config.passwordFile !== undefined) {
    try {
      password = readFileSync(config.passwordFile, 'utf8').replace(/\r?\n$/, '')
    } catch (error) {
      throw new StoreOpenError(`store.password_file: cannot read "${config.passwordFile}": ${errorMessage(error)}`, {
        cause: error,
      })
    }
  }
  const secrets = secretsOf(config.url, password)
  try {
    const { PostgresStore } = await import('@timon/store-postgres')
    const store = await PostgresStore.open({
      url: config.url,
      ...(password === undefined ? {} : { password }),
      ...(config.schema === undefined ? {} : { schema: config.schema }),
    })
    return { store, description, shared: true }
  } catch (error) {
    // The cause is dropped: a driver error may carry the connection string.
    throw new StoreOpenError(maskSecrets(`cannot open the database ${description}: ${errorMessage(error)}`, secrets))
  }
}

/** `url` with its password (if any) replaced by `***`: `postgres://timon:***@db:5432/timon`. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password === '') return url
    parsed.password = '***'
    return parsed.toString()
  } catch {
    // Not parseable: mask anything between "user:" and "@".
    return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@')
  }
}

/** `text` with every secret (as written, and URL-encoded) replaced by `***`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text
  for (const secret of secrets) if (secret !== '') masked = masked.replaceAll(secret, '***')
  return masked
}

// --- internal ---

function secretsOf(url: string, password: string | undefined): string[] {
  const secrets = password === undefined ? [] : [password, encodeURIComponent(password)]
  try {
    const inUrl = new URL(url).password
    if (inUrl !== '') secrets.push(inUrl, decodeURIComponent(inUrl))
  } catch {
    // An unparseable URL is masked by maskUrl's fallback.
  }
  // Longest first, so a secret that contains another is masked whole.
  return secrets.sort((a, b) => b.length - a.length)
}
