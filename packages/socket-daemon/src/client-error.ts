import type { CoreErrorCode } from '@timon/core'

/** Every error code a {@link TimonClient} call can fail with. */
export const CLIENT_ERROR_CODES = [
  'validation',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'method_not_allowed',
  'internal',
  'unreachable',
  'timeout',
  'protocol',
] as const

/**
 * The code of a {@link ClientError}: the daemon's error codes (the core's `validation`,
 * `not_found`, `conflict`, and the HTTP layer's), plus the client's own:
 * - `unreachable`: no daemon answers on the socket (not running, wrong path, no permission);
 * - `timeout`: the daemon did not answer in time;
 * - `protocol`: the connection broke mid-request, or the answer was not the API's.
 */
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number]

// Every core error code must be a client error code.
const coversCoreCodes: CoreErrorCode extends ClientErrorCode ? true : never = true
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
  const code: ClientErrorCode = (CLIENT_ERROR_CODES as readonly unknown[]).includes(given) ? (given as ClientErrorCode) : status >= 500 ? 'internal' : 'protocol'
  const issues = Array.isArray(error?.issues) ? error.issues.filter((issue): issue is string => typeof issue === 'string') : undefined
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
