import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/** Log levels, from quietest to most verbose (`silent` logs nothing). */
export const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** What the daemon logs through. Lines read `<RFC 3339 time> [LEVEL] <message>`. */
export interface Logger {
  /** The most verbose level written. */
  readonly level: LogLevel
  fatal(message: string, error?: unknown): void
  error(message: string, error?: unknown): void
  warn(message: string): void
  info(message: string): void
  debug(message: string): void
  /** Whether `level` is written (to skip building costly messages). */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean
  /** Releases the log file, if any. */
  close(): void
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  readonly level: LogLevel
  /** Append to `<logDir>/timon.log` (created when missing); without it, lines go to stdout. */
  readonly logDir?: string | undefined
  /** Where lines go instead (tests). */
  readonly write?: (line: string) => void
  /** The time on each line (default: now). */
  readonly now?: () => Date
}

/**
 * A logger writing one line per message, either to stdout or appended (never truncated,
 * decisions Q-19) to `<logDir>/timon.log`, created with mode 0640. Writes are synchronous so that
 * the last lines before an exit are not lost. An error's stack follows its line.
 *
 * @throws when the log directory or file cannot be created or opened.
 */
export function createLogger(options: LoggerOptions): Logger {
  const rank = LOG_LEVELS.indexOf(options.level)
  const now = options.now ?? (() => new Date())
  let fd: number | undefined
  let write = options.write
  if (write === undefined && options.logDir !== undefined && options.level !== 'silent') {
    mkdirSync(options.logDir, { recursive: true, mode: 0o750 })
    fd = openSync(join(options.logDir, 'timon.log'), 'a', 0o640)
    write = (line) => {
      // A full disk must not take the daemon down with it.
      try {
        if (fd !== undefined) writeSync(fd, line)
      } catch {}
    }
  }
  const out = write ?? ((line: string) => process.stdout.write(line))
  const enabled = (level: Exclude<LogLevel, 'silent'>) => LOG_LEVELS.indexOf(level) <= rank
  const log = (level: Exclude<LogLevel, 'silent'>, message: string, error?: unknown) => {
    if (!enabled(level)) return
    const detail = error === undefined ? '' : `\n${describe(error)}`
    out(`${now().toISOString()} [${level.toUpperCase()}] ${message}${detail}\n`)
  }
  return {
    level: options.level,
    fatal: (message, error) => log('fatal', message, error),
    error: (message, error) => log('error', message, error),
    warn: (message) => log('warn', message),
    info: (message) => log('info', message),
    debug: (message) => log('debug', message),
    enabled,
    close: () => {
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    },
  }
}

/** A logger that writes nothing. */
export const silentLogger: Logger = createLogger({ level: 'silent', write: () => {} })

// --- internal ---

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`
  return String(error)
}
