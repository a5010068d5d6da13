import { open } from 'node:fs/promises'
import type { LogChunk, LogRef } from '@timon/dashboard'
import { NEWLINE } from '../run-logs/format.js'
import { framesOf } from '../run-logs/reader.js'
import { READ_FLAGS } from '../run-logs/safe-paths.js'
import type { RunLogStore } from '../run-logs/store.js'

/**
 * The dashboard's `readLog` over the daemon's run-log files: whole records from byte offset `from`
 * of the file, at most `maxBytes` (a record still being written waits for the next call), as text
 * (stdout and stderr as written, a note as `[timon] <note>` on its own line). An offset past the end
 * (the file was rewritten past its cap) starts again from the beginning. `undefined` when the file
 * is gone or not one of ours.
 */
export async function readLogChunk(
  logs: RunLogStore,
  run: LogRef,
  from: number,
  maxBytes: number,
): Promise<LogChunk | undefined> {
  const handle = await logs
    .checkReadable(run.logPath)
    .then(() => open(run.logPath, READ_FLAGS))
    .catch(() => undefined)
  if (handle === undefined) return undefined
  try {
    const { size } = await handle.stat()
    const start = from > size ? 0 : from
    const buffer = Buffer.alloc(Math.max(0, Math.min(maxBytes, size - start)))
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start)
    const end = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE) + 1
    const text = framesOf(buffer.subarray(0, end))
      .map((frame) =>
        frame.stream === 'note' ? `[timon] ${frame.bytes.toString('utf8')}\n` : frame.bytes.toString('utf8'),
      )
      .join('')
    const next = start + end
    return { text, next, complete: !run.running && next >= size }
  } finally {
    await handle.close().catch(() => undefined)
  }
}
