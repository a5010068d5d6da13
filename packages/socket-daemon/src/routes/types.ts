/**
 * What the server and the routes share: the shape of a route and of its answer, and the one
 * mapping from the wire's error codes to HTTP statuses. The route tables import it; it imports
 * none of them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type {
  CoreError,
  DaemonLiveness,
  Monitor,
  PolledSource,
  StoreFaultKind,
  StoreHealth,
  TokenScope,
  TokenService,
} from '@timon/core'
import type { Result } from 'neverthrow'
import type { WireError, WireErrorCode } from '@timon/client'
import type { TargetTestResult } from '../notify/target-notifier.js'
import type { RunLogStore } from '../run-logs/store.js'

/**
 * The one mapping from the wire's error codes to HTTP statuses. Exhaustive: a code added to the
 * list (`WIRE_ERROR_CODES` of `@timon/client`, which holds the core's) fails to compile here.
 */
export const ERROR_STATUS: Readonly<Record<WireErrorCode, number>> = {
  validation: 400,
  not_found: 404,
  method_not_allowed: 405,
  too_many_followers: 429,
  conflict: 409,
  too_old: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal: 500,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  storage_full: 507,
  store_unavailable: 503,
  store_corrupt: 503,
}

/** The wire's error code of each kind of `StoreFault`, answered by every route that meets one. */
export const STORE_FAULT_CODE: Readonly<Record<StoreFaultKind, WireErrorCode>> = {
  full: 'storage_full',
  unavailable: 'store_unavailable',
  corrupt: 'store_corrupt',
}

/**
 * What a route answers: a status and a body in the core's form (camelCase keys, `Date`s), which
 * the server sends in the wire's (`toWireJson`: snake_case, RFC 3339 strings).
 */
export interface RouteAnswer {
  readonly status: number
  readonly body: unknown
  /** Extra response headers (`Allow` of a 405). */
  readonly headers?: Readonly<Record<string, string>>
  /**
   * Set by routes that may have moved a deadline or queued deliveries: the server re-arms the
   * scheduler once the answer is sent. `deliveries` says whether deliveries may have been queued.
   */
  readonly rearm?: { readonly deliveries: boolean }
}

/** A request as the route table sees it: the parsed JSON body (POST), the query and the path's parameters. */
export interface RouteRequest {
  readonly body: unknown
  readonly query: URLSearchParams
  readonly params: readonly string[]
}

/** What routes act on. */
export interface RouteContext {
  readonly monitor: Monitor
  /** Reported by `GET /healthz`. */
  readonly version: string
  /** The probes the daemon polls itself (`[[check]]`), shown as such by `status`. */
  readonly polled?: () => readonly PolledSource[]
  /** Where run logs (`timon exec`) are kept; without it the log routes answer 404 and deletes remove no file. */
  readonly runLogs?: RunLogStore
  /** Whether the store works (`Store.health`), for `GET /healthz`; without it the store is taken as healthy. */
  readonly storeHealth?: () => Promise<StoreHealth>
  /** The daemons alive on the store, for `status` (`daemons` on the wire). */
  readonly daemons?: () => Promise<readonly DaemonLiveness[]>
  /** The API tokens (the TCP listener's bearer tokens, the token routes, ping URLs); without it those answer 404. */
  readonly tokens?: TokenService
  /** Sends a `timon.test` event to one notifier target, or all (`timon notify test`); without it the route answers 404. */
  readonly notifyTest?: (target: string | undefined) => Promise<Result<readonly TargetTestResult[], CoreError>>
}

/**
 * Who may use a route over TCP (the Unix socket needs no token): `public` anyone (`/healthz`), or
 * a token of that scope (`admin` may use all). A route without one needs `read` for a GET and
 * `admin` otherwise. A token limited to codes may only use a route that names a code it matches:
 * the body's `code` (`codeIn: 'body'`) or the code of the first path parameter (`'param'`,
 * `code`, `code:uid`).
 */
export interface RouteAccess {
  readonly access?: TokenScope | 'public'
  readonly codeIn?: 'body' | 'param'
}

/** One entry of the route table. */
export interface Route extends RouteAccess {
  readonly method: 'GET' | 'POST'
  /** The documented path (`/v1/show/{target}`). */
  readonly path: string
  /** Matches the request's path; capture groups become `params` (URL-decoded). */
  readonly pattern: RegExp
  readonly handle: (context: RouteContext, request: RouteRequest) => Promise<RouteAnswer>
}

/** A streamed exchange, handed over unread to a {@link StreamRoute}. */
export interface StreamExchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly query: URLSearchParams
  readonly params: readonly string[]
  /** Aborted when the daemon stops: end the exchange promptly. */
  readonly signal: AbortSignal
}

/**
 * A streaming entry of the route table (run output and logs): the server checks no
 * `Content-Type`, applies no body cap and reads no body; the route does. It answers itself, or
 * returns the (JSON) answer for the server to send, after which an error closes the connection
 * (the body may be unread).
 */
export interface StreamRoute extends RouteAccess {
  readonly method: 'GET' | 'POST'
  /** The documented path (`/v1/runs/{code}:{uid}/output`). */
  readonly path: string
  readonly pattern: RegExp
  readonly stream: (context: RouteContext, exchange: StreamExchange) => Promise<RouteAnswer | undefined>
}

/** Builds the error answer for `error`. */
export function errorAnswer(error: WireError): RouteAnswer {
  return { status: ERROR_STATUS[error.code], body: { error } }
}

/** What a streaming handler ends with: an error or a JSON answer to send, or nothing (it answered itself, or the client is gone). */
export type StreamResult =
  | { readonly error: WireError }
  | { readonly status: number; readonly body: unknown }
  | undefined
