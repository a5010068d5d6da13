/**
 * An incremental parser of HTTP/1.1 answers, for the client's transports. Strict: anything it does
 * not read as HTTP/1.1 is an `Error` naming the problem. Loads nothing.
 */
import type { HttpResponse } from './transport.js'

/** The largest answer accepted, headers excluded: 64 MiB. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024
/** The largest status line plus headers (or chunked trailers) accepted: 64 KiB. */
export const MAX_HEAD_BYTES = 64 * 1024

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
          if (!this.#pending.subarray(0, prefix).equals(HTTP_SLASH.subarray(0, prefix)))
            throw new Error(`not an HTTP answer: ${excerpt(this.#pending)}`)
          const end = this.#pending.indexOf(CRLFCRLF)
          if (end === -1) {
            if (this.#pending.length > MAX_HEAD_BYTES)
              throw new Error(`the answer's headers are over ${MAX_HEAD_BYTES} bytes`)
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
            if (this.#pending.length === 1 && this.#pending[0] !== CR)
              throw new Error('a chunk of the answer is longer than its size says')
            return undefined
          }
          if (this.#pending[0] !== CR || this.#pending[1] !== LF)
            throw new Error('a chunk of the answer is longer than its size says')
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
          if (FIELD_LINE.exec(line) === null)
            throw new Error(`bad trailer line in the answer: ${JSON.stringify(line.slice(0, 40))}`)
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
    const connection = (headers.connection ?? '')
      .toLowerCase()
      .split(',')
      .map((token) => token.trim())
    this.#keepAlive = minor === '1' ? !connection.includes('close') : connection.includes('keep-alive')

    const encoding = headers['transfer-encoding']
    if (this.#method === 'HEAD' || code === 204 || code === 304) {
      this.#state = 'length'
      this.#remaining = 0
      return
    }
    if (encoding !== undefined) {
      if (lengths.length > 0) throw new Error('the answer has both Transfer-Encoding and Content-Length')
      if (encoding.trim().toLowerCase() !== 'chunked')
        throw new Error(`unsupported Transfer-Encoding in the answer: ${JSON.stringify(encoding)}`)
      this.#state = 'chunk-size'
      return
    }
    if (lengths.length > 0) {
      const first = lengths[0] ?? ''
      if (!DIGITS.test(first) || lengths.some((length) => length !== first))
        throw new Error(`bad Content-Length in the answer: ${JSON.stringify(lengths.join(', '))}`)
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
    if (this.#bodyBytes > this.#maxBodyBytes)
      throw new Error(`the answer is over ${this.#maxBodyBytes} bytes (${this.#bodyBytes}): refused`)
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

const EMPTY = Buffer.alloc(0)
const CR = 0x0d
const LF = 0x0a
const CRLF = Buffer.from('\r\n', 'latin1')
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1')
const HTTP_SLASH = Buffer.from('HTTP/', 'latin1')
const MAX_CHUNK_LINE = 1024
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5][0-9]{2})(?: [\t\x20-\x7e\x80-\xff]*)?$/
const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[\t ]*([\t\x20-\x7e\x80-\xff]*?)[\t ]*$/
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,16})[\t ]*(?:;[\t\x20-\x7e\x80-\xff]*)?$/
const DIGITS = /^[0-9]{1,16}$/

function excerpt(bytes: Buffer): string {
  return JSON.stringify(bytes.toString('latin1', 0, Math.min(bytes.length, 40)))
}
