/**
 * The writer of a run's log file (see `format.ts`): the command's stdout and stderr in one file,
 * line by line, binary-safe, with a size cap that keeps the end.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, unlink, type FileHandle } from 'node:fs/promises'
import type { OutputStream } from '@timon/client'
import { formatBytes } from './byte-size.js'
import { EMPTY, LINE, NEWLINE, NOTE, PIECE, STREAM_BYTES } from './format.js'
import { CREATE_FLAGS } from './safe-paths.js'

/** A line longer than this is written in pieces, so one line cannot hold the memory: 16 KiB. */
export const MAX_PIECE_BYTES = 16 * 1024

/** The smallest cap accepted (a cap must hold a few whole records): 64 KiB. */
export const MIN_LOG_BYTES = 64 * 1024

/** Options of {@link RunLogWriter.create}. */
export interface RunLogWriterOptions {
  /**
   * The cap on the file's size, in bytes (at least {@link MIN_LOG_BYTES}). When a write would pass
   * it, the file is rewritten with its last half only (whole records), after a note saying how
   * many bytes of output were cut: the rewrite is amortised over half a cap of output.
   */
  readonly maxBytes: number
  /** Called once the writer is finished or discarded. */
  readonly onDone?: (writer: RunLogWriter) => void
}

/** Where a file's content starts in the output as a whole (for readers following a rewritten file). */
export interface LogMapping {
  /** The offset, in the writer's record bytes ever written, of the file's first record after `head`. */
  readonly base: number
  /** The length of the file's leading note (0 when nothing was cut). */
  readonly head: number
}

/**
 * Writes one run's log. Feed it output with {@link write} (synchronous: bytes are cut into records
 * in memory), then {@link flush} to put them in the file; {@link finish} ends partial lines and
 * closes it. Readers in the same process wait on {@link changed} and follow rewrites through
 * {@link mapping}.
 */
export class RunLogWriter {
  readonly path: string
  readonly #maxBytes: number
  readonly #onDone: ((writer: RunLogWriter) => void) | undefined
  #fh: FileHandle
  /** The file's size, its leading note's length, and the offset of what follows the note. */
  #size = 0
  #head = 0
  #base = 0
  #received = 0
  /** Output bytes put in records, ever. */
  #recorded = 0
  #cut = 0
  #pending: Buffer[] = []
  #backlog = 0
  /** The first failure to write the file: every later flush fails with it. */
  #failure: unknown
  readonly #partial: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] }
  readonly #partialBytes: Record<OutputStream, number> = { stdout: 0, stderr: 0 }
  readonly #mappings = new Map<number, LogMapping>()
  readonly #waiters = new Set<() => void>()
  #state: 'open' | 'finished' | 'discarded' = 'open'
  #version = 0
  #queue: Promise<void> = Promise.resolve()

  private constructor(path: string, fh: FileHandle, ino: number, options: RunLogWriterOptions) {
    this.path = path
    this.#fh = fh
    this.#maxBytes = Math.max(options.maxBytes, MIN_LOG_BYTES)
    this.#onDone = options.onDone
    this.#mappings.set(ino, { base: 0, head: 0 })
  }

  /**
   * Creates the file `path` (mode 0640; its directory must exist). Refuses a file that exists,
   * a symlink included.
   *
   * @throws the `open` error (`EEXIST` when the file exists).
   */
  static async create(path: string, options: RunLogWriterOptions): Promise<RunLogWriter> {
    const fh = await open(path, CREATE_FLAGS, 0o640)
    const { ino } = await fh.stat()
    return new RunLogWriter(path, fh, ino, options)
  }

  /** Output bytes received so far (both streams). */
  get received(): number {
    return this.#received
  }

  /** Output bytes cut from the start of the log so far, to keep it under the cap. */
  get cut(): number {
    return this.#cut
  }

  /** Bytes of records made but not handed to a flush yet. */
  get backlog(): number {
    return this.#backlog
  }

  /** Whether the writer is finished or discarded: the file no longer changes. */
  get done(): boolean {
    return this.#state !== 'open'
  }

  /** Adds output of `stream`. Complete lines become records at once; a partial line waits. */
  write(stream: OutputStream, bytes: Uint8Array): void {
    if (this.#state !== 'open' || bytes.length === 0) return
    this.#received += bytes.length
    const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    let start = 0
    const last = data.lastIndexOf(NEWLINE)
    if (last !== -1) {
      // The first line ends the stream's partial line; the others are whole in `data`.
      const first = data.indexOf(NEWLINE)
      this.#line(stream, this.#takePartial(stream, data.subarray(0, first)))
      if (first < last) this.#lines(stream, data.subarray(first + 1, last + 1))
      start = last + 1
    }
    if (start < data.length) {
      this.#partial[stream].push(data.subarray(start))
      this.#partialBytes[stream] += data.length - start
      while (this.#partialBytes[stream] >= MAX_PIECE_BYTES) {
        const joined = this.#takePartial(stream, EMPTY)
        this.#record(stream, PIECE, joined.subarray(0, MAX_PIECE_BYTES))
        if (joined.length > MAX_PIECE_BYTES) {
          this.#partial[stream].push(joined.subarray(MAX_PIECE_BYTES))
          this.#partialBytes[stream] = joined.length - MAX_PIECE_BYTES
        }
      }
    }
  }

  /**
   * Writes the records made so far to the file (cutting its start when the cap is reached).
   * Flushes run one after the other, each taking every record made until it starts, so a caller
   * may flush without waiting (and wait when {@link backlog} grows): writes coalesce.
   */
  flush(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#failure !== undefined) throw this.#failure
      if (this.#state !== 'open' || this.#pending.length === 0) return
      const data = Buffer.concat(this.#pending)
      this.#pending = []
      this.#backlog = 0
      try {
        if (this.#size + data.length > this.#maxBytes) await this.#rewrite(data)
        else await this.#append(data)
      } catch (error) {
        this.#failure = error
        throw error
      }
      this.#notify()
    })
  }

  /** Ends the output: partial lines are written as they are, then the file is closed. */
  finish(): Promise<void> {
    if (this.#state === 'open') {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (this.#partialBytes[stream] > 0) this.#record(stream, PIECE, this.#takePartial(stream, EMPTY))
      }
    }
    const flushed = this.flush()
    return this.#enqueue(async () => {
      await flushed
      if (this.#state !== 'open') return
      this.#state = 'finished'
      await this.#fh.close()
      this.#done()
    })
  }

  /** Stops writing and removes the file (its run was deleted). Output written afterwards is dropped. */
  discard(): Promise<void> {
    if (this.#state === 'discarded') return this.#queue
    const wasOpen = this.#state === 'open'
    this.#state = 'discarded'
    this.#pending = []
    this.#backlog = 0
    return this.#enqueue(async () => {
      if (wasOpen) await this.#fh.close().catch(() => undefined)
      await unlink(this.path).catch(ignoreMissing)
      this.#done()
    })
  }

  /** Where the content of the file with inode `ino` starts; `undefined` for an inode this writer did not write. */
  mapping(ino: number): LogMapping | undefined {
    return this.#mappings.get(ino)
  }

  /** Counts the changes of the file: read it before reading the file, then wait with {@link changed}. */
  get version(): number {
    return this.#version
  }

  /**
   * Resolves once the file changed after {@link version} was `since` (at once if it has already,
   * or when done), after `timeoutMs` at the latest, or on `signal`.
   */
  changed(since: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.done || this.#version !== since) return Promise.resolve()
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', finish)
        this.#waiters.delete(finish)
        resolve()
      }
      const timer = setTimeout(finish, timeoutMs)
      signal?.addEventListener('abort', finish)
      this.#waiters.add(finish)
    })
  }

  // --- internal ---

  #enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(work)
    this.#queue = next.catch(() => undefined)
    return next
  }

  /** The stream's partial line followed by `rest`, as one buffer; the partial line is emptied. */
  #takePartial(stream: OutputStream, rest: Buffer): Buffer {
    const parts = this.#partial[stream]
    if (parts.length === 0) return rest
    const joined = Buffer.concat(rest.length === 0 ? parts : [...parts, rest])
    this.#partial[stream] = []
    this.#partialBytes[stream] = 0
    return joined
  }

  /** Records one line (without its newline); a line longer than a piece goes in pieces, so records stay small and the cap cuts finely. */
  #line(stream: OutputStream, line: Buffer): void {
    let rest = line
    for (; rest.length > MAX_PIECE_BYTES; rest = rest.subarray(MAX_PIECE_BYTES))
      this.#record(stream, PIECE, rest.subarray(0, MAX_PIECE_BYTES))
    this.#record(stream, LINE, rest)
  }

  /** Records whole lines (`lines` ends with a newline) into one buffer: no allocation per line. */
  #lines(stream: OutputStream, lines: Buffer): void {
    let count = 0
    for (let at = 0; at < lines.length; count++) {
      const newline = lines.indexOf(NEWLINE, at)
      if (newline - at > MAX_PIECE_BYTES) {
        // A long line among them: one line at a time.
        for (let from = 0; from < lines.length; ) {
          const end = lines.indexOf(NEWLINE, from)
          this.#line(stream, lines.subarray(from, end))
          from = end + 1
        }
        return
      }
      at = newline + 1
    }
    const out = Buffer.allocUnsafe(lines.length + 2 * count)
    const prefix = STREAM_BYTES[stream]
    for (let at = 0, to = 0; at < lines.length; ) {
      const newline = lines.indexOf(NEWLINE, at)
      out[to] = prefix
      out[to + 1] = LINE
      to += 2 + lines.copy(out, to + 2, at, newline + 1)
      at = newline + 1
    }
    this.#pending.push(out)
    this.#backlog += out.length
    this.#recorded += lines.length
  }

  #record(stream: OutputStream, kind: number, content: Buffer): void {
    this.#pending.push(PREFIXES[stream][kind === LINE ? 'line' : 'piece'], content, NEWLINE_BUFFER)
    this.#backlog += content.length + 3
    this.#recorded += content.length + (kind === LINE ? 1 : 0)
  }

  async #append(data: Buffer): Promise<void> {
    await writeAll(this.#fh, data, this.#size)
    this.#size += data.length
  }

  /**
   * Replaces the file with: a note saying how many bytes of output were cut, then the last half of
   * the cap of records (the end of the file and `data`, starting at a record's start). Written to a
   * temporary file renamed over the log, so a reader never sees half a rewrite.
   */
  async #rewrite(data: Buffer): Promise<void> {
    const keep = Math.floor(this.#maxBytes / 2)
    const dataStart = this.#base + this.#size - this.#head
    let kept: Buffer
    let keptStart: number
    if (data.length >= keep) {
      const from = recordStart(data, data.length - keep)
      kept = data.subarray(from)
      keptStart = dataStart + from
    } else {
      // One byte before the part kept tells whether that part starts at a record's start.
      const want = Math.max(this.#head, this.#size - (keep - data.length))
      const readFrom = want > this.#head ? want - 1 : want
      const tail = Buffer.allocUnsafe(this.#size - readFrom)
      await readAll(this.#fh, tail, readFrom)
      const from = readFrom === want ? 0 : recordStart(tail, 1)
      kept = Buffer.concat([tail.subarray(from), data])
      keptStart = this.#base + (readFrom + from - this.#head)
    }
    const inKept = outputBytes(kept)
    const cut = this.#recorded - inKept
    const note = Buffer.from(
      `# ${cut} bytes of earlier output were cut (the log keeps the last ${formatBytes(this.#maxBytes)} at most)\n`,
    )
    const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`
    const fh = await open(temporary, CREATE_FLAGS, 0o640)
    try {
      const content = Buffer.concat([note, kept])
      await writeAll(fh, content, 0)
      const { ino } = await fh.stat()
      this.#mappings.set(ino, { base: keptStart, head: note.length })
      if (this.#mappings.size > 8) this.#mappings.delete(this.#mappings.keys().next().value as number)
      await rename(temporary, this.path)
      await this.#fh.close().catch(() => undefined)
      this.#fh = fh
      this.#size = content.length
      this.#head = note.length
      this.#base = keptStart
      this.#cut = cut
    } catch (error) {
      await fh.close().catch(() => undefined)
      await unlink(temporary).catch(ignoreMissing)
      throw error
    }
  }

  #notify(): void {
    this.#version++
    for (const waiter of [...this.#waiters]) waiter()
  }

  #done(): void {
    this.#notify()
    this.#onDone?.(this)
  }
}

// --- internal ---

const NEWLINE_BUFFER = Buffer.from([NEWLINE])
const PREFIXES: Readonly<Record<OutputStream, { readonly line: Buffer; readonly piece: Buffer }>> = {
  stdout: { line: Buffer.from('1 '), piece: Buffer.from('1+') },
  stderr: { line: Buffer.from('2 '), piece: Buffer.from('2+') },
}

/** The first record start at or after `at` in `records` (`records.length` when there is none). */
function recordStart(records: Buffer, at: number): number {
  if (at <= 0 || records[at - 1] === NEWLINE) return Math.max(at, 0)
  const newline = records.indexOf(NEWLINE, at)
  return newline === -1 ? records.length : newline + 1
}

/** The output bytes that whole records hold (notes hold none). */
function outputBytes(records: Buffer): number {
  let total = 0
  for (let start = 0; start < records.length; ) {
    const newline = records.indexOf(NEWLINE, start)
    const end = newline === -1 ? records.length : newline
    const kind = records[start + 1]
    if (records[start] !== NOTE && end - start >= 2) total += end - start - 2 + (kind === LINE ? 1 : 0)
    start = end + 1
  }
  return total
}

async function writeAll(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let written = 0; written < data.length; ) {
    const { bytesWritten } = await fh.write(data, written, data.length - written, position + written)
    written += bytesWritten
  }
}

async function readAll(fh: FileHandle, into: Buffer, position: number): Promise<void> {
  for (let filled = 0; filled < into.length; ) {
    const { bytesRead } = await fh.read(into, filled, into.length - filled, position + filled)
    if (bytesRead === 0) throw new Error(`unexpected end of the log file at ${position + filled}`)
    filled += bytesRead
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error
}
