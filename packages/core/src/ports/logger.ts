/**
 * Where an adapter reports what it does, one message a call; `console` fits, and so does the
 * daemon's logger. Adapters default to a silent one.
 */
export interface LogSink {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** The log sink adapters use when given none: it drops every message. */
export const SILENT_LOG: LogSink = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} })
