/**
 * The client side of the run log routes (`timon exec`, `timon logs`): one streamed HTTP request
 * each, opened by the client's {@link Transport}. {@link TimonClient} loads this module on first use
 * only, so that a `timon push` never loads `node:http`.
 */
import type { ClientRequest, IncomingMessage } from 'node:http'
import { errorMessage } from '@timon/core/lite'
import { err, ok, type Result } from 'neverthrow'
import { errorOfAnswer, type ClientError } from './errors.js'
import { FrameDecoder, frameHeader, type LogStream, type OutputStream } from './frames.js'
import { clientErrorOf, streamFailureOf, unexpectedAnswer } from './transport/failures.js'
import type { Transport } from './transport/transport.js'
import { fromWire } from './wire.js'

/** What the daemon answers once a run's output has ended. */
export interface OutputSummary {
  /** The run's log file, on the daemon's host. */
  readonly logPath: string
  /** Output bytes the daemon received. */
  readonly received: number
  /** Output bytes cut from the start of the log to keep it under `[exec] max_log_size`. */
  readonly cut: number
}

/** Options of {@link TimonClient.streamOutput}. */
export interface OutputStreamOptions {
  /** How long to wait for the daemon's answer once the output has ended, in ms (default 30 s). */
  readonly timeoutMs?: number
  /**
   * How long output may wait for the daemon to take it, in ms (default 10 s): past that the
   * stream is given up (`timeout`), so that a stuck daemon cannot hold a command's output back.
   */
  readonly stallTimeoutMs?: number
  /** Called once when the stream fails (the daemon refused it, went away or stalled); later writes are dropped. */
  readonly onError?: (error: ClientError) => void
}

/**
 * A run's output on its way to the daemon: one HTTP request whose body is the output as frames.
 * Writing never throws and never blocks; once the stream has failed, writes are dropped.
 */
export interface OutputWriter {
  /**
   * Sends `bytes` of `stream`. Returns `false` when the caller should wait for {@link drained}
   * before writing more (back-pressure); the bytes are taken either way.
   */
  write(stream: OutputStream, bytes: Uint8Array): boolean
  /** Resolves once the output written so far has been handed to the socket, or the stream failed. */
  drained(): Promise<void>
  /** Ends the output and resolves with the daemon's answer (never rejects). */
  end(): Promise<Result<OutputSummary, ClientError>>
  /** Why the stream failed, once it has. */
  readonly error: ClientError | undefined
}

/** One piece of a log as `readLog` yields it: bytes of stdout or stderr, or a note from Timon (UTF-8). */
export interface LogChunk {
  readonly stream: LogStream
  readonly bytes: Uint8Array
}

/** Options of {@link TimonClient.readLog}. */
export interface ReadLogOptions {
  /** Keep reading the run's new output until the run has ended (`timon logs --follow`). */
  readonly follow?: boolean
  /** How long to wait for the daemon's first answer, in ms (default 30 s). */
  readonly timeoutMs?: number
}

/**
 * Opens `POST /v1/runs/{code}:{uid}/output` through `transport`. The request is sent at once (so a
 * refusal comes early); bytes written before the connection is up are buffered.
 */
export async function openOutputStream(
  transport: Transport,
  code: string,
  uid: string,
  options: OutputStreamOptions = {},
): Promise<OutputWriter> {
  const path = `/v1/runs/${encodeURIComponent(`${code}:${uid}`)}/output`
  const opened = await transport.openStream({
    method: 'POST',
    path,
    headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json' },
  })
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!opened.ok) return new FailedOutputWriter(clientErrorOf(opened.failure, transport.address, timeoutMs), options)
  return new HttpOutputWriter(transport.address, opened.request, options)
}

/**
 * Opens `GET /v1/runs/{target}/log` through `transport` and resolves once the daemon has answered:
 * with the log's chunks to iterate, or the daemon's error (`not_found`: `sample or run does not
 * exist`, `no output was recorded for this run`). Iterating throws an `Error` when the connection
 * breaks before the end.
 */
export async function openLogReader(
  transport: Transport,
  target: string,
  options: ReadLogOptions = {},
): Promise<Result<AsyncIterable<LogChunk>, ClientError>> {
  const address = transport.address
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const path = `/v1/runs/${encodeURIComponent(target)}/log${options.follow === true ? '?follow=true' : ''}`
  const opened = await transport.openStream({ method: 'GET', path, headers: { Accept: 'application/octet-stream' } })
  if (!opened.ok) return err(clientErrorOf(opened.failure, address, timeoutMs))
  const req = opened.request
  return new Promise((resolve) => {
    let answered = false
    const connected = watchConnect(req)
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) resolve(err(clientErrorOf(streamFailureOf(error, connected()), address, timeoutMs)))
    })
    req.on('response', (res) => {
      answered = true
      req.setTimeout(0)
      if (res.statusCode !== 200) {
        void readAnswer(address, res).then((answer) =>
          resolve(answer.isErr() ? err(answer.error) : err(unexpectedAnswer(address, res.statusCode ?? 0))),
        )
        return
      }
      resolve(ok(chunksOf(address, res)))
    })
    req.end()
  })
}

// --- internal ---

const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_STALL_TIMEOUT_MS = 10_000

/** Tells, from then on, whether the request's connection is up. */
function watchConnect(req: ClientRequest): () => boolean {
  let connected = false
  req.on('socket', (socket) => {
    if (socket.connecting) socket.once('connect', () => (connected = true))
    else connected = true
  })
  return () => connected
}

/** The writer of a stream that could not be opened: it takes nothing and ends with its error. */
class FailedOutputWriter implements OutputWriter {
  readonly error: ClientError

  constructor(error: ClientError, options: OutputStreamOptions) {
    this.error = error
    options.onError?.(error)
  }

  write(): boolean {
    return true
  }

  drained(): Promise<void> {
    return Promise.resolve()
  }

  end(): Promise<Result<OutputSummary, ClientError>> {
    return Promise.resolve(err(this.error))
  }
}

class HttpOutputWriter implements OutputWriter {
  readonly #address: string
  readonly #req: ClientRequest
  readonly #timeoutMs: number
  readonly #stallTimeoutMs: number
  readonly #onError: ((error: ClientError) => void) | undefined
  #error: ClientError | undefined
  #answer: Result<OutputSummary, ClientError> | undefined
  readonly #answered: Promise<void>
  #settle!: () => void
  readonly #connected: () => boolean
  #stall: NodeJS.Timeout | undefined
  #ended = false
  #answering = false

  constructor(address: string, req: ClientRequest, options: OutputStreamOptions) {
    this.#address = address
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.#stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS
    this.#onError = options.onError
    this.#answered = new Promise((resolve) => (this.#settle = resolve))
    this.#req = req
    this.#connected = watchConnect(req)
    req.on('error', (error: NodeJS.ErrnoException) => {
      // Once an answer came, it says why (the write that failed after it does not).
      if (!this.#answering)
        this.#fail(clientErrorOf(streamFailureOf(error, this.#connected()), address, this.#timeoutMs))
    })
    req.on('response', (res) => {
      this.#answering = true
      void readAnswer(address, res).then((answer) => {
        const summary: Result<OutputSummary, ClientError> = answer.isErr()
          ? err(answer.error)
          : res.statusCode === 200
            ? ok(answer.value as OutputSummary)
            : err(unexpectedAnswer(address, res.statusCode ?? 0))
        // An answer before the end is a refusal (unknown run, output already recorded, …).
        if (summary.isErr() || !this.#ended)
          this.#fail(summary.isErr() ? summary.error : unexpectedAnswer(address, res.statusCode ?? 0))
        else {
          this.#answer = summary
          this.#clearStall()
          this.#settle()
        }
      })
    })
    req.on('drain', () => this.#clearStall())
    req.flushHeaders()
  }

  get error(): ClientError | undefined {
    return this.#error
  }

  write(stream: OutputStream, bytes: Uint8Array): boolean {
    if (this.#error !== undefined || this.#ended || bytes.length === 0) return true
    // One chunk of the chunked body per frame, not two.
    this.#req.cork()
    this.#req.write(frameHeader(stream, bytes.length))
    const ready = this.#req.write(bytes)
    this.#req.uncork()
    if (!ready && this.#stall === undefined) {
      this.#stall = setTimeout(() => {
        this.#fail({
          code: 'timeout',
          message: `the Timon daemon at ${this.#address} did not take the output for ${this.#stallTimeoutMs} ms`,
        })
      }, this.#stallTimeoutMs)
      // Never what keeps a process alive: the stream is not worth waiting for.
      this.#stall.unref()
    }
    return ready
  }

  drained(): Promise<void> {
    if (this.#error !== undefined || !this.#req.writableNeedDrain) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.#req.off('drain', done)
        resolve()
      }
      this.#req.once('drain', done)
      // A failure settles the answer: no 'drain' comes after it.
      void this.#answered.then(done)
    })
  }

  async end(): Promise<Result<OutputSummary, ClientError>> {
    if (!this.#ended && this.#error === undefined) {
      this.#ended = true
      this.#req.end()
      const timer = setTimeout(() => {
        this.#fail({
          code: 'timeout',
          message: `the Timon daemon at ${this.#address} did not answer within ${this.#timeoutMs} ms`,
        })
      }, this.#timeoutMs)
      await this.#answered
      clearTimeout(timer)
    }
    this.#ended = true
    await this.#answered
    return this.#answer ?? err(this.#error ?? unexpectedAnswer(this.#address, 0))
  }

  #fail(error: ClientError): void {
    if (this.#error !== undefined || this.#answer !== undefined) return
    this.#error = error
    this.#clearStall()
    this.#req.destroy()
    this.#settle()
    this.#onError?.(error)
  }

  #clearStall(): void {
    clearTimeout(this.#stall)
    this.#stall = undefined
  }
}

async function* chunksOf(address: string, res: IncomingMessage): AsyncGenerator<LogChunk, void, undefined> {
  const decoder = new FrameDecoder()
  try {
    for await (const chunk of res) {
      for (const frame of decoder.push(chunk as Buffer)) yield frame
    }
  } catch (error) {
    throw new Error(`lost the connection to the Timon daemon at ${address}: ${errorMessage(error)}`, { cause: error })
  } finally {
    res.destroy()
  }
  if (decoder.pending > 0)
    throw new Error(`lost the connection to the Timon daemon at ${address}: the log ended in the middle of a frame`)
}

/** Reads a JSON answer: its value (camelCase) for a 2xx, the daemon's error otherwise. */
function readAnswer(address: string, res: IncomingMessage): Promise<Result<unknown, ClientError>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const status = res.statusCode ?? 0
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.on('error', (error) =>
      resolve(
        err({ code: 'protocol', message: `lost the connection to the Timon daemon at ${address}: ${error.message}` }),
      ),
    )
    res.on('end', () => {
      let json: unknown
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        resolve(err(unexpectedAnswer(address, status)))
        return
      }
      resolve(status >= 200 && status < 300 ? ok(fromWire(json)) : err(errorOfAnswer(status, json)))
    })
  })
}
