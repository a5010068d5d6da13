/**
 * A minimal HTTP/1.1 client over a Unix socket (`node:net`), for {@link TimonClient}: loading
 * `node:http` costs a short-lived `timon push` several milliseconds, and the client needs very
 * little of it. One request per call, on a kept-alive connection: an idle one is reused, another is
 * opened while all are busy (up to a small pool), and requests wait for a free one past that.
 *
 * What it speaks: requests with a `Content-Length` body (or none); answers framed by
 * `Content-Length`, `Transfer-Encoding: chunked`, or the end of the connection; `1xx` interim
 * answers skipped. Parsing is strict: anything else is a `protocol` failure that names the problem,
 * and the connection is dropped. Loads nothing but `node:net`.
 */
import { createConnection, type Socket } from 'node:net'

/** The largest answer accepted, headers excluded: 64 MiB. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024
/** The largest status line plus headers (or chunked trailers) accepted: 64 KiB. */
export const MAX_HEAD_BYTES = 64 * 1024

/** An answer: its status, its headers (names in lower case, repeated ones joined with `, `), its body. */
export interface HttpResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

/**
 * Why a request failed:
 * - `connect`: no connection could be opened (`code` is the errno code: ENOENT, ECONNREFUSED, EAGAIN…);
 * - `timeout`: no complete answer within the request's time;
 * - `closed`: the connection broke (reset, or closed by the daemon) before the answer was complete;
 * - `protocol`: the answer was not HTTP/1.1 as this client reads it, or was too large;
 * - `invalid`: the request itself cannot be sent (a method or path that would break the framing).
 */
export interface TransportFailure {
  readonly kind: 'connect' | 'timeout' | 'closed' | 'protocol' | 'invalid'
  readonly message: string
  /** The errno code, for `connect` and `closed`. */
  readonly code?: string
}

export type TransportResult = { readonly ok: true; readonly response: HttpResponse } | { readonly ok: false; readonly failure: TransportFailure }

/** Options of a {@link SocketTransport}. */
export interface SocketTransportOptions {
  readonly socketPath: string
  /** How long a request may take in all, waiting for a connection included, in ms (default 30 s). */
  readonly timeoutMs?: number
  /** The most connections open at once (default 8). */
  readonly maxConnections?: number
  /** Idle connections are closed after this long, in ms (default 20 s, under the daemon's 30 s). */
  readonly idleTimeoutMs?: number
  /** The largest answer body accepted (default {@link MAX_RESPONSE_BYTES}). */
  readonly maxResponseBytes?: number
  /** Headers sent with every request (`Host` is always sent: `timon` unless given here). */
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * A pool of kept-alive HTTP/1.1 connections to one Unix socket. {@link request} never rejects: it
 * resolves with the answer, whatever its status, or with a {@link TransportFailure}.
 *
 * A request sent on a reused connection that the server had closed while it was idle (it breaks or
 * ends before a single byte of the answer) is sent again, once, on a new connection, as HTTP
 * clients do: the server never read it.
 */
export class SocketTransport {
  readonly socketPath: string
  readonly #timeoutMs: number
  readonly #maxConnections: number
  readonly #idleTimeoutMs: number
  readonly #maxResponseBytes: number
  readonly #fixedHeaders: string
  /** Every open connection, busy or idle. */
  readonly #open = new Set<Connection>()
  /** The idle ones, most recently used last. */
  readonly #idle: Connection[] = []
  /** Requests waiting for a connection, oldest first. */
  readonly #waiting: Exchange[] = []

  constructor(options: SocketTransportOptions) {
    this.socketPath = options.socketPath
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#maxConnections = Math.max(1, options.maxConnections ?? 8)
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 20_000
    this.#maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES
    const headers: Record<string, string> = { Host: 'timon', ...options.headers }
    let fixed = ''
    for (const [name, value] of Object.entries(headers)) {
      if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) throw new TypeError(`invalid header ${JSON.stringify(name)}: ${JSON.stringify(value)}`)
      fixed += `${name}: ${value}\r\n`
    }
    this.#fixedHeaders = fixed
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
    if (!TOKEN.test(method)) return Promise.resolve(failure('invalid', `invalid request method ${JSON.stringify(method)}`))
    if (!REQUEST_TARGET.test(path)) return Promise.resolve(failure('invalid', `invalid request path ${JSON.stringify(path)}: it must start with "/" and hold printable ASCII only`))
    if (body !== undefined && !FIELD_VALUE.test(contentType)) return Promise.resolve(failure('invalid', `invalid Content-Type ${JSON.stringify(contentType)}`))
    let head = `${method} ${path} HTTP/1.1\r\n${this.#fixedHeaders}`
    if (body !== undefined) head += `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
    const text = `${head}\r\n${body ?? ''}`
    return new Promise((resolve) => {
      const exchange: Exchange = { method, text, resolve, retried: false, connection: undefined, timer: undefined, done: false }
      exchange.timer = setTimeout(() => this.#timedOut(exchange), this.#timeoutMs)
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
      if (connection.exchange !== undefined) this.#settle(connection.exchange, failure('closed', 'the client was closed'))
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
      this.#start(this.#connect(), exchange)
      return
    }
    this.#waiting.push(exchange)
  }

  #connect(): Connection {
    const socket = createConnection({ path: this.socketPath })
    const connection: Connection = { socket, connected: false, served: 0, exchange: undefined, parser: undefined }
    this.#open.add(connection)
    socket.once('connect', () => {
      connection.connected = true
    })
    socket.on('data', (chunk: Buffer) => this.#onData(connection, chunk))
    socket.on('end', () => this.#onEnd(connection))
    socket.on('error', (error: NodeJS.ErrnoException) => this.#onBroken(connection, error.code ?? 'EUNKNOWN', error.message))
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
    this.#settle(exchange, failure('timeout', `no answer within ${this.#timeoutMs} ms`))
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

/**
 * An incremental parser of one HTTP/1.1 answer. {@link feed} it the bytes as they come: it returns
 * the answer once complete, and throws an `Error` naming the problem when the bytes are not a valid
 * answer. Bytes past the end of the answer are an error too (this client never pipelines).
 */
export class ResponseParser {
  readonly #method: string
  readonly #maxBodyBytes: number
  #state: ParserState = 'head'
  #pending: Buffer = EMPTY
  #received = 0
  #status = 0
  #headers: Record<string, string> = {}
  #keepAlive = true
  #remaining = 0
  #bodyBytes = 0
  #trailerBytes = 0
  readonly #body: Buffer[] = []

  constructor(method: string, maxBodyBytes = MAX_RESPONSE_BYTES) {
    this.#method = method
    this.#maxBodyBytes = maxBodyBytes
  }

  /** Whether any byte of the answer came. */
  get started(): boolean {
    return this.#received > 0
  }

  /** Whether the connection may carry another request after this answer (known once the head is read). */
  get reusable(): boolean {
    return this.#keepAlive && this.#state !== 'until-close'
  }

  /** Takes the next bytes; returns the answer when these complete it. */
  feed(chunk: Buffer): HttpResponse | undefined {
    if (chunk.length === 0) return undefined
    if (this.#state === 'done') throw new Error(`the daemon sent ${chunk.length} bytes after its answer`)
    this.#received += chunk.length
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    return this.#run()
  }

  /** The connection ended: returns the answer if it was read to the end of the connection, throws otherwise. */
  end(): HttpResponse {
    if (this.#state === 'until-close') return this.#finish()
    if (this.#received === 0) throw new Error('the daemon closed the connection without answering')
    throw new Error(`the daemon closed the connection in the middle of its answer (${STATE_NAMES[this.#state]})`)
  }

  // --- internal ---

  #run(): HttpResponse | undefined {
    for (;;) {
      switch (this.#state) {
        case 'head': {
          const prefix = Math.min(HTTP_SLASH.length, this.#pending.length)
          if (!this.#pending.subarray(0, prefix).equals(HTTP_SLASH.subarray(0, prefix))) throw new Error(`not an HTTP answer: ${excerpt(this.#pending)}`)
          const end = this.#pending.indexOf(CRLFCRLF)
          if (end === -1) {
            if (this.#pending.length > MAX_HEAD_BYTES) throw new Error(`the answer's headers are over ${MAX_HEAD_BYTES} bytes`)
            return undefined
          }
          if (end > MAX_HEAD_BYTES) throw new Error(`the answer's headers are over ${MAX_HEAD_BYTES} bytes`)
          const head = this.#pending.toString('latin1', 0, end)
          this.#pending = this.#pending.subarray(end + 4)
          this.#head(head)
          continue
        }
        case 'length':
        case 'chunk-data': {
          const take = Math.min(this.#remaining, this.#pending.length)
          if (take > 0) {
            this.#body.push(this.#pending.subarray(0, take))
            this.#pending = this.#pending.subarray(take)
            this.#remaining -= take
          }
          if (this.#remaining > 0) return undefined
          if (this.#state === 'length') return this.#finish()
          this.#state = 'chunk-end'
          continue
        }
        case 'chunk-end': {
          if (this.#pending.length < 2) {
            if (this.#pending.length === 1 && this.#pending[0] !== CR) throw new Error('a chunk of the answer is longer than its size says')
            return undefined
          }
          if (this.#pending[0] !== CR || this.#pending[1] !== LF) throw new Error('a chunk of the answer is longer than its size says')
          this.#pending = this.#pending.subarray(2)
          this.#state = 'chunk-size'
          continue
        }
        case 'chunk-size': {
          const line = this.#line(MAX_CHUNK_LINE, 'a chunk size line')
          if (line === undefined) return undefined
          const match = CHUNK_SIZE.exec(line)
          if (match === null) throw new Error(`bad chunk size line in the answer: ${JSON.stringify(line.slice(0, 40))}`)
          const size = Number.parseInt(match[1] ?? '', 16)
          if (size === 0) {
            this.#state = 'trailers'
            continue
          }
          this.#bodyBytes += size
          this.#checkSize()
          this.#remaining = size
          this.#state = 'chunk-data'
          continue
        }
        case 'trailers': {
          const line = this.#line(MAX_HEAD_BYTES - this.#trailerBytes, 'the trailers')
          if (line === undefined) return undefined
          this.#trailerBytes += line.length + 2
          if (line === '') return this.#finish()
          if (FIELD_LINE.exec(line) === null) throw new Error(`bad trailer line in the answer: ${JSON.stringify(line.slice(0, 40))}`)
          continue
        }
        case 'until-close': {
          this.#bodyBytes += this.#pending.length
          this.#checkSize()
          if (this.#pending.length > 0) this.#body.push(this.#pending)
          this.#pending = EMPTY
          return undefined
        }
        case 'done':
          return undefined
      }
    }
  }

  /** Parses the status line and headers, and decides how the body is framed. */
  #head(head: string): void {
    const lines = head.split('\r\n')
    const statusLine = lines[0] ?? ''
    const status = STATUS_LINE.exec(statusLine)
    if (status === null) throw new Error(`bad status line in the answer: ${JSON.stringify(statusLine.slice(0, 80))}`)
    const minor = status[1]
    const code = Number(status[2])
    const headers: Record<string, string> = {}
    const lengths: string[] = []
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] ?? ''
      const field = FIELD_LINE.exec(line)
      if (field === null) {
        const why = line.startsWith(' ') || line.startsWith('\t') ? 'folded header line' : 'bad header line'
        throw new Error(`${why} in the answer: ${JSON.stringify(line.slice(0, 80))}`)
      }
      const name = (field[1] ?? '').toLowerCase()
      const value = field[2] ?? ''
      if (name === 'content-length') lengths.push(value)
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    }
    if (code < 200) {
      // An interim answer (100 Continue, 102, 103): the real one follows. A 101 switches protocols, which was never asked.
      if (code === 101) throw new Error('the daemon switched protocols (HTTP 101), which was not asked for')
      return
    }
    this.#status = code
    this.#headers = headers
    const connection = (headers.connection ?? '').toLowerCase().split(',').map((token) => token.trim())
    this.#keepAlive = minor === '1' ? !connection.includes('close') : connection.includes('keep-alive')

    const encoding = headers['transfer-encoding']
    if (this.#method === 'HEAD' || code === 204 || code === 304) {
      this.#state = 'length'
      this.#remaining = 0
      return
    }
    if (encoding !== undefined) {
      if (lengths.length > 0) throw new Error('the answer has both Transfer-Encoding and Content-Length')
      if (encoding.trim().toLowerCase() !== 'chunked') throw new Error(`unsupported Transfer-Encoding in the answer: ${JSON.stringify(encoding)}`)
      this.#state = 'chunk-size'
      return
    }
    if (lengths.length > 0) {
      const first = lengths[0] ?? ''
      if (!DIGITS.test(first) || lengths.some((length) => length !== first)) throw new Error(`bad Content-Length in the answer: ${JSON.stringify(lengths.join(', '))}`)
      this.#bodyBytes = Number(first)
      this.#checkSize()
      this.#remaining = this.#bodyBytes
      this.#state = 'length'
      return
    }
    this.#state = 'until-close'
    this.#keepAlive = false
  }

  /** The next CRLF-terminated line (without it), or `undefined` until it is all there. */
  #line(max: number, what: string): string | undefined {
    const end = this.#pending.indexOf(CRLF)
    if (end === -1) {
      if (this.#pending.length > max) throw new Error(`${what} of the answer is over ${max} bytes`)
      return undefined
    }
    if (end > max) throw new Error(`${what} of the answer is over ${max} bytes`)
    const line = this.#pending.toString('latin1', 0, end)
    this.#pending = this.#pending.subarray(end + 2)
    return line
  }

  #checkSize(): void {
    if (this.#bodyBytes > this.#maxBodyBytes) throw new Error(`the answer is over ${this.#maxBodyBytes} bytes (${this.#bodyBytes}): refused`)
  }

  #finish(): HttpResponse {
    this.#state = 'done'
    if (this.#pending.length > 0) throw new Error(`the daemon sent ${this.#pending.length} bytes after its answer`)
    const body = this.#body.length === 1 ? (this.#body[0] ?? EMPTY) : Buffer.concat(this.#body)
    return { status: this.#status, headers: this.#headers, body }
  }
}

// --- internal ---

type ParserState = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done'

const STATE_NAMES: Record<ParserState, string> = {
  head: 'in its headers',
  length: 'in its body',
  'chunk-size': 'in a chunk size',
  'chunk-data': 'in a chunk',
  'chunk-end': 'in a chunk',
  trailers: 'in its trailers',
  'until-close': 'in its body',
  done: 'after it',
}

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

const EMPTY = Buffer.alloc(0)
const CR = 0x0d
const LF = 0x0a
const CRLF = Buffer.from('\r\n', 'latin1')
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1')
const HTTP_SLASH = Buffer.from('HTTP/', 'latin1')
const MAX_CHUNK_LINE = 1024
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
const REQUEST_TARGET = /^\/[\x21-\x7e]*$/
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5][0-9]{2})(?: [\t\x20-\x7e\x80-\xff]*)?$/
const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[\t ]*([\t\x20-\x7e\x80-\xff]*?)[\t ]*$/
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,16})[\t ]*(?:;[\t\x20-\x7e\x80-\xff]*)?$/
const DIGITS = /^[0-9]{1,16}$/

function failure(kind: TransportFailure['kind'], message: string, code?: string): TransportResult {
  return { ok: false, failure: code === undefined ? { kind, message } : { kind, message, code } }
}

function excerpt(bytes: Buffer): string {
  return JSON.stringify(bytes.toString('latin1', 0, Math.min(bytes.length, 40)))
}
