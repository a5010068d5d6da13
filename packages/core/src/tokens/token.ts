/** What an API token may do: `push` the push routes and ping URLs, `read` every GET, `admin` everything. */
export const TOKEN_SCOPES = ['push', 'read', 'admin'] as const
export type TokenScope = (typeof TOKEN_SCOPES)[number]

/**
 * An API token of the daemon's TCP listener. The secret itself is never stored: only its
 * SHA-256 (`secretHash`, lowercase hex).
 */
export interface ApiToken {
  readonly id: number
  /** Unique among the tokens not revoked. */
  readonly name: string
  readonly scope: TokenScope
  /** Code globs (segment-wise, as webhook `on`) the token is limited to; empty = every code. */
  readonly codes: readonly string[]
  readonly secretHash: string
  readonly createdAt: Date
  /** When it last authenticated a request (recorded at most once a minute), if ever. */
  readonly lastUsedAt: Date | null
  /** After this it no longer authenticates; `null` = never expires. */
  readonly expiresAt: Date | null
  readonly revoked: boolean
}

/** Whether a token of `scope` may use a route that needs `need`: `admin` may use all. */
export function scopeAllows(scope: TokenScope, need: TokenScope): boolean {
  return scope === 'admin' || scope === need
}
