/**
 * The framing of a run's output on the wire (`POST /v1/runs/{code}:{uid}/output` and
 * `GET /v1/runs/{target}/log`): a sequence of frames, each 1 byte of stream id, 4 bytes of length
 * (big-endian, unsigned), then that many bytes of output. Pure; loads nothing.
 */

/** The streams of a command's output. */
export const OUTPUT_STREAMS = ['stdout', 'stderr'] as const
export type OutputStream = (typeof OUTPUT_STREAMS)[number]

/** What a log carries: the command's two streams, and notes from Timon (such as where output was cut). */
export type LogStream = OutputStream | 'note'

/** One frame: a stream and its bytes. */
export interface Frame {
  readonly stream: LogStream
  readonly bytes: Buffer
}

/** The stream ids on the wire: 1 = stdout, 2 = stderr, 0 = a note from Timon (UTF-8 text; logs only). */
export const STREAM_IDS: Readonly<Record<LogStream, number>> = { note: 0, stdout: 1, stderr: 2 }

/** Bytes of a frame's header: the stream id and the length. */
export const FRAME_HEADER_BYTES = 5

/** The largest frame a decoder accepts: 1 MiB. */
export const MAX_FRAME_BYTES = 1024 * 1024

/** The header of a frame of `length` bytes on `stream`. */
export function frameHeader(stream: LogStream, length: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES)
  header[0] = STREAM_IDS[stream]
  header.writeUInt32BE(length, 1)
  return header
}

/** A whole frame (header and bytes) in one buffer. */
export function encodeFrame(stream: LogStream, bytes: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(stream, bytes.length), bytes])
}

/** A byte sequence that is not a valid sequence of frames. */
export class FrameError extends Error {
  override readonly name = 'FrameError'
  /** The frames of the same chunk that came before the problem. */
  readonly frames: readonly Frame[]

  constructor(message: string, frames: readonly Frame[] = []) {
    super(message)
    this.frames = frames
  }
}

/**
 * Cuts a byte stream into frames, whatever the sizes of the chunks it arrives in. A frame is
 * copied at most once (when it spans chunks).
 */
export class FrameDecoder {
  readonly #accepted: ReadonlySet<number>
  readonly #maxFrameBytes: number
  #chunks: Buffer[] = []
  #size = 0
  #current: { readonly stream: LogStream; readonly length: number } | undefined

  /**
   * @param streams the streams accepted (default: all); another id is a {@link FrameError}.
   * @param maxFrameBytes a longer frame is a {@link FrameError} (default {@link MAX_FRAME_BYTES}).
   */
  constructor(streams: readonly LogStream[] = ['note', ...OUTPUT_STREAMS], maxFrameBytes = MAX_FRAME_BYTES) {
    this.#accepted = new Set(streams.map((stream) => STREAM_IDS[stream]))
    this.#maxFrameBytes = maxFrameBytes
  }

  /** Bytes received that do not make a complete frame yet. */
  get pending(): number {
    return this.#size + (this.#current === undefined ? 0 : FRAME_HEADER_BYTES)
  }

  /**
   * Adds `chunk` and returns the frames it completes, in order.
   *
   * @throws FrameError for an unknown stream id or an oversized frame (with the frames before it).
   */
  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk)
      this.#size += chunk.length
    }
    const frames: Frame[] = []
    for (;;) {
      if (this.#current === undefined) {
        if (this.#size < FRAME_HEADER_BYTES) break
        const header = this.#take(FRAME_HEADER_BYTES)
        const id = header[0] ?? -1
        const length = header.readUInt32BE(1)
        if (!this.#accepted.has(id)) throw new FrameError(`unknown stream id ${id}`, frames)
        if (length > this.#maxFrameBytes)
          throw new FrameError(`frame of ${length} bytes is larger than ${this.#maxFrameBytes}`, frames)
        this.#current = { stream: streamOf(id), length }
      }
      if (this.#size < this.#current.length) break
      frames.push({ stream: this.#current.stream, bytes: this.#take(this.#current.length) })
      this.#current = undefined
    }
    return frames
  }

  // --- internal ---

  /** Removes the first `n` bytes (n ≤ size) from the chunks. */
  #take(n: number): Buffer {
    const first = this.#chunks[0]
    if (first !== undefined && first.length >= n) {
      const taken = first.subarray(0, n)
      if (first.length === n) this.#chunks.shift()
      else this.#chunks[0] = first.subarray(n)
      this.#size -= n
      return taken
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.#chunks[0] as Buffer
      const used = Math.min(chunk.length, n - filled)
      chunk.copy(out, filled, 0, used)
      filled += used
      if (used === chunk.length) this.#chunks.shift()
      else this.#chunks[0] = chunk.subarray(used)
    }
    this.#size -= n
    return out
  }
}

// --- internal ---

function streamOf(id: number): LogStream {
  return id === 1 ? 'stdout' : id === 2 ? 'stderr' : 'note'
}
