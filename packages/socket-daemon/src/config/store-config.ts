import { join, resolve } from 'node:path'
import { parseDuration } from '@timon/core'
import { z } from 'zod'
import type { Env } from '@timon/client'

/** Where the daemon keeps its data: `[store]`, or `TIMON_DATABASE_URL`. */
export type StoreConfig = SqliteStoreConfig | PostgresStoreConfig

/** SQLite in `data_dir` (the default). */
export interface SqliteStoreConfig {
  readonly kind: 'sqlite'
  /** `<data_dir>/timon.db`. */
  readonly path: string
  /** `[store] synchronous`, default `full` (see `SqliteStoreOptions.synchronous`). */
  readonly synchronous: 'full' | 'normal'
  /** `[store] row_cache`: contracts the store keeps in memory between transactions; `undefined`: the store's default. */
  readonly rowCacheCapacity: number | undefined
  /** `[store] lease` in ms (used only by shared stores; kept for one shape). */
  readonly leaseMs: number
}

/** PostgreSQL: `[store] url` or `TIMON_DATABASE_URL`, several daemons may share it. */
export interface PostgresStoreConfig {
  readonly kind: 'postgres'
  /** The connection URL (it may hold a password: never log it, see `maskSecrets`). */
  readonly url: string
  /** `[store] password_file`: the password, read at start, when it is not in the URL. */
  readonly passwordFile: string | undefined
  /** `[store] schema`, default `public`. */
  readonly schema: string | undefined
  /** `[store] lease` in ms, default 15 s: how long a daemon's claim on a delivery lasts. */
  readonly leaseMs: number
}

/** The default `[store] lease`: 15 s. */
export const DEFAULT_LEASE_MS = 15_000

/** The `[store]` table as TOML gives it. */
export const storeSchema = z.strictObject(
  {
    url: z
      .string({ error: 'must be a string' })
      .refine((value) => POSTGRES_URL.test(value.trim()), 'must be a postgres:// or postgresql:// URL')
      .optional(),
    password_file: z
      .string({ error: 'must be a string' })
      .refine((value) => value.trim() !== '', 'must not be empty')
      .optional(),
    schema: z
      .string({ error: 'must be a string' })
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be lower-case letters, digits and _')
      .optional(),
    synchronous: z.enum(['full', 'normal'], { error: 'must be "full" or "normal"' }).optional(),
    row_cache: z
      .number({ error: 'must be a number of probes/jobs' })
      .int('must be a whole number')
      .min(0, 'must be 0 (off) or more')
      .optional(),
    lease: z
      .string({ error: 'must be a duration string such as "15s"' })
      .transform((value, ctx): number => {
        const parsed = parseDuration(value)
        if (parsed.isErr()) ctx.addIssue({ code: 'custom', message: parsed.error.message })
        else if (parsed.value < 1000) ctx.addIssue({ code: 'custom', message: `must be at least 1s, got "${value}"` })
        return parsed.isOk() ? parsed.value : z.NEVER
      })
      .optional(),
  },
  { error: 'must be a table ([store])' },
)

/**
 * The store to open: PostgreSQL when `TIMON_DATABASE_URL` (first) or `[store] url` is set, else
 * SQLite in `dataDir`. An issue for keys that do not apply to the chosen store.
 */
export function resolveStoreConfig(
  table: z.output<typeof storeSchema>,
  env: Env,
  baseDir: string,
  dataDir: string,
): { readonly store: StoreConfig } | { readonly issue: string } {
  const leaseMs = table.lease ?? DEFAULT_LEASE_MS
  const fromEnv = env.TIMON_DATABASE_URL?.trim()
  if (fromEnv !== undefined && fromEnv !== '' && !POSTGRES_URL.test(fromEnv))
    return { issue: 'TIMON_DATABASE_URL: must be a postgres:// or postgresql:// URL' }
  const url = fromEnv !== undefined && fromEnv !== '' ? fromEnv : table.url?.trim()
  if (url === undefined) {
    if (table.password_file !== undefined)
      return { issue: 'store.password_file: needs store.url (or TIMON_DATABASE_URL)' }
    return {
      store: {
        kind: 'sqlite',
        path: join(dataDir, 'timon.db'),
        synchronous: table.synchronous ?? 'full',
        rowCacheCapacity: table.row_cache,
        leaseMs,
      },
    }
  }
  for (const key of ['synchronous', 'row_cache'] as const)
    if (table[key] !== undefined) return { issue: `store.${key}: applies to SQLite only, not with store.url` }
  return {
    store: {
      kind: 'postgres',
      url,
      passwordFile: table.password_file === undefined ? undefined : resolve(baseDir, table.password_file),
      schema: table.schema,
      leaseMs,
    },
  }
}

// --- internal ---

const POSTGRES_URL = /^postgres(?:ql)?:\/\//
