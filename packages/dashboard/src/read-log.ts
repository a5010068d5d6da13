/** Which run's log to read: the daemon knows where and how it is kept. */
export interface LogRef {
  readonly code: string
  readonly uid: string
  /** As recorded by `timon exec` (`Run.logPath`). */
  readonly logPath: string
  /** `true` while the run has not ended, so more output may come. */
  readonly running: boolean
}

/** A piece of a run's log. */
export interface LogChunk {
  /** Text from the requested offset, at most the requested size. */
  readonly text: string
  /** The offset to ask for next. */
  readonly next: number
  /** `true` once the run ended and everything was read: the viewer stops following. */
  readonly complete: boolean
}

/**
 * Reads a run's log from byte offset `from`, at most `maxBytes`; `undefined` when the log is gone.
 * Injected by the daemon, whose run-log reader owns the files.
 */
export type ReadLog = (run: LogRef, from: number, maxBytes: number) => Promise<LogChunk | undefined>
