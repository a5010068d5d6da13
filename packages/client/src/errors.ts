import type { CoreErrorCode } from '@timon/core/lite'

/**
 * THE list of the wire API's error codes (`{"error": {"code", …}}`): the core's (`validation`,
 * `not_found`, `conflict`, `too_old`: a push older than `max_push_age`) and the HTTP layer's. The daemon maps each to its HTTP status with an
 * exhaustive table typed by {@link WireErrorCode}, so a code added here cannot be missed there.
 */
export const WIRE_ERROR_CODES = [
  'validation',
  'not_found',
  'conflict',
  // A push's original time (`at`) older than `[daemon] max_push_age` (422).
  'too_old',
  'payload_too_large',
  'unsupported_media_type',
  'method_not_allowed',
  // `logs --follow` beyond `[exec] max_followers` (429).
  'too_many_followers',
  'internal',
  // The store failed (a `StoreFault`): its disk is full (507), it cannot be reached (503), its data are corrupt (503).
  'storage_full',
  'store_unavailable',
  'store_corrupt',
  'unauthorized',
  'forbidden',
  'rate_limited',
] as const

/** An error code of the wire API (see {@link WIRE_ERROR_CODES}). */
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number]

/** An error as the wire carries it: `{"error": {"code", "message", ...}}`. */
export interface WireError {
  readonly code: WireErrorCode
  readonly message: string
  /** Every problem of a `validation` error. */
  readonly issues?: readonly string[]
  /** What a `not_found` error was looking for. */
  readonly subject?: string
}

/** Every error code a {@link TimonClient} call can fail with: the wire's, then the client's own. */
export const CLIENT_ERROR_CODES = [...WIRE_ERROR_CODES, 'unreachable', 'timeout', 'protocol'] as const

/**
 * The code of a {@link ClientError}: the wire's error codes, plus the client's own:
 * - `unreachable`: no daemon answers at the address (not running, wrong path, no permission), or
 *   the client refused a discovered socket that is neither the user's nor root's;
 * - `timeout`: the daemon did not answer in time;
 * - `protocol`: the connection broke mid-request, or the answer was not the API's.
 */
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number]

// Every core error code must be a wire error code.
const coversCoreCodes: CoreErrorCode extends WireErrorCode ? true : never = true
void coversCoreCodes

/** Why a {@link TimonClient} call failed. */
export interface ClientError {
  readonly code: ClientErrorCode
  /** One line for people; for `unreachable`, it names the socket path and says how to start the daemon. */
  readonly message: string
  /** The HTTP status, when the daemon answered. */
  readonly status?: number
  /** Every problem found, for `validation` errors that have several. */
  readonly issues?: readonly string[]
  /** What a `not_found` error was looking for (`contract`, `report`, `run`, `incident`). */
  readonly subject?: string
}

/** The daemon's `{"error": {"code", "message", ...}}` as a {@link ClientError}. */
export function errorOfAnswer(status: number, json: unknown): ClientError {
  const error = isRecord(json) && isRecord(json.error) ? json.error : undefined
  const message = typeof error?.message === 'string' ? error.message : `the daemon answered HTTP ${status}`
  const given = error?.code
  const code: ClientErrorCode = (WIRE_ERROR_CODES as readonly unknown[]).includes(given)
    ? (given as WireErrorCode)
    : status >= 500
      ? 'internal'
      : 'protocol'
  const issues = Array.isArray(error?.issues)
    ? error.issues.filter((issue): issue is string => typeof issue === 'string')
    : undefined
  return {
    code,
    message,
    status,
    ...(issues === undefined ? {} : { issues }),
    ...(typeof error?.subject === 'string' ? { subject: error.subject } : {}),
  }
}

/** A plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
