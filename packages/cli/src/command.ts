import type { CommandSpec, FlagSpec, ParsedArgs } from './args.js'
import type { CliClient } from './client.js'
import type { Style } from './format/style.js'
import type { CliIo } from './io.js'

/** What a command runs with. */
export interface Context {
  readonly io: CliIo
  /** The style of standard output: colours only on a terminal and without `NO_COLOR`. */
  readonly style: Style
  /** `-v` / `--verbose` was given. */
  readonly verbose: boolean
  /** The daemon's client, connected on first call; `main()` closes it. */
  client(): Promise<CliClient>
  /** Writes human output on stdout. */
  print(text: string): void
  /**
   * Writes `value` on stdout as one JSON document in the wire API's form (snake_case keys,
   * RFC 3339 instants: the client's `toWire`), followed by a newline.
   */
  printJson(value: unknown): Promise<void>
}

/** A `timon` command: how it is called and what it does. */
export interface Command {
  readonly spec: CommandSpec
  /**
   * Runs the command. Expected failures are thrown as `CliError` / `UsageError`; the command never
   * writes errors itself and never exits the process. It may resolve with the exit status to use
   * (`timon exec` returns its command's); the default is 0.
   */
  run(ctx: Context, args: ParsedArgs): Promise<void | number>
}

/** The `--json` flag every read, push and write command takes. */
export const JSON_FLAG: FlagSpec = {
  name: 'json',
  type: 'boolean',
  description: 'Print the result as one JSON document (the wire API form) instead of text',
}
