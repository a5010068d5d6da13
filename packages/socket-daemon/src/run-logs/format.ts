/**
 * The format of a run's log file (`timon exec`): the command's stdout and stderr in one file, line by line,
 * binary-safe, with a size cap that keeps the end.
 *
 * The format is a sequence of records, each ending with a newline (`\n`), whose first two bytes
 * say what it is:
 *
 * | record            | meaning                                                                    |
 * |-------------------|----------------------------------------------------------------------------|
 * | `1 ` + line + `\n` | a line of stdout; the record's newline is the line's own                   |
 * | `2 ` + line + `\n` | a line of stderr                                                           |
 * | `1+` + bytes + `\n`| stdout bytes without a newline: a piece of a line longer than 16 KiB, or the |
 * | `2+` + bytes + `\n`| last bytes of output that did not end with one; the record's newline is not output |
 * | `# ` + text + `\n` | a note from Timon, such as how many bytes were cut                          |
 *
 * Output bytes are written as they came (no decoding), so a record's content never holds a
 * newline and a reader gets the exact bytes of each stream back by concatenating its records.
 * Lines of the two streams never mix within a line: a partial line waits (per stream) for its
 * newline or the end of the output. `cat` shows a readable log; `grep '^2'` the errors.
 */
import type { OutputStream } from '@timon/client'

export const NEWLINE = 0x0a
/** The second byte of a record of a whole line: `' '`. */
export const LINE = 0x20
/** The second byte of a record of bytes without a newline: `'+'`. */
export const PIECE = 0x2b
/** The first byte of a note: `'#'`. */
export const NOTE = 0x23
/** The first byte of a record of each stream: `'1'`, `'2'`. */
export const STREAM_BYTES: Readonly<Record<OutputStream, number>> = { stdout: 0x31, stderr: 0x32 }
export const EMPTY = Buffer.alloc(0)
