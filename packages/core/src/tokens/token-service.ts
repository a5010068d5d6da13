import { err, ok, type Result } from 'neverthrow'
import { conflict, notFound, validation, type CoreError } from '../errors.js'
import type { Clock } from '../ports/clock.js'
import type { Store } from '../ports/store.js'
import { TOKEN_SCOPES, type ApiToken, type TokenScope } from './token.js'

/** Input of {@link TokenService.create}. */
export interface CreateTokenInput {
  readonly name: string
  /** Default `push`. */
  readonly scope?: TokenScope
  /** Code globs the token is limited to; default: every code. */
  readonly codes?: readonly string[]
  /** How long it is valid from now, in ms; default: no expiry. */
  readonly expiresInMs?: number
}

/** Why a secret did not authenticate (all answered the same on the wire: 401). */
export type AuthFailure = 'unknown' | 'expired' | 'revoked'

/** Options of {@link TokenService}. */
export interface TokenServiceOptions {
  readonly store: Store
  readonly clock: Clock
  /** Fills a buffer with random bytes; default the platform's CSPRNG. */
  readonly randomBytes?: (bytes: Uint8Array) => Uint8Array
  /**
   * The SHA-256 of a secret, as lowercase hex; default WebCrypto's, which is asynchronous (a
   * thread-pool round trip on every request). A server passes a synchronous one (`node:crypto`).
   */
  readonly sha256Hex?: (text: string) => string | Promise<string>
}

/** `last_used_at` is written at most this often per token, so authenticating stays a read. */
export const LAST_USED_RESOLUTION_MS = 60_000

/**
 * Creates, lists, revokes and authenticates API tokens. A secret is `timon_` and 32 random bytes
 * (base64url); the store keeps only its SHA-256. A fast hash is enough: a slow KDF protects
 * guessable passwords, while a 256-bit random secret cannot be brute-forced from its hash
 * whatever the hash speed, and a fast hash keeps every request's check cheap.
 *
 * Authentication looks the hash up (an index) and compares it again in constant time; tokens
 * found are cached by hash, and the cache is cleared by every create and revoke here, so a
 * revocation through this service applies to the next request.
 */
export class TokenService {
  readonly #store: Store
  readonly #clock: Clock
  readonly #randomBytes: (bytes: Uint8Array) => Uint8Array
  readonly #sha256Hex: (text: string) => string | Promise<string>
  readonly #cache = new Map<string, ApiToken>()

  constructor(options: TokenServiceOptions) {
    this.#store = options.store
    this.#clock = options.clock
    this.#randomBytes = options.randomBytes ?? ((bytes) => globalThis.crypto.getRandomValues(bytes))
    this.#sha256Hex = options.sha256Hex ?? webCryptoSha256Hex
  }

  /** Creates a token and returns it with its secret, which is shown once and kept nowhere. */
  async create(
    input: CreateTokenInput,
  ): Promise<Result<{ readonly token: ApiToken; readonly secret: string }, CoreError>> {
    const checked = checkInput(input)
    if (checked.isErr()) return err(checked.error)
    const secret = `${SECRET_PREFIX}${base64url(this.#randomBytes(new Uint8Array(32)))}`
    const secretHash = await this.#sha256Hex(secret)
    const now = this.#clock.now()
    const expiresAt = input.expiresInMs === undefined ? null : new Date(now.getTime() + input.expiresInMs)
    return this.#store.transaction(async (tx) => {
      if ((await tx.findTokenByName(input.name)) !== undefined)
        return err(conflict(`a token named "${input.name}" already exists`))
      const token = await tx.insertToken({
        name: input.name,
        scope: input.scope ?? 'push',
        codes: input.codes ?? [],
        secretHash,
        createdAt: now,
        expiresAt,
      })
      this.#cache.clear()
      return ok({ token, secret })
    })
  }

  /** The tokens not revoked, by name. */
  async list(): Promise<Result<readonly ApiToken[], CoreError>> {
    return ok(await this.#store.transaction((tx) => tx.listTokens()))
  }

  /** Revokes the token `name`: it authenticates nothing from now on. */
  async revoke(name: string): Promise<Result<ApiToken, CoreError>> {
    return this.#store.transaction(async (tx) => {
      const token = await tx.findTokenByName(name)
      if (token === undefined) return err(notFound('token'))
      await tx.updateToken(token.id, { revoked: true })
      this.#cache.clear()
      return ok({ ...token, revoked: true })
    })
  }

  /** The token `secret` belongs to, if it is known, not revoked and not expired. */
  async authenticate(secret: string): Promise<Result<ApiToken, AuthFailure>> {
    if (secret.length > MAX_SECRET_LENGTH || !secret.startsWith(SECRET_PREFIX)) return err('unknown')
    const hash = await this.#sha256Hex(secret)
    let token = this.#cache.get(hash)
    if (token === undefined) {
      token = await this.#store.transaction((tx) => tx.findTokenBySecretHash(hash))
      if (token === undefined || !constantTimeEqual(token.secretHash, hash)) return err('unknown')
      this.#cache.set(hash, token)
    }
    if (token.revoked) return err('revoked')
    const now = this.#clock.now()
    if (token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime()) return err('expired')
    if (token.lastUsedAt === null || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      const id = token.id
      await this.#store.transaction((tx) => tx.updateToken(id, { lastUsedAt: now }))
      token = { ...token, lastUsedAt: now }
      this.#cache.set(hash, token)
    }
    return ok(token)
  }
}

// --- internal ---

const SECRET_PREFIX = 'timon_'
const MAX_SECRET_LENGTH = 128
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const GLOB_SEGMENT = /^(?:\*|[A-Za-z0-9_-]+)$/

function checkInput(input: CreateTokenInput): Result<void, CoreError> {
  if (!NAME.test(input.name)) {
    return err(
      validation(
        `invalid token name "${input.name}" — must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
      ),
    )
  }
  if (input.scope !== undefined && !TOKEN_SCOPES.includes(input.scope)) {
    return err(validation(`invalid scope "${String(input.scope)}" — must be one of: ${TOKEN_SCOPES.join(', ')}`))
  }
  for (const glob of input.codes ?? []) {
    if (glob.length > 50 || !glob.split('.').every((segment) => GLOB_SEGMENT.test(segment))) {
      return err(
        validation(`invalid code glob "${glob}" — dot-separated segments, each "*" or letters, digits, "_" and "-"`),
      )
    }
  }
  if (input.expiresInMs !== undefined && !(Number.isSafeInteger(input.expiresInMs) && input.expiresInMs > 0)) {
    return err(validation('invalid expiry — must be a positive duration'))
  }
  return ok(undefined)
}

async function webCryptoSha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** Compares two strings in time that depends only on their length. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}

function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}
