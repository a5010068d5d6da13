/**
 * The one mapping from a transport's failures to {@link ClientError}s, for JSON calls and streams
 * alike: the messages name the daemon's address and, for a connection refused, say what to do.
 */
import type { ClientError } from '../errors.js'
import type { ConnectionFailure } from './transport.js'

/** The client's error for `failure` of a request to the daemon at `address` (a socket path or URL). */
export function clientErrorOf(failure: ConnectionFailure, address: string, timeoutMs: number): ClientError {
  switch (failure.kind) {
    case 'timeout':
      return { code: 'timeout', message: `the Timon daemon at ${address} did not answer within ${timeoutMs} ms` }
    case 'connect': {
      const code = failure.code ?? 'EUNKNOWN'
      return {
        code: 'unreachable',
        message: `cannot reach the Timon daemon at ${address} (connect ${code}): ${hintOf(code, address)}`,
      }
    }
    case 'untrusted':
      return { code: 'unreachable', message: failure.message }
    case 'invalid':
      return { code: 'validation', message: failure.message }
    case 'closed':
      // (A kept-alive connection the daemon closed while idle was already sent again, once, by the transport.)
      return { code: 'protocol', message: `lost the connection to the Timon daemon at ${address}: ${failure.message}` }
    case 'protocol':
      return { code: 'protocol', message: `unexpected answer from ${address}: ${failure.message}` }
  }
}

/** Whether a request that failed so may be sent again after a pause ("busy", not "not there"). */
export function isRetryable(failure: ConnectionFailure): boolean {
  return failure.kind === 'connect' && RETRYABLE_CONNECT.has(failure.code ?? '')
}

/**
 * The failure of a streamed exchange (`node:http`) from its `error` event: a connect failure until
 * the connection was up, a timeout for `ETIMEDOUT`, a broken connection after.
 */
export function streamFailureOf(error: NodeJS.ErrnoException, connected: boolean): ConnectionFailure {
  const code = error.code ?? 'EUNKNOWN'
  if (code === 'ETIMEDOUT') return { kind: 'timeout', message: error.message }
  if (!connected) return { kind: 'connect', message: `connect ${code}`, code }
  return { kind: 'closed', message: error.message, code }
}

/** An answer that is not the API's (not JSON, or an unexpected status) from the daemon at `address`. */
export function unexpectedAnswer(address: string, status: number, text?: string): ClientError {
  if (text === undefined)
    return { code: 'protocol', status, message: `unexpected answer from ${address} (HTTP ${status})` }
  const excerpt = text.length > 80 ? `${text.slice(0, 80)}…` : text
  return {
    code: 'protocol',
    status,
    message: `unexpected answer from ${address} (HTTP ${status}): ${JSON.stringify(excerpt)}`,
  }
}

// --- internal ---

/** What to do about a connect failure `code` to `address` (a socket path, or an http(s):// URL). */
function hintOf(code: string, address: string): string {
  const remote = address.startsWith('http://') || address.startsWith('https://')
  if (remote && (CERTIFICATE_CODES.test(code) || code.startsWith('ERR_TLS_'))) return CERTIFICATE_HINT
  return UNREACHABLE_HINTS[code] ?? (remote ? REMOTE_HINT : DEFAULT_HINT)
}

/** OpenSSL's verification errors, as Node names them. */
const CERTIFICATE_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)/

/** Connect failures that mean "busy, try again", not "not there". */
const RETRYABLE_CONNECT = new Set(['EAGAIN', 'EWOULDBLOCK', 'ECONNRESET'])
const DEFAULT_HINT = 'is it running? Start it with "timon daemon"'
const REMOTE_HINT = 'is it running, with an [http] listen on that address?'
const CERTIFICATE_HINT =
  "its TLS certificate is not trusted: give its CA's certificate in TIMON_CA_FILE or [client] ca_file"
const UNREACHABLE_HINTS: Readonly<Record<string, string>> = {
  EACCES: "permission denied: the socket's mode or group does not let this user in (see socket_mode and socket_group)",
  EAGAIN: 'the daemon is too busy to accept connections, try again',
}
