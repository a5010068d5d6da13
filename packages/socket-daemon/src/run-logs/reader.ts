/**
 * The reader of a run's log file (see `format.ts`): its records back as frames, following the
 * file while its run writes it.
 */
import { open, stat } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Frame, OutputStream } from '@timon/client'
import { EMPTY, LINE, NEWLINE, NOTE, PIECE, STREAM_BYTES } from './format.js'
import { READ_FLAGS } from './safe-paths.js'
import type { RunLogWriter } from './writer.js'

/** Options of {@link readRunLog}. */
export interface ReadRunLogOptions {
  /** The writer of the file, while a run is writing it (so that rewrites are followed). */
  readonly writer?: RunLogWriter | undefined
  /** Keep reading new output until the run has ended (default: stop at the end of the file). */
  readonly follow?: boolean
  /** Whether the run has ended; asked (follow only) when the file has no new output and no writer is active. */
  readonly ended?: () => Promise<boolean>
  /** Stops reading (the client went away, the daemon stops). */
  readonly signal?: AbortSignal
  /**
   * Resolves when the run may have changed (it ended, or output came without a writer of this
   * process telling), then the reader looks again. Default: after 250 ms.
   */
  readonly changed?: () => Promise<void>
}

/**
 * Reads a log file as frames: each stream's lines with their newlines (consecutive records of a
 * stream merged, up to 64 KiB a frame), and notes as `note` frames. With `follow`, waits for new
 * output until the run has ended and the file is drained; a rewrite of the file (the cap) is
 * followed where the reader was, or from the note on when the part it had not read yet was cut.
 *
 * @throws the `open` error of the file (`ENOENT` when there is none, `ELOOP` for a symlink).
 */
export async function* readRunLog(
  path: string,
  options: ReadRunLogOptions = {},
): AsyncGenerator<Frame, void, undefined> {
  const { writer, signal } = options
  let fh = await open(path, READ_FLAGS)
  try {
    let ino = (await fh.stat()).ino
    let position = 0
    let rest: Buffer = EMPTY
    const chunk = Buffer.allocUnsafe(READ_BYTES)
    for (;;) {
      if (signal?.aborted === true) return
      const version = writer?.version ?? 0
      const { bytesRead } = await fh.read(chunk, 0, READ_BYTES, position)
      if (bytesRead > 0) {
        position += bytesRead
        const data = Buffer.concat([rest, chunk.subarray(0, bytesRead)])
        const end = data.lastIndexOf(NEWLINE) + 1
        rest = data.subarray(end)
        if (end > 0) yield* framesOf(data.subarray(0, end))
        continue
      }
      const current = await stat(path).catch(() => undefined)
      if (current === undefined) return // deleted
      if (current.ino !== ino) {
        // Rewritten past the cap: go on from the same point of the output in the new file.
        const consumed = position - rest.length
        const before = writer?.mapping(ino)
        await fh.close()
        fh = await open(path, READ_FLAGS)
        ino = (await fh.stat()).ino
        const after = writer?.mapping(ino)
        const offset = before === undefined ? undefined : before.base + (consumed - before.head)
        position =
          after === undefined || offset === undefined || offset < after.base ? 0 : after.head + (offset - after.base)
        rest = EMPTY
        continue
      }
      if (options.follow !== true) return
      if (writer !== undefined && !writer.done) {
        await writer.changed(version, 1000, signal)
        continue
      }
      if (current.size === position && (await (options.ended?.() ?? Promise.resolve(true)))) {
        // The run has ended: one last look for output written meanwhile, then the end.
        const last = await stat(path).catch(() => undefined)
        if (last === undefined || (last.ino === ino && last.size === position)) return
        continue
      }
      // Until the next look, or the end of reading (an abort ends the wait, not the reader).
      await (options.changed?.() ?? sleep(DEFAULT_POLL_MS, undefined, { signal }).catch(() => undefined))
    }
  } finally {
    await fh.close().catch(() => undefined)
  }
}

// --- internal ---

const DEFAULT_POLL_MS = 250
const READ_BYTES = 64 * 1024
const MAX_FRAME_OUT = 64 * 1024

/** The frames of whole records: each stream's bytes (lines with their newlines), and notes. */
export function framesOf(records: Buffer): Frame[] {
  const frames: Frame[] = []
  let stream: OutputStream | undefined
  let parts: Buffer[] = []
  let size = 0
  const flush = () => {
    if (stream !== undefined && parts.length > 0)
      frames.push({ stream, bytes: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size) })
    parts = []
    size = 0
  }
  for (let start = 0; start < records.length; ) {
    const newline = records.indexOf(NEWLINE, start)
    const end = newline === -1 ? records.length : newline
    const first = records[start]
    const kind = records[start + 1]
    if (first === NOTE) {
      flush()
      stream = undefined
      frames.push({ stream: 'note', bytes: records.subarray(Math.min(start + 2, end), end) })
    } else if ((first === STREAM_BYTES.stdout || first === STREAM_BYTES.stderr) && (kind === LINE || kind === PIECE)) {
      const of: OutputStream = first === STREAM_BYTES.stdout ? 'stdout' : 'stderr'
      const content = records.subarray(start + 2, kind === LINE ? Math.min(end + 1, records.length) : end)
      if (of !== stream || size + content.length > MAX_FRAME_OUT) flush()
      stream = of
      parts.push(content)
      size += content.length
    }
    start = end + 1
  }
  flush()
  return frames
}
