import http from 'node:http'
import https from 'node:https'
import { SILENT_LOG, SystemClock, type Clock, type Delivery, type DeliveryOutcome, type LogSink } from '@timon/core'
import { errorMessage } from '@timon/core/lite'
import { createKeepAliveAgent, packageVersion, proxyFor, viaHttpProxy, type ProxyEnv } from '@timon/http-common'
import pRetry from 'p-retry'
import { defaultHostname, ConfiguredNotifier } from './configured-notifier.js'
import { buildPayload } from './payload.js'
import { PRESETS } from './presets.js'
import { renderBody } from './render-body.js'
import type { WebhookConfig } from './webhook-config.js'

/** Where the notifier reports what it does (the core's `LogSink`); `console` fits. */
export type WebhookLogger = LogSink

/** Options of a {@link WebhookNotifier}. */
export interface WebhookNotifierOptions {
  /** The webhooks, in config order (from `parseWebhooks`). */
  readonly webhooks: readonly WebhookConfig[]
  /** `_hostname` of the payloads; default: the OS hostname, else `localhost`. */
  readonly hostname?: string
  /** Sent as `User-Agent: timon/<version>`; default: this package's version. */
  readonly version?: string
  /** Default: silent. Successes are logged at debug, retryable failures at warn, final ones at error. */
  readonly logger?: WebhookLogger
  /** Turns an HTTP-date `Retry-After` into a wait; default: the system clock. */
  readonly clock?: Clock
  /** Where `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` are read (see `proxyFor`); default `process.env`. */
  readonly env?: ProxyEnv
}

/**
 * The webhook adapter of the core's `Notifier` port: it routes events to the webhooks whose `on`
 * matches, and makes one delivery attempt per {@link deliver} call. Retries, their spacing and
 * their persistence belong to the core's `Dispatcher` and the store's outbox, so they survive
 * restarts; this class never sleeps.
 *
 * One attempt is one `POST` with Node's `http`/`https`, through a keep-alive agent of its own per
 * webhook (a slow endpoint never holds another's sockets). With `cert`, that agent trusts the file's
 * CAs in addition to the default ones, for that webhook only. Redirects are not followed. With
 * `HTTPS_PROXY` / `HTTP_PROXY` set (and the host not in `NO_PROXY`), the webhook is reached through
 * that proxy: a CONNECT tunnel for `https:` URLs, a proxied request for `http:` ones.
 *
 * Every request carries `Content-Type: application/json` and `User-Agent: timon/<version>` (both
 * may be overridden by the webhook's `headers`), then `X-Timon-Event: <event>` and
 * `X-Timon-Delivery: <delivery id>`, stable across retries and restarts.
 *
 * Outcomes: 2xx is delivered. 429 and 503 honour `Retry-After` (seconds or an HTTP date). Any other
 * 4xx but 408 is final (retrying cannot help) and its error carries the response's first 200 bytes.
 * Anything else (3xx, 408, 5xx, a network or TLS error, the per-attempt timeout) is retried.
 */
export class WebhookNotifier extends ConfiguredNotifier<Target> {
  readonly #hostname: string
  readonly #userAgent: string
  readonly #logger: WebhookLogger
  readonly #clock: Clock

  constructor(options: WebhookNotifierOptions) {
    const env = options.env ?? process.env
    super(
      options.webhooks.map((config) => createTarget(config, env)),
      (target) => target.config,
    )
    this.#hostname = options.hostname ?? defaultHostname()
    this.#userAgent = `timon/${options.version ?? packageVersion(import.meta.url)}`
    this.#logger = options.logger ?? SILENT_LOG
    this.#clock = options.clock ?? new SystemClock()
  }

  /**
   * Makes one attempt to deliver `delivery` to its webhook, bounded by `retry.timeout`. It never
   * throws for a delivery failure: the outcome says what happened.
   */
  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const target = this.target(delivery.target)
    if (target === undefined) return { ok: false, error: `no webhook named "${delivery.target}"`, final: true }
    const { name } = target.config
    const what = `webhook "${name}": ${delivery.event.name} (delivery ${delivery.deliveryId}, attempt ${delivery.attempts + 1})`

    let request: { readonly url: string; readonly body: string }
    try {
      request = this.#buildRequest(target, delivery)
    } catch (error) {
      const outcome = { ok: false, error: `cannot build the body: ${errorMessage(error)}`, final: true } as const
      this.#logger.error(`${what} failed: ${outcome.error}`)
      return outcome
    }

    const started = performance.now()
    const result = await post(target, request.url, this.#headers(target, delivery, request.body), request.body)
    const outcome = this.#classify(result)
    const took = `${Math.round(performance.now() - started)}ms`
    if (outcome.ok) this.#logger.debug(`${what} delivered in ${took}`)
    else if (outcome.final === true) this.#logger.error(`${what} failed for good after ${took}: ${outcome.error}`)
    else this.#logger.warn(`${what} failed after ${took}: ${outcome.error}`)
    return outcome
  }

  /** Closes the keep-alive sockets. Attempts in flight fail; the notifier must not be used after. */
  close(): void {
    for (const target of this.targets) target.agent.destroy()
  }

  // --- internal ---

  #buildRequest(target: Target, delivery: Delivery): { readonly url: string; readonly body: string } {
    const { body, preset, url } = target.config
    const payload = buildPayload(delivery.event, this.#hostname)
    if (body === undefined && preset !== undefined) return PRESETS[preset].build(payload, target.config)
    return { url, body: renderBody(payload, body) }
  }

  #headers(target: Target, delivery: Delivery, body: string): Record<string, string> {
    const headers = new Map<string, [string, string]>()
    const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value])
    set('Content-Type', 'application/json')
    set('User-Agent', this.#userAgent)
    for (const [name, value] of Object.entries(target.config.headers)) set(name, value)
    set('X-Timon-Event', delivery.event.name)
    set('X-Timon-Delivery', delivery.deliveryId)
    set('Content-Length', String(Buffer.byteLength(body)))
    return Object.fromEntries(headers.values())
  }

  #classify(result: PostResult): DeliveryOutcome {
    if (result.kind === 'error') return { ok: false, error: result.message }
    const { status } = result
    if (status >= 200 && status < 300) return { ok: true }
    const error = describeStatus(result)
    if (status >= 300 && status < 400) {
      const location = result.headers.location
      return {
        ok: false,
        error: `HTTP ${status}: redirects are not followed${location === undefined ? '' : ` (Location: ${location})`}`,
      }
    }
    if (status === 429 || status === 503) {
      const wait = parseRetryAfter(result.headers['retry-after'], this.#clock.now())
      return wait === undefined ? { ok: false, error } : { ok: false, error, retryAfterMs: wait }
    }
    if (status >= 400 && status < 500 && status !== 408) return { ok: false, error, final: true }
    return { ok: false, error }
  }
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds: a number of seconds, or an HTTP date
 * (relative to `now`; a date in the past means no wait). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined
  return Math.max(0, at - now.getTime())
}

// --- internal ---

interface Target {
  readonly config: WebhookConfig
  readonly agent: http.Agent
  readonly timeoutMs: number
  /** The proxy of an `http:` webhook (an `https:` one's agent tunnels through its proxy itself). */
  readonly httpProxy?: URL
}

/** At most this much of an error response is read (the rest is dropped with the socket). */
const MAX_ERROR_BODY = 64 * 1024
/** The response bytes quoted in an error. */
const QUOTED_BYTES = 200
/** The longest timer Node can arm (about 24.8 days); longer timeouts mean "no timeout" anyway. */
const MAX_TIMER_MS = 2 ** 31 - 1

function createTarget(config: WebhookConfig, env: ProxyEnv): Target {
  // A preset may post elsewhere than `url`, but on the same origin (e.g. Telegram's API).
  const proxy = proxyFor(config.url, env)
  const agent = createKeepAliveAgent(config.url, { ca: config.cert?.pem, ...(proxy === undefined ? {} : { proxy }) })
  const timeoutMs = Math.min(Math.max(1, config.retry.timeoutMs), MAX_TIMER_MS)
  return proxy === undefined || config.url.startsWith('https:')
    ? { config, agent, timeoutMs }
    : { config, agent, timeoutMs, httpProxy: proxy }
}

type PostResult =
  | {
      readonly kind: 'response'
      readonly status: number
      readonly statusMessage: string
      readonly headers: http.IncomingHttpHeaders
      readonly firstBytes: Buffer
    }
  | { readonly kind: 'error'; readonly message: string }

/**
 * One delivery attempt: one POST, bounded by the webhook's timeout. A request that fails with
 * ECONNRESET/EPIPE before any answer on a *reused* keep-alive socket (the server closed it as we
 * sent) is sent once more, at once, within the same time budget, through p-retry (one retry, no
 * wait): that race is not the endpoint failing. Retries between attempts are the Dispatcher's,
 * durable in the outbox, not this function's.
 */
async function post(target: Target, url: string, headers: Record<string, string>, body: string): Promise<PostResult> {
  const deadline = performance.now() + target.timeoutMs
  try {
    return await pRetry(
      async () => {
        const result = await postOnce(target, url, headers, body, Math.max(1, Math.round(deadline - performance.now())))
        if (result.kind === 'reused-socket-reset') throw new ReusedSocketReset(result.message)
        return result
      },
      { retries: 1, minTimeout: 0, maxTimeout: 0, randomize: false },
    )
  } catch (error) {
    return { kind: 'error', message: errorMessage(error) }
  }
}

/** A reused keep-alive socket was reset before any answer: worth one immediate retry. */
class ReusedSocketReset extends Error {
  override readonly name = 'ReusedSocketReset'
}

function postOnce(
  target: Target,
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostResult | { readonly kind: 'reused-socket-reset'; readonly message: string }> {
  return new Promise((resolve) => {
    const isHttps = url.startsWith('https:')
    const options = { method: 'POST', agent: target.agent, headers }
    let request: http.ClientRequest
    if (isHttps) request = https.request(url, options)
    else if (target.httpProxy === undefined) request = http.request(url, options)
    else {
      const via = viaHttpProxy(url, target.httpProxy)
      request = http.request({ ...options, ...via, headers: { ...headers, ...via.headers } })
    }
    let settled = false
    let timedOut = false
    let responded = false
    const settle = (result: PostResult | { readonly kind: 'reused-socket-reset'; readonly message: string }) => {
      if (!settled) {
        settled = true
        resolve(result)
      }
    }
    const timer = setTimeout(() => {
      timedOut = true
      request.destroy(new Error(`timed out after ${formatMs(target.timeoutMs)}`))
    }, timeoutMs)
    request.on('close', () => clearTimeout(timer))

    request.on('error', (error: NodeJS.ErrnoException) => {
      const message = timedOut ? error.message : describeError(error)
      const resetEarly = !responded && !timedOut && (error.code === 'ECONNRESET' || error.code === 'EPIPE')
      settle(resetEarly && request.reusedSocket ? { kind: 'reused-socket-reset', message } : { kind: 'error', message })
    })

    request.on('response', (response) => {
      responded = true
      const status = response.statusCode ?? 0
      const chunks: Buffer[] = []
      let size = 0
      const result = (firstBytes: Buffer): PostResult => ({
        kind: 'response',
        status,
        statusMessage: response.statusMessage ?? '',
        headers: response.headers,
        firstBytes,
      })
      response.on('error', () => {
        // The status line arrived: the outcome is known even if the body breaks off.
        settle(result(Buffer.concat(chunks)))
      })
      // A 2xx is delivered as soon as its status arrives; the body is only drained.
      if (status >= 200 && status < 300) {
        settle(result(Buffer.alloc(0)))
        response.resume()
        return
      }
      response.on('data', (chunk: Buffer) => {
        if (size < QUOTED_BYTES) chunks.push(chunk)
        size += chunk.length
        if (size >= QUOTED_BYTES) settle(result(Buffer.concat(chunks)))
        if (size > MAX_ERROR_BODY) response.destroy()
      })
      response.on('end', () => settle(result(Buffer.concat(chunks))))
      response.on('close', () => settle(result(Buffer.concat(chunks))))
    })
    // A catch-all: whatever happened, the attempt ends when the request closes.
    request.on('close', () => settle({ kind: 'error', message: 'the connection closed without an answer' }))

    request.end(body)
  })
}

function describeStatus(result: Extract<PostResult, { kind: 'response' }>): string {
  const text = result.firstBytes.subarray(0, QUOTED_BYTES).toString('utf8').replace(/\s+/g, ' ').trim()
  const reason = result.statusMessage === '' ? '' : ` ${result.statusMessage}`
  return `HTTP ${result.status}${reason}${text === '' ? '' : `: ${text}`}`
}

function describeError(error: NodeJS.ErrnoException): string {
  const code = error.code
  const message =
    error.message ||
    (error instanceof AggregateError
      ? error.errors.map((inner: unknown) => errorMessage(inner)).join('; ')
      : String(error))
  return code === undefined || message.includes(code) ? message : `${message} (${code})`
}

function formatMs(ms: number): string {
  return ms < 1000 || ms % 1000 !== 0 ? `${ms}ms` : `${ms / 1000}s`
}
