/**
 * How `timon exec` reports a command's end: its health, the final step's label and detail, and
 * the exit status it passes on. Pure.
 */
import { constants } from 'node:os'
import { formatHumanDuration } from '@timon/core/lite'
import { keepEnd } from './output-tail.js'

/** How a command ended: its exit code, or the signal that killed it. */
export interface CommandExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** The health of a run whose command ended so: exit 0 healthy, a listed warning code warning, anything else critical. */
export function exitHealth(exit: CommandExit, warningCodes: ReadonlySet<number>): 'healthy' | 'warning' | 'critical' {
  if (exit.signal === null && exit.code === 0) return 'healthy'
  if (exit.signal === null && exit.code !== null && warningCodes.has(exit.code)) return 'warning'
  return 'critical'
}

/** The final step's label: `exit 0 after 3s`, `exit 2 after 1m 5s`, `killed by SIGTERM after 250ms`. */
export function exitLabel(exit: CommandExit, ms: number): string {
  const after = `after ${formatElapsed(ms)}`
  return exit.signal !== null ? `killed by ${exit.signal} ${after}` : `exit ${exit.code ?? '?'} ${after}`
}

/** The status `timon exec` exits with: the command's exit code, or 128 + the signal's number, as shells report it. */
export function exitStatus(exit: CommandExit): number {
  if (exit.signal !== null) return 128 + (constants.signals[exit.signal] ?? 0)
  return exit.code ?? 1
}

/** `250ms` under a second, else Timon's human duration (`3s`, `1m 5s`). */
export function formatElapsed(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))}ms` : formatHumanDuration(ms)
}

/** A command line as a POSIX shell would take it back: words with special characters single-quoted. */
export function formatCommandLine(argv: readonly string[]): string {
  return argv
    .map((word) => (/^[A-Za-z0-9_\-+=.,/:@%^]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`))
    .join(' ')
}

/**
 * The run's start comment when `--comment` is not given: the command line, cut to the 250 bytes
 * a comment may hold (its start kept, `…` marking the cut).
 */
export function commandComment(argv: readonly string[]): string {
  const line = formatCommandLine(argv).replace(/\s+/g, ' ').trim()
  const bytes = Buffer.from(line, 'utf8')
  if (bytes.length <= MAX_COMMENT_BYTES) return line
  let end = MAX_COMMENT_BYTES - 3
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--
  return `${bytes.subarray(0, end).toString('utf8')}…`
}

/**
 * The final step's detail: `$ <command line>` then the last lines of output, at most `maxBytes`
 * UTF-8 bytes with the end kept. Lines are cleaned for reading: colour and cursor escapes are
 * dropped, and of a line rewritten with carriage returns (a progress bar) only its last state is
 * kept, as a terminal would show it.
 */
export function stepDetail(commandLine: string, lines: readonly string[], maxBytes: number): string {
  const head = `$ ${keepEnd(commandLine, Math.min(1024, Math.floor(maxBytes / 4)))}`
  const body = lines.map(cleanLine).join('\n')
  if (body === '') return head
  return `${head}\n${keepEnd(body, maxBytes - Buffer.byteLength(head) - 1)}`
}

// --- internal ---

const MAX_COMMENT_BYTES = 250

// CSI sequences (colours, cursor moves) and OSC sequences (titles, links).
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g

function cleanLine(line: string): string {
  const plain = line.replace(ESCAPES, '').replace(/\r+$/, '')
  const shown = plain.lastIndexOf('\r')
  return shown === -1 ? plain : plain.slice(shown + 1)
}
