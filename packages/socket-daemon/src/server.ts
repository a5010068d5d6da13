import { chmod, chown } from 'node:fs/promises'
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { toWireJson } from '@timon/client'
import { StoreFault, errorMessage, validation } from '@timon/core'
import { admit, checkCode, codeOfTarget, isAnswer, neededScope, type AccessControl, type Grant } from './http/access.js'
import { DEFAULT_MAX_CONNECTIONS, guardConnections } from './http/connection-guard.js'
import type { Mount } from './dashboard/mount.js'
import { answerPing, isPingPath, PING_BODY_BYTES, redactPingPath } from './http/ping.js'
import type { Logger } from './logger.js'
import { matchRoute } from './routes/table.js'
import { STORE_FAULT_CODE, errorAnswer, type RouteAnswer, type RouteContext } from './routes/types.js'

/** The largest request body accepted: 1 MiB. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024

/** Options of {@link ApiServer}. */
export interface ApiServerOptions {
  readonly context: RouteContext
  readonly log: Logger
  /** Called after a route that may have moved a deadline or queued deliveries has answered. */
  readonly onChange?: (change: { readonly deliveries: boolean }) => void
  /** Default {@link MAX_REQUEST_BODY_BYTES}. */
  readonly maxBodyBytes?: number
  /** How long {@link ApiServer.close} lets requests in flight finish before cutting them, in ms (default 10 s). */
  readonly closeGraceMs?: number
  /** Bearer tokens for every route but the public ones (the TCP listener); without it, none is asked (the Unix socket). */
  readonly access?: AccessControl
  /** Serve HTTPS with this PEM certificate chain and key. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer }
  /** The cap on open connections (idle ones make room, see `guardConnections`); default {@link DEFAULT_MAX_CONNECTIONS}. */
  readonly maxConnections?: number
  /** A handler for the paths no route knows (the dashboard), tried before answering 404. */
  readonly mount?: Mount
}

/** A client must have sent its complete request headers (and, under TLS, its handshake) within this long, in ms. */
export const HEADERS_TIMEOUT_MS = 10_000

/** An idle keep-alive connection is closed after this long, in ms. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000

/**
 * The wire API over HTTP/1.1 on a Unix socket. Around the route table it handles the HTTP layer:
 * bodies over the cap are answered 413 (after reading them, so the client sees the answer, then
 * the connection is closed), a POST without `Content-Type: application/json` 415, an unknown path
 * 404, a known path with another method 405, malformed JSON 400. Anything a route throws is a bug:
 * it is logged with its stack and answered 500 `internal`; the server keeps serving.
 */
export class ApiServer {
  /** The underlying `node:http` server. */
  readonly server: Server
  readonly #context: RouteContext
  readonly #log: Logger
  readonly #onChange: ((change: { readonly deliveries: boolean }) => void) | undefined
  readonly #maxBodyBytes: number
  readonly #closeGraceMs: number
  readonly #access: AccessControl | undefined
  readonly #mount: Mount | undefined
  /** Aborted by {@link close}: streaming routes end their exchanges. */
  readonly #stopping = new AbortController()
  #closing = false

  constructor(options: ApiServerOptions) {
    this.#context = options.context
    this.#log = options.log
    this.#onChange = options.onChange
    this.#maxBodyBytes = options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES
    this.#closeGraceMs = options.closeGraceMs ?? 10_000
    this.#access = options.access
    this.#mount = options.mount
    // No server-wide request timeout: a run's output is one request as long as the run. JSON bodies
    // get their own limit (readBody); headers must come within 10 s, checked every second (Node's
    // default sweep, every 30 s, let a silent client hold a connection for up to 40 s).
    const http: ServerOptions = {
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      requestTimeout: 0,
      headersTimeout: HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: 1_000,
    }
    const serve = (req: IncomingMessage, res: ServerResponse) => void this.#serve(req, res)
    this.server =
      options.tls === undefined
        ? createServer(http, serve)
        : createTlsServer(
            { ...http, cert: options.tls.cert, key: options.tls.key, handshakeTimeout: HEADERS_TIMEOUT_MS },
            serve,
          )
    guardConnections(this.server, options.maxConnections ?? DEFAULT_MAX_CONNECTIONS)
    // `Expect: 100-continue`: refuse an announced oversized body before it is sent.
    this.server.on('checkContinue', (req, res) => {
      if (declaredLength(req) > this.#maxBodyBytes) {
        this.#send(res, this.#tooLarge(), true)
        return
      }
      res.writeContinue()
      void this.#serve(req, res)
    })
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy()
        return
      }
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
      const body = `${JSON.stringify({ error: { code: 'validation', message: `bad HTTP request: ${error.message}` } })}\n`
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      )
    })
  }

  /**
   * Listens on the Unix socket `path`, then sets its mode (and group, when `gid` is given). The
   * socket is created with no access for others (umask 0177), so it is never reachable with a
   * wider mode than configured, even for an instant.
   */
  async listen(path: string, mode: number, gid?: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const restore = setUmask(0o177)
      try {
        this.server.once('error', reject)
        this.server.listen(path, () => {
          this.server.off('error', reject)
          resolve()
        })
      } finally {
        restore()
      }
    })
    if (gid !== undefined) await chown(path, -1, gid)
    await chmod(path, mode)
  }

  /** Listens on TCP `host`:`port` (`port` 0 picks a free one); resolves with the port bound. */
  async listenTcp(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const address = this.server.address()
    return typeof address === 'object' && address !== null ? address.port : port
  }

  /**
   * Stops accepting connections, lets requests in flight finish (their connections close once
   * answered), closes idle keep-alive connections, and resolves when every connection is gone.
   * Connections still busy after the grace period are cut.
   */
  async close(): Promise<void> {
    this.#closing = true
    this.#stopping.abort()
    if (!this.server.listening) return
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeIdleConnections()
    const sweep = setInterval(() => this.server.closeIdleConnections(), 25)
    const cut = setTimeout(() => this.server.closeAllConnections(), this.#closeGraceMs)
    try {
      await closed
    } finally {
      clearInterval(sweep)
      clearTimeout(cut)
    }
  }

  // --- internal ---

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    let answer: RouteAnswer | undefined
    let close = false
    try {
      const outcome = await this.#answer(req, res)
      answer = outcome.answer
      close = outcome.close
    } catch (error) {
      if (error instanceof StoreFault) {
        // The storage failed, not the daemon: say so (503/507), so a client retries or spools.
        this.#log.warn(`${req.method ?? '?'} ${redactPingPath(req.url ?? '?')} failed: ${error.message}`)
        answer = errorAnswer({ code: STORE_FAULT_CODE[error.kind], message: error.message })
      } else {
        this.#log.error(`${req.method ?? '?'} ${redactPingPath(req.url ?? '?')} failed`, error)
        answer = errorAnswer({ code: 'internal', message: 'internal error' })
      }
    }
    if (answer === undefined) return // the client went away mid-request
    this.#send(res, answer, close)
    if (this.#log.enabled('debug')) {
      const took = (performance.now() - started).toFixed(1)
      const error =
        answer.status >= 400 ? `: ${(answer.body as { error?: { message?: string } }).error?.message ?? ''}` : ''
      this.#log.debug(`${req.method ?? '?'} ${redactPingPath(req.url ?? '?')} ${answer.status} (${took}ms)${error}`)
    }
    if (answer.rearm !== undefined) {
      try {
        this.#onChange?.(answer.rearm)
      } catch (error) {
        this.#log.error('re-arming the scheduler failed', error)
      }
    }
  }

  async #answer(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ answer: RouteAnswer | undefined; close: boolean }> {
    const url = req.url ?? '/'
    const queryAt = url.indexOf('?')
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt)
    const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1))
    const method = req.method ?? 'GET'
    if (isPingPath(pathname)) return this.#ping(req, res, pathname, query)
    const match = matchRoute(method, pathname)
    if (match.kind === 'none' && this.#mount !== undefined && (await this.#mount(req, res)))
      return { answer: undefined, close: false }
    if (match.kind !== 'found') {
      // A body that came with it is left unread: Node drops it and keeps the connection.
      if (match.kind === 'none')
        return {
          answer: errorAnswer({ code: 'not_found', message: `no such route: ${method} ${pathname}` }),
          close: false,
        }
      const allowed = [...new Set(match.allowed)].join(', ')
      const answer = errorAnswer({
        code: 'method_not_allowed',
        message: `${method} is not allowed on ${pathname} (allowed: ${allowed})`,
      })
      return { answer: { ...answer, headers: { Allow: allowed } }, close: false }
    }
    let grant: Grant | undefined
    const need = neededScope(match.route)
    if (this.#access !== undefined && need !== 'public') {
      const admitted = await admit(this.#access, req, need)
      if (isAnswer(admitted)) return { answer: admitted, close: false }
      grant = admitted
      if (match.route.codeIn !== 'body') {
        const param = match.route.codeIn === 'param' ? match.params[0] : undefined
        const denied = checkCode(grant, param === undefined ? undefined : codeOfTarget(param))
        if (denied !== undefined) return { answer: denied, close: false }
      }
    }
    if ('stream' in match.route) {
      const exchange = { req, res, query, params: match.params, signal: this.#stopping.signal }
      const answer = await match.route.stream(this.#context, exchange)
      // After an error the body may be unread: the connection goes.
      return { answer, close: answer !== undefined && answer.status >= 400 }
    }
    const route = match.route
    let body: unknown
    if (route.method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
      if (type !== 'application/json') {
        const message = `Content-Type must be application/json${type === '' ? '' : `, not ${type}`}`
        return { answer: errorAnswer({ code: 'unsupported_media_type', message }), close: false }
      }
      const read = await readBody(req, this.#maxBodyBytes)
      if (read.kind === 'aborted') return { answer: undefined, close: true }
      if (read.kind === 'too_large') return { answer: this.#tooLarge(), close: true }
      try {
        body = JSON.parse(read.text)
      } catch (error) {
        return { answer: errorAnswer(validation(`malformed JSON: ${errorMessage(error)}`)), close: false }
      }
      if (grant !== undefined && route.codeIn === 'body') {
        const code = (body as { code?: unknown } | null)?.code
        const denied = checkCode(grant, typeof code === 'string' ? code : undefined)
        if (denied !== undefined) return { answer: denied, close: false }
      }
    }
    return { answer: await route.handle(this.#context, { body, query, params: match.params }), close: false }
  }

  /** A ping URL: the body (first {@link PING_BODY_BYTES}) as text, a plain-text answer. */
  async #ping(
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
    query: URLSearchParams,
  ): Promise<{ answer: undefined; close: boolean }> {
    const method = req.method ?? 'GET'
    if (method !== 'GET' && method !== 'POST' && method !== 'HEAD') {
      this.#sendText(
        res,
        {
          status: 405,
          text: `${method} is not allowed on ping URLs (allowed: GET, POST, HEAD)`,
          headers: { Allow: 'GET, POST, HEAD' },
        },
        false,
      )
      return { answer: undefined, close: false }
    }
    const read = await readBody(req, this.#maxBodyBytes)
    if (read.kind === 'aborted') return { answer: undefined, close: true }
    if (read.kind === 'too_large') {
      this.#sendText(res, { status: 413, text: `the request body is larger than ${this.#maxBodyBytes} bytes` }, true)
      return { answer: undefined, close: true }
    }
    const body = Buffer.from(read.text, 'utf8')
      .subarray(0, PING_BODY_BYTES)
      .toString('utf8')
      .replace(/\uFFFD$/, '')
    const answer = await answerPing(
      this.#context.monitor,
      this.#context.tokens === undefined ? undefined : { ...this.#access, tokens: this.#context.tokens },
      { pathname, query, body, address: req.socket.remoteAddress },
    )
    this.#sendText(res, answer, false)
    if (answer.status === 200) this.#onChange?.({ deliveries: answer.deliveries })
    return { answer: undefined, close: false }
  }

  #sendText(
    res: ServerResponse,
    answer: { readonly status: number; readonly text: string; readonly headers?: Readonly<Record<string, string>> },
    close: boolean,
  ): void {
    // `OK` exactly as Healthchecks answers; an error is one line.
    const text = answer.status === 200 ? answer.text : `${answer.text}\n`
    res.writeHead(answer.status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      ...answer.headers,
      ...(close || this.#closing ? { Connection: 'close' } : {}),
    })
    res.end(text)
  }

  #tooLarge(): RouteAnswer {
    return errorAnswer({
      code: 'payload_too_large',
      message: `the request body is larger than ${this.#maxBodyBytes} bytes`,
    })
  }

  #send(res: ServerResponse, answer: RouteAnswer, close: boolean): void {
    if (res.headersSent || res.destroyed) {
      // A streaming route failed after it started its answer: cut it, so the client sees it broke.
      if (!res.writableEnded) res.destroy()
      return
    }
    // Encoded once: a text's length would be counted, then the text joined to the headers and
    // encoded again (a history page is some 400 kB).
    const body = Buffer.from(`${toWireJson(answer.body)}\n`)
    res.writeHead(answer.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': body.length,
      ...answer.headers,
      ...(close || this.#closing ? { Connection: 'close' } : {}),
    })
    res.end(body)
  }
}

// --- internal ---

/** Past this much, an oversized body is no longer drained: the connection is cut after the answer. */
const DRAIN_LIMIT = 16 * 1024 * 1024

/** A JSON body must arrive complete within this long, in ms (the connection is cut otherwise). */
const BODY_TIMEOUT_MS = 30_000

type ReadBody =
  | { readonly kind: 'ok'; readonly text: string }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'aborted' }

/**
 * Reads the body up to `max` bytes. A larger body is read to its end and dropped (so the client,
 * still writing, gets the 413 instead of a broken pipe), up to {@link DRAIN_LIMIT}; past that, or
 * when the declared length is past it, the answer comes at once and the connection is cut.
 */
function readBody(req: IncomingMessage, max: number): Promise<ReadBody> {
  return new Promise((resolve) => {
    if (declaredLength(req) > DRAIN_LIMIT) {
      resolve({ kind: 'too_large' })
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (result: ReadBody) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve(result)
    }
    const timer = setTimeout(() => {
      finish({ kind: 'aborted' })
      req.destroy()
    }, BODY_TIMEOUT_MS)
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= max) chunks.push(chunk)
      else chunks.length = 0
      if (size > DRAIN_LIMIT) {
        req.pause()
        finish({ kind: 'too_large' })
      }
    })
    req.on('end', () =>
      finish(size > max ? { kind: 'too_large' } : { kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }),
    )
    req.on('error', () => finish({ kind: 'aborted' }))
    req.on('close', () => finish({ kind: 'aborted' }))
  })
}

function declaredLength(req: IncomingMessage): number {
  const length = Number(req.headers['content-length'] ?? 0)
  return Number.isFinite(length) ? length : 0
}

/** Sets the process umask and returns how to restore it (a no-op where the umask cannot be set, as in worker threads). */
function setUmask(mask: number): () => void {
  try {
    const previous = process.umask(mask)
    return () => process.umask(previous)
  } catch {
    return () => {}
  }
}
