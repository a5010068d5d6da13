import type http from 'node:http'
import type { Clock, LogSink } from '@timon/core'
import { createKeepAliveAgent, packageVersion } from '@timon/http-common'
import type { HttpCheck } from './check-config.js'
import { evaluate } from './evaluate.js'
import { sendRequest } from './http-request.js'
import { ScheduledPoller, type CheckRunner, type RunStart } from './scheduled-poller.js'

/** Where the poller reports what it does (the core's `LogSink`); `console` fits. */
export type HttpPollerLogger = LogSink

export type { RunStart } from './scheduled-poller.js'

/** Options of an {@link HttpPoller}. */
export interface HttpPollerOptions {
  /** The probes to poll, from `parseChecks`; codes must be unique. */
  readonly checks: readonly HttpCheck[]
  /** Times the schedule; default: the system clock. */
  readonly clock?: Clock
  /** Places each check's first run within its first interval (a number in [0, 1)); default `Math.random`. */
  readonly random?: () => number
  /** Requests in flight at once over all checks; default 32. */
  readonly maxInFlight?: number
  /** Default: silent. Results at debug, health changes at info, skipped runs at warn, failed `record` calls at error. */
  readonly logger?: HttpPollerLogger
  /** Sent as `User-Agent` unless a check sets its own; default `timon/<version of this package>`. */
  readonly userAgent?: string
  /** Called as each request starts. */
  readonly onRunStart?: (run: RunStart) => void
}

/**
 * The HTTP adapter of the core's `Poller` port: it requests each check's URL on the check's own
 * schedule, judges the answer (`evaluate`), runs it through the check's thresholds
 * (`stepThreshold`) and hands every result to `record` as a sample of the check's probe, with
 * the check's `staleIncidentAfterMs`.
 *
 * Scheduling, skipped runs and `update` are the {@link ScheduledPoller}'s.
 *
 * Requests: at most `maxInFlight` in flight overall and one per URL; each check has a keep-alive
 * agent of its own (a slow endpoint never holds another's sockets), which with `cert` trusts the
 * file's CAs in addition to the default ones. The check's `timeout` bounds the whole exchange, and
 * at most 64 KiB of a body is read. A hanging endpoint holds one slot until its timeout, never a
 * timer of another check.
 */
export class HttpPoller extends ScheduledPoller<HttpCheck> {
  constructor(options: HttpPollerOptions) {
    const userAgent = options.userAgent ?? `timon/${packageVersion(import.meta.url)}`
    super({ ...options, name: 'HttpPoller', runner: (check) => httpRunner(check, userAgent) })
  }
}

// --- internal ---

/** Requests a check's URL and judges the answer; its keep-alive agent lives as long as the check. */
function httpRunner(check: HttpCheck, userAgent: string): CheckRunner {
  const agent = createAgent(check)
  const url = new URL(check.url)
  // The defaults, then the check's own headers.
  const headers = { 'User-Agent': userAgent, Accept: '*/*', ...withDefaultNames(check.headers) }
  return {
    source: displayUrl(check.url),
    slotKey: check.url,
    async run(signal) {
      const result = await sendRequest({
        url,
        method: check.method,
        headers,
        timeoutMs: check.timeoutMs,
        agent,
        signal,
      })
      return result.kind === 'aborted' ? undefined : evaluate(check, result)
    },
    close: () => agent.destroy(),
  }
}

/** One keep-alive agent per check, with one socket (a check has one request in flight); with `cert`, trusting its CAs besides the default ones. */
function createAgent(check: HttpCheck): http.Agent {
  return createKeepAliveAgent(check.url, { ca: check.cert?.pem, maxSockets: 1, maxFreeSockets: 1 })
}

/** A check's headers, `User-Agent` and `Accept` spelt as the defaults are, so that they replace them whatever their case. */
function withDefaultNames(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) out[normalizedDefault(name)] = value
  return out
}

function normalizedDefault(name: string): string {
  const lower = name.toLowerCase()
  return lower === 'user-agent' ? 'User-Agent' : lower === 'accept' ? 'Accept' : name
}

/** The URL for status and logs, its user and password masked. */
function displayUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.username === '' && parsed.password === '') return url
  parsed.username = '***'
  parsed.password = ''
  return parsed.href
}
