import { errorMessage, formatHumanDuration } from '@timon/core'
import type { HttpCheck } from './check-config.js'

/** At most this much of a response body is read; the rest is dropped with the connection. */
export const MAX_BODY_BYTES = 64 * 1024

/** Why a request got no HTTP answer. */
export type TransportFailure =
  | { readonly kind: 'timeout'; readonly afterMs: number }
  | { readonly kind: 'refused' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'dns'; readonly host: string; readonly detail: string }
  | { readonly kind: 'tls'; readonly detail: string }
  | { readonly kind: 'unreachable'; readonly detail: string }
  | { readonly kind: 'other'; readonly detail: string }

/** What one request gave: an HTTP answer (its body read up to {@link MAX_BODY_BYTES}), or a transport failure. */
export type HttpOutcome =
  | {
      readonly kind: 'response'
      readonly status: number
      /** The body read, as UTF-8 text (empty when the check does not look at it). */
      readonly body: string
      /** True when the body was longer than what was read. */
      readonly truncated: boolean
      /** Milliseconds from sending the request to the end of the body. */
      readonly elapsedMs: number
    }
  | { readonly kind: 'failure'; readonly failure: TransportFailure }

/** The verdict on one request, with its reason in a few words (`HTTP 503`, `timeout after 10s`). */
export interface Evaluation {
  readonly ok: boolean
  readonly reason: string
  /**
   * With `ok`: it passes, but with a warning (a Nagios plugin's exit 1, a disk above `warning`, a
   * certificate within `warning_days`): the sample is `warning`, the thresholds count a success.
   */
  readonly warning?: boolean
  /** More than the reason, e.g. a command's output after its first line; sent with the sample. */
  readonly detail?: string
}

/** What {@link evaluate} checks: the expectations of a check. */
export type Expectations = Pick<HttpCheck, 'expectStatus' | 'bodyContains' | 'json'>

/**
 * Judges one outcome against a check's expectations, in order: the transport, the status (any 2xx
 * unless `expectStatus`), `bodyContains`, then each `json` path; the first that fails is the reason.
 * Reasons: `HTTP 200 in 12ms` (pass), `HTTP 503` (with the start of a plain-text body, e.g. Loki's
 * `HTTP 503: Ingester not ready`), `HTTP 204, expected 200`, `timeout after 10s`,
 * `connection refused`, `connection reset`, `DNS lookup failed for db.internal`, `TLS error: …`,
 * `body does not contain "ready"`, `body is not JSON`, `json database missing`,
 * `json database is "failing", expected "ok"`. Quoted values are clipped to a few dozen characters.
 */
export function evaluate(expectations: Expectations, outcome: HttpOutcome): Evaluation {
  if (outcome.kind === 'failure') return { ok: false, reason: describeFailure(outcome.failure) }
  const { status, body, truncated } = outcome
  const expected = expectations.expectStatus
  if (expected === undefined ? status < 200 || status > 299 : !expected.includes(status)) {
    // A 2xx that fails is surprising: say what was expected. Otherwise quote the error body.
    if (expected !== undefined && status >= 200 && status <= 299) {
      return { ok: false, reason: `HTTP ${status}, expected ${formatList(expected)}` }
    }
    const snippet = statusSnippet(body)
    return { ok: false, reason: `HTTP ${status}${snippet === '' ? '' : `: ${snippet}`}` }
  }
  const cut = truncated ? ` (only its first ${MAX_BODY_BYTES / 1024} KiB read)` : ''
  if (expectations.bodyContains !== undefined && !body.includes(expectations.bodyContains)) {
    return { ok: false, reason: `body does not contain ${quote(expectations.bodyContains)}${cut}` }
  }
  if (expectations.json.length > 0) {
    let document: unknown
    try {
      document = JSON.parse(body)
    } catch {
      return { ok: false, reason: `body is not JSON${cut}` }
    }
    for (const { path, expected: value } of expectations.json) {
      const found = lookup(document, path)
      if (!found.present) return { ok: false, reason: `json ${path} missing` }
      if (found.value !== value)
        return { ok: false, reason: `json ${path} is ${show(found.value)}, expected ${show(value)}` }
    }
  }
  return { ok: true, reason: `HTTP ${status} in ${Math.round(outcome.elapsedMs)}ms` }
}

/** A transport failure in a few words: `timeout after 10s`, `connection refused`, `TLS error: …`. */
export function describeFailure(failure: TransportFailure): string {
  switch (failure.kind) {
    case 'timeout':
      return `timeout after ${formatHumanDuration(failure.afterMs)}`
    case 'refused':
      return 'connection refused'
    case 'reset':
      return 'connection reset'
    case 'dns':
      return `DNS lookup failed for ${failure.host} (${failure.detail})`
    case 'tls':
      return `TLS error: ${failure.detail}`
    case 'unreachable':
      return `host unreachable (${failure.detail})`
    case 'other':
      return failure.detail
  }
}

/**
 * Classifies an error of Node's `http`/`https` request (timeouts are the caller's: it knows it
 * aborted). Node's happy-eyeballs connect reports an `AggregateError`; its first coded error decides.
 *
 * @param host the URL's host, for the DNS message.
 */
export function classifyError(error: unknown, host: string): TransportFailure {
  const code = errorCode(error)
  const detail = clip(errorMessage(error), 120)
  if (code === 'ECONNREFUSED') return { kind: 'refused' }
  if (code === 'ECONNRESET' || code === 'EPIPE') return { kind: 'reset' }
  if (code !== undefined && DNS_CODES.has(code)) return { kind: 'dns', host, detail: code }
  if (
    code !== undefined &&
    (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('CERT_'))
  ) {
    return { kind: 'tls', detail }
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'ENETDOWN') {
    return { kind: 'unreachable', detail: code }
  }
  return { kind: 'other', detail: detail === '' ? 'request failed' : detail }
}

// --- internal ---

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA'])

/** OpenSSL verification codes Node reports as `error.code`. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'EPROTO',
])

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') return code
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const innerCode = errorCode(inner)
      if (innerCode !== undefined) return innerCode
    }
  }
  return undefined
}

/** The start of an error body worth quoting: plain text (not HTML), whitespace collapsed. */
function statusSnippet(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim()
  if (text === '' || text.startsWith('<')) return ''
  return clip(text, 80)
}

function lookup(document: unknown, path: string): { present: true; value: unknown } | { present: false } {
  let node = document
  for (const segment of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(segment) && Number(segment) < node.length) node = node[Number(segment)]
    else if (typeof node === 'object' && node !== null && !Array.isArray(node) && Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment]
    } else return { present: false }
  }
  return { present: true, value: node }
}

function show(value: unknown): string {
  return clip(JSON.stringify(value) ?? String(value), 40)
}

function quote(text: string): string {
  return clip(JSON.stringify(text), 40)
}

function formatList(statuses: readonly number[]): string {
  if (statuses.length === 1) return String(statuses[0])
  return `${statuses.slice(0, -1).join(', ')} or ${String(statuses.at(-1))}`
}

function clip(text: string, max: number): string {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}
