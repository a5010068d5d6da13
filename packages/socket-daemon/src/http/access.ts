import type { IncomingMessage } from 'node:http'
import { matchesAnyCodeGlob, scopeAllows, type ApiToken, type TokenScope, type TokenService } from '@timon/core'
import { errorAnswer, type RouteAccess, type RouteAnswer } from '../routes/types.js'
import { refusalMessage, type AuthFailures } from './auth-failures.js'
import type { RateLimiter } from './rate-limit.js'

/** How a listener checks who calls it: the TCP listener's bearer tokens, rate limit and failed-authentication throttle. */
export interface AccessControl {
  readonly tokens: TokenService
  readonly rateLimit?: RateLimiter | undefined
  readonly failures?: AuthFailures | undefined
}

/** What an admitted request may do: the token, to check codes against once they are known. */
export type Grant = { readonly token: ApiToken }

/** The scope a route needs: its own, else `read` for a GET and `admin` otherwise. */
export function neededScope(route: RouteAccess & { readonly method: string }): TokenScope | 'public' {
  return route.access ?? (route.method === 'GET' ? 'read' : 'admin')
}

/**
 * Authenticates the request's `Authorization: Bearer <secret>` and checks the route's scope, before
 * any body is read: 401 `unauthorized` for no, an unknown, an expired or a revoked token (one
 * message for all: it tells a prober nothing), 403 `forbidden` for a scope the token lacks, 429
 * `rate_limited` past the token's rate, or instead of 401 from an address with too many failed
 * authentications (see `AuthFailures`).
 */
export async function admit(
  control: AccessControl,
  req: IncomingMessage,
  need: TokenScope,
): Promise<Grant | RouteAnswer> {
  const header = req.headers.authorization ?? ''
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
  if (match?.[1] === undefined) return unauthorized('this listener needs a token: send "Authorization: Bearer <token>"')
  return admitSecret(control, match[1], need, req.socket.remoteAddress)
}

/** {@link admit} for a secret from elsewhere (a ping URL's path), sent from `address`. */
export async function admitSecret(
  control: AccessControl,
  secret: string,
  need: TokenScope,
  address: string | undefined,
): Promise<Grant | RouteAnswer> {
  const token = await control.tokens.authenticate(secret)
  if (token.isErr()) {
    const wait = control.failures?.failed(address)
    if (wait !== undefined) return rateLimited(refusalMessage(wait), wait)
    return unauthorized('invalid, expired or revoked token')
  }
  if (!scopeAllows(token.value.scope, need)) {
    return errorAnswer({
      code: 'forbidden',
      message: `token "${token.value.name}" has scope ${token.value.scope}; this needs ${need}`,
    })
  }
  const wait = control.rateLimit?.take(token.value.id)
  if (wait !== undefined)
    return rateLimited(`token "${token.value.name}" is over its rate limit; retry in ${wait}s`, wait)
  return { token: token.value }
}

/** `undefined` when `grant` may act on `code`, else the 403 answer. A token without codes may act on all; on none (no code), only such a token. */
export function checkCode(grant: Grant, code: string | undefined): RouteAnswer | undefined {
  const { codes, name } = grant.token
  if (codes.length === 0) return undefined
  if (code !== undefined && matchesAnyCodeGlob(codes, code)) return undefined
  const what = code === undefined ? 'this route (it names no code)' : `"${code}"`
  return errorAnswer({ code: 'forbidden', message: `token "${name}" is limited to ${codes.join(', ')}, not ${what}` })
}

/** The code of a target parameter (`code`, `code:uid`); none for an incident (`INC-7`). */
export function codeOfTarget(target: string): string | undefined {
  if (/^INC-/i.test(target)) return undefined
  return target.split(':')[0]
}

/** Whether `value` is an admission's refusal rather than a grant. */
export function isAnswer(value: Grant | RouteAnswer): value is RouteAnswer {
  return 'status' in value
}

function rateLimited(message: string, seconds: number): RouteAnswer {
  return { ...errorAnswer({ code: 'rate_limited', message }), headers: { 'Retry-After': String(seconds) } }
}

function unauthorized(message: string): RouteAnswer {
  return { ...errorAnswer({ code: 'unauthorized', message }), headers: { 'WWW-Authenticate': 'Bearer' } }
}
