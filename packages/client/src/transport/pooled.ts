/**
 * A minimal HTTP/1.1 client over `node:net` (or `node:tls`) sockets, the base of the transports of
 * {@link TimonClient}: loading `node:http` costs a short-lived `timon push` several milliseconds,
 * and the client needs very little of it. One request per call, on a kept-alive connection: an idle
 * one is reused, another is opened while all are busy (up to a small pool), and requests wait for a
 * free one past that. Where the connections go (a Unix socket, a TCP address, TLS) is the
 * subclass's {@link PooledTransport.dial}; streams (a run's output, a log) are its `openStream`.
 *
 * What it speaks: requests with a `Content-Length` body (or none); answers framed by
 * `Content-Length`, `Transfer-Encoding: chunked`, or the end of the connection; `1xx` interim
 * answers skipped. Parsing is strict: anything else is a `protocol` failure that names the problem,
 * and the connection is dropped.
 */
import type { Socket } from 'node:net'
import { MAX_RESPONSE_BYTES, ResponseParser } from './response-parser.js'
import type {
  ConnectionFailure,
  HttpResponse,
  StreamRequest,
  StreamResult,
  Transport,
  TransportResult,
} from './transport.js'

/** Options every pooled transport takes. */
export interface PooledTransportOptions {
  /** How long a request may take in all, waiting for a connection included, in ms (default 30 s). */
  readonly timeoutMs?: number
  /** The most connections open at once (default 8). */
  readonly maxConnections?: number
  /** Idle connections are closed after this long, in ms (default 20 s, under the daemon's 30 s). */
  readonly idleTimeoutMs?: number
  /** The largest answer body accepted (default {@link MAX_RESPONSE_BYTES}). */
  readonly maxResponseBytes?: number
  /** Headers sent with every request (`Host: timon` and `Accept: application/json` unless given here; a stream's own override them). */
  readonly headers?: Readonly<Record<string, string>>
}

/** A new connection, and the event that says it is ready for a request (`connect`, or `secureConnect` for TLS). */
export interface Dialed {
  readonly socket: Socket
  readonly readyEvent: 'connect' | 'secureConnect'
}

/**
 * A pool of kept-alive HTTP/1.1 connections to one daemon. {@link request} never rejects: it
 * resolves with the answer, whatever its status, or with a {@link ConnectionFailure}.
 *
 * A request sent on a reused connection that the server had closed while it was idle (it breaks or
 * ends before a single byte of the answer) is sent again, once, on a new connection, as HTTP
 * clients do: the server never read it.
 */
export abstract class PooledTransport implements Transport {
  readonly timeoutMs: number
  readonly #maxConnections: number
  readonly #idleTimeoutMs: number
  readonly #maxResponseBytes: number
  readonly #headers: Readonly<Record<string, string>>
  readonly #fixedHeaders: string
  /** Every open connection, busy or idle. */
  readonly #open = new Set<Connection>()
  /** The idle ones, most recently used last. */
  readonly #idle: Connection[] = []
  /** Requests waiting for a connection, oldest first. */
  readonly #waiting: Exchange[] = []

  constructor(options: PooledTransportOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000
    this.#maxConnections = Math.max(1, options.maxConnections ?? 8)
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 20_000
    this.#maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES
    const headers: Record<string, string> = { Host: 'timon', Accept: 'application/json', ...options.headers }
    let fixed = ''
    for (const [name, value] of Object.entries(headers)) {
      // The value is not named: it may be a secret (Authorization).
      if (!TOKEN.test(name) || !FIELD_VALUE.test(value))
        throw new TypeError(`invalid header ${JSON.stringify(name)}: its value holds a character a header cannot carry`)
      fixed += `${name}: ${value}\r\n`
    }
    this.#headers = headers
    this.#fixedHeaders = fixed
  }

  /** Where the daemon is, as messages name it (a socket path or a URL). */
  abstract readonly address: string

  /** Opens a new connection to the daemon. */
  protected abstract dial(): Dialed

  /** Opens a streamed exchange with `headers` (this transport's under the request's own) over `node:http` or `node:https`. */
  abstract openStream(request: StreamRequest): Promise<StreamResult>

  /** Why a new connection must not be opened (an untrusted socket), or `undefined`. */
  protected refuse(): string | undefined {
    return undefined
  }

  /** The headers sent with every request, for subclasses' streams. */
  protected get headers(): Readonly<Record<string, string>> {
    return this.#headers
  }

  /** Connections open now (busy or idle). */
  get openConnections(): number {
    return this.#open.size
  }

  /**
   * Sends `method path` with `body` (sent with its `Content-Length` and `contentType`) and resolves
   * with the whole answer or why there is none.
   */
  request(method: string, path: string, body?: string, contentType = 'application/json'): Promise<TransportResult> {
    if (!TOKEN.test(method))
      return Promise.resolve(failure('invalid', `invalid request method ${JSON.stringify(method)}`))
    if (!REQUEST_TARGET.test(path))
      return Promise.resolve(
        failure(
          'invalid',
          `invalid request path ${JSON.stringify(path)}: it must start with "/" and hold printable ASCII only`,
        ),
      )
    if (body !== undefined && !FIELD_VALUE.test(contentType))
      return Promise.resolve(failure('invalid', `invalid Content-Type ${JSON.stringify(contentType)}`))
    let head = `${method} ${path} HTTP/1.1\r\n${this.#fixedHeaders}`
    if (body !== undefined) head += `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
    const text = `${head}\r\n${body ?? ''}`
    return new Promise((resolve) => {
      const exchange: Exchange = {
        method,
        text,
        resolve,
        retried: false,
        connection: undefined,
        timer: undefined,
        done: false,
      }
      exchange.timer = setTimeout(() => this.#timedOut(exchange), this.timeoutMs)
      this.#dispatch(exchange)
    })
  }

  /**
   * Closes every connection. Requests in flight or waiting fail as `closed`; later requests open
   * new connections.
   */
  close(): void {
    for (const exchange of this.#waiting.splice(0)) this.#settle(exchange, failure('closed', 'the client was closed'))
    for (const connection of [...this.#open]) {
      if (connection.exchange !== undefined)
        this.#settle(connection.exchange, failure('closed', 'the client was closed'))
      this.#drop(connection)
    }
  }

  // --- internal ---

  /** Puts `exchange` on an idle connection, on a new one, or in the queue. */
  #dispatch(exchange: Exchange): void {
    // A request sent again after a stale idle connection goes on a new one: the others may be stale too.
    const idle = exchange.retried ? undefined : this.#idle.pop()
    if (idle !== undefined) {
      this.#start(idle, exchange)
      return
    }
    if (this.#open.size < this.#maxConnections) {
      const refused = this.refuse()
      if (refused !== undefined) {
        this.#settle(exchange, failure('untrusted', refused))
        return
      }
      this.#start(this.#connect(), exchange)
      return
    }
    this.#waiting.push(exchange)
  }

  #connect(): Connection {
    const { socket, readyEvent } = this.dial()
    const connection: Connection = { socket, connected: false, served: 0, exchange: undefined, parser: undefined }
    this.#open.add(connection)
    // For TLS, a connection is up once the handshake is done: a refused certificate is a connect failure.
    socket.once(readyEvent, () => {
      connection.connected = true
    })
    socket.on('data', (chunk: Buffer) => this.#onData(connection, chunk))
    socket.on('end', () => this.#onEnd(connection))
    socket.on('error', (error: NodeJS.ErrnoException) =>
      this.#onBroken(connection, error.code ?? 'EUNKNOWN', error.message),
    )
    socket.on('close', () => this.#onBroken(connection, 'ECONNRESET', 'the connection was closed'))
    socket.on('timeout', () => {
      // Only idle connections have a socket timeout.
      if (connection.exchange === undefined) this.#drop(connection)
    })
    return connection
  }

  #start(connection: Connection, exchange: Exchange): void {
    exchange.connection = connection
    connection.exchange = exchange
    connection.parser = new ResponseParser(exchange.method, this.#maxResponseBytes)
    connection.socket.ref()
    if (connection.served > 0) connection.socket.setTimeout(0)
    connection.socket.write(exchange.text)
  }

  #onData(connection: Connection, chunk: Buffer): void {
    const { exchange, parser } = connection
    if (exchange === undefined || parser === undefined) {
      // Nothing was asked: a server that talks out of turn is not one to reuse.
      this.#drop(connection)
      return
    }
    let parsed: HttpResponse | undefined
    try {
      parsed = parser.feed(chunk)
    } catch (error) {
      this.#fail(connection, failure('protocol', (error as Error).message))
      return
    }
    if (parsed !== undefined) this.#complete(connection, exchange, parsed, parser.reusable)
  }

  /** The server ended its side: an answer read to the connection's end is complete, anything else is cut. */
  #onEnd(connection: Connection): void {
    const { exchange, parser } = connection
    if (exchange === undefined || parser === undefined) {
      this.#drop(connection)
      return
    }
    if (!parser.started) {
      this.#lost(connection, exchange, 'ECONNRESET', 'the daemon closed the connection without answering')
      return
    }
    let parsed: HttpResponse
    try {
      parsed = parser.end()
    } catch (error) {
      this.#fail(connection, failure('closed', (error as Error).message, 'ECONNRESET'))
      return
    }
    this.#complete(connection, exchange, parsed, false)
  }

  #onBroken(connection: Connection, code: string, message: string): void {
    const { exchange } = connection
    if (exchange === undefined) {
      this.#drop(connection)
      return
    }
    if (!connection.connected) {
      this.#drop(connection)
      this.#settle(exchange, failure('connect', `connect ${code}`, code))
      return
    }
    if (connection.parser?.started === true) {
      this.#fail(connection, failure('closed', message, code))
      return
    }
    this.#lost(connection, exchange, code, message)
  }

  /** The connection broke before any byte of the answer: retried once when it was a reused one. */
  #lost(connection: Connection, exchange: Exchange, code: string, message: string): void {
    const reused = connection.served > 0
    this.#drop(connection)
    if (reused && !exchange.retried) {
      exchange.retried = true
      exchange.connection = undefined
      this.#dispatch(exchange)
      return
    }
    this.#settle(exchange, failure('closed', message, code))
  }

  #complete(connection: Connection, exchange: Exchange, response: HttpResponse, reusable: boolean): void {
    connection.exchange = undefined
    connection.parser = undefined
    connection.served += 1
    exchange.connection = undefined
    this.#settle(exchange, { ok: true, response })
    if (!reusable || connection.socket.destroyed) {
      this.#drop(connection)
      return
    }
    const next = this.#waiting.shift()
    if (next !== undefined) {
      this.#start(connection, next)
      return
    }
    connection.socket.unref()
    connection.socket.setTimeout(this.#idleTimeoutMs)
    this.#idle.push(connection)
  }

  /** Fails the connection's request with `result` and drops the connection. */
  #fail(connection: Connection, result: TransportResult): void {
    const { exchange } = connection
    this.#drop(connection)
    if (exchange !== undefined) this.#settle(exchange, result)
  }

  #timedOut(exchange: Exchange): void {
    exchange.timer = undefined
    const waiting = this.#waiting.indexOf(exchange)
    if (waiting !== -1) this.#waiting.splice(waiting, 1)
    if (exchange.connection !== undefined) this.#drop(exchange.connection)
    this.#settle(exchange, failure('timeout', `no answer within ${this.timeoutMs} ms`))
  }

  /** Closes `connection` and forgets it; a waiting request then gets a new connection. */
  #drop(connection: Connection): void {
    if (!this.#open.delete(connection)) return
    const idle = this.#idle.indexOf(connection)
    if (idle !== -1) this.#idle.splice(idle, 1)
    const { exchange } = connection
    connection.exchange = undefined
    connection.parser = undefined
    if (exchange !== undefined) exchange.connection = undefined
    connection.socket.destroy()
    const next = this.#waiting.shift()
    if (next !== undefined) this.#dispatch(next)
  }

  #settle(exchange: Exchange, result: TransportResult): void {
    if (exchange.done) return
    exchange.done = true
    if (exchange.timer !== undefined) clearTimeout(exchange.timer)
    exchange.resolve(result)
  }
}

// --- internal ---

interface Connection {
  readonly socket: Socket
  connected: boolean
  /** Answers read on it so far: a connection that served one is a reused one. */
  served: number
  exchange: Exchange | undefined
  parser: ResponseParser | undefined
}

interface Exchange {
  readonly method: string
  /** The whole request, head and body. */
  readonly text: string
  readonly resolve: (result: TransportResult) => void
  retried: boolean
  connection: Connection | undefined
  timer: NodeJS.Timeout | undefined
  done: boolean
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
const REQUEST_TARGET = /^\/[\x21-\x7e]*$/

function failure(kind: ConnectionFailure['kind'], message: string, code?: string): TransportResult {
  return { ok: false, failure: code === undefined ? { kind, message } : { kind, message, code } }
}
