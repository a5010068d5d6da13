/**
 * An expected failure of a command: `main()` prints `Error: <message>` on stderr and exits 1.
 * Commands throw it; nothing but `main()` writes errors or decides the exit status.
 */
export class CliError extends Error {
  override readonly name: string = 'CliError'
  /** The error code of the daemon or client (`validation`, `not_found`, `unreachable`, …), if any. */
  readonly code: string | undefined

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
  }
}

/**
 * A mistake in the command line found before the daemon is contacted (unknown flag, wrong number
 * of arguments, a value that fails a client-side check). `main()` follows the `Error:` line with
 * the command's usage block, as the Go original's CLI does.
 */
export class UsageError extends CliError {
  override readonly name: string = 'UsageError'
  /** The usage block to print after the message. */
  readonly usage: string

  constructor(message: string, usage: string) {
    super(message, { code: 'usage' })
    this.usage = usage
  }
}
