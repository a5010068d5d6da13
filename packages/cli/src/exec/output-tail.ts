/**
 * The last lines of a command's output (`timon exec --tail-lines`), for the run's final step: its
 * `detail` describes the critical incident and goes out in webhook payloads.
 */

/** The output streams a tail takes lines from. */
export type TailStream = 'stdout' | 'stderr'

/**
 * Keeps the last `lines` lines of the combined output of stdout and stderr, in the order they
 * were completed; each stream's partial line waits for its newline (lines of the two streams
 * never mix). Work per chunk is proportional to `lines`, not to the lines in the chunk; a line is
 * kept to its last `maxLineBytes` bytes.
 */
export class OutputTail {
  readonly #lines: number
  readonly #maxLineBytes: number
  #kept: Buffer[] = []
  readonly #partial: Record<TailStream, Buffer> = { stdout: EMPTY, stderr: EMPTY }

  /**
   * @param lines how many lines to keep (0 keeps none).
   * @param maxLineBytes the most bytes kept of one line (its end), default 16 KiB.
   */
  constructor(lines: number, maxLineBytes = 16 * 1024) {
    this.#lines = lines
    this.#maxLineBytes = maxLineBytes
  }

  /** Adds a chunk of `stream`'s output. */
  push(stream: TailStream, chunk: Uint8Array): void {
    if (this.#lines === 0 || chunk.length === 0) return
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
    const last = data.lastIndexOf(NEWLINE)
    if (last === -1) {
      this.#partial[stream] = this.#cap(Buffer.concat([this.#partial[stream], data]))
      return
    }
    // The chunk's complete lines, newest first, as many as can be kept.
    const lines: Buffer[] = []
    let end = last
    while (lines.length < this.#lines) {
      const previous = end === 0 ? -1 : data.lastIndexOf(NEWLINE, end - 1)
      if (previous === -1) {
        lines.push(this.#cap(Buffer.concat([this.#partial[stream], data.subarray(0, end)])))
        break
      }
      lines.push(this.#cap(data.subarray(previous + 1, end)))
      end = previous
    }
    lines.reverse()
    this.#kept = [...this.#kept, ...lines].slice(-this.#lines)
    this.#partial[stream] = this.#cap(Buffer.from(data.subarray(last + 1)))
  }

  /** The kept lines (partial lines last), decoded as UTF-8, one per line, without a final newline. */
  lines(): string[] {
    if (this.#lines === 0) return []
    const partial = (['stdout', 'stderr'] as const)
      .map((stream) => this.#partial[stream])
      .filter((bytes) => bytes.length > 0)
    return [...this.#kept, ...partial].slice(-this.#lines).map((bytes) => bytes.toString('utf8'))
  }

  // --- internal ---

  /** The end of `line`, at most `maxLineBytes`; copied so that the chunk it came from can go. */
  #cap(line: Buffer): Buffer {
    return Buffer.from(line.length > this.#maxLineBytes ? line.subarray(line.length - this.#maxLineBytes) : line)
  }
}

/**
 * The end of `text` in at most `maxBytes` UTF-8 bytes (a character is never cut in two); when
 * text was cut, the result starts with `…` (counted in the bytes).
 */
export function keepEnd(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= maxBytes) return text
  let start = bytes.length - (maxBytes - ELLIPSIS_BYTES)
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++
  return `…${bytes.subarray(start).toString('utf8')}`
}

// --- internal ---

const NEWLINE = 0x0a
const EMPTY = Buffer.alloc(0)
const ELLIPSIS_BYTES = 3
