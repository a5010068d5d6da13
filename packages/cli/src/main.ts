import { errorMessage } from '@timon/core/lite'
import { formatHelp, parseArgs, GLOBAL_FLAGS } from './args.js'
import type { CliClient } from './client.js'
import type { Command, Context } from './command.js'
import { COMMANDS, GROUPS } from './commands/index.js'
import { CliError, UsageError } from './errors.js'
import { pickStyle, type Style } from './format/style.js'
import { processIo, type CliIo } from './io.js'
import { VERSION } from './version.js'

/**
 * Runs the `timon` command line `argv` (the words after `timon`) and resolves with the exit
 * status: 0, or what the command resolved with (`timon exec`: its command's). This is the one place that turns an error into `Error: <message>` on stderr (followed by
 * the command's usage block for command-line mistakes) and a status of 1; commands only throw.
 * Nothing here or below calls `process.exit`: `bin/timon.js` sets `process.exitCode`.
 *
 * @param io the process's streams, environment, clock and client (tests pass fakes).
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const verbose = argv.some((word) => word === '-v' || word === '--verbose')
  try {
    return (await dispatch(argv, io)) ?? 0
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`Error: ${error.message}\n${error.usage}`)
    } else if (error instanceof CliError) {
      io.stderr.write(`Error: ${error.message}\n`)
      if (verbose && error.code !== undefined) io.stderr.write(`(error code: ${error.code})\n`)
    } else {
      const message = errorMessage(error)
      io.stderr.write(`Error: ${message.split('\n')[0] ?? ''}\n`)
      if (verbose && error instanceof Error && error.stack !== undefined) io.stderr.write(`${error.stack}\n`)
    }
    return 1
  }
}

// --- internal ---

async function dispatch(argv: readonly string[], io: CliIo): Promise<void | number> {
  // Global flags may come before the command: `timon -v status`.
  let start = 0
  while (argv[start] === '-v' || argv[start] === '--verbose') start++
  const first = argv[start]

  if (first === undefined || first === '-h' || first === '--help') return print(io, rootHelp())
  if (first === '--version' || first === 'version') {
    if (first === 'version' && parseArgs(VERSION_SPEC, argv.slice(start + 1)).help)
      return print(io, formatHelp(VERSION_SPEC))
    return print(io, `Timon ${VERSION}\n`)
  }
  if (first === 'help') {
    const words = argv.slice(start + 1).filter((word) => !word.startsWith('-'))
    const found = resolve(words)
    if (found.kind === 'command' && found.rest.length === 0) return print(io, formatHelp(found.command.spec))
    if (found.kind === 'group' && found.rest.length === 0) return print(io, groupHelp(found.path))
    if (words.length === 0) return print(io, rootHelp())
    throw new UsageError(
      `unknown help topic ${JSON.stringify(words.join(' '))}`,
      'Run "timon help" for the list of commands.\n',
    )
  }

  const found = resolve(argv.slice(start))
  if (found.kind === 'group') {
    const next = found.rest[0]
    if (next === undefined || next === '-h' || next === '--help') return print(io, groupHelp(found.path))
    const hint = `Run "timon ${found.path} --help" for usage.\n`
    if (next.startsWith('-')) throw new UsageError(`unknown flag: ${next.split('=')[0] ?? next}`, hint)
    throw new UsageError(`unknown command ${JSON.stringify(next)} for "timon ${found.path}"`, hint)
  }
  if (found.kind === 'unknown') {
    const word = found.rest[0] ?? ''
    const hint = 'Run "timon --help" for usage.\n'
    if (word.startsWith('-')) throw new UsageError(`unknown flag: ${word.split('=')[0] ?? word}`, hint)
    throw new UsageError(`unknown command ${JSON.stringify(word)} for "timon"`, hint)
  }

  const { command } = found
  // Leading global flags (`timon -v daemon`) count as the command's own.
  const args = parseArgs(command.spec, [...argv.slice(0, start), ...found.rest])
  if (args.help) return print(io, formatHelp(command.spec))
  return runCommand(command, io, args)
}

async function runCommand(command: Command, io: CliIo, args: ReturnType<typeof parseArgs>): Promise<void | number> {
  let client: Promise<CliClient> | undefined
  let style: Style | undefined
  const ctx: Context = {
    io,
    get style() {
      return (style ??= pickStyle(io.stdout, io.env))
    },
    verbose: args.verbose,
    client: () => (client ??= io.connect()),
    print: (text) => io.stdout.write(text),
    printJson: async (value) => {
      // Loaded on use: `timon --help` and friends never load the client.
      const { toWire } = await import('@timon/client')
      io.stdout.write(`${JSON.stringify(toWire(value), null, 2)}\n`)
    },
  }
  try {
    return await command.run(ctx, args)
  } finally {
    if (client !== undefined) (await client.catch(() => undefined))?.close()
  }
}

type Resolved =
  | { readonly kind: 'command'; readonly command: Command; readonly rest: readonly string[] }
  | { readonly kind: 'group'; readonly path: string; readonly rest: readonly string[] }
  | { readonly kind: 'unknown'; readonly rest: readonly string[] }

/** Finds the command (or group) named by the leading words of `words`. */
function resolve(words: readonly string[]): Resolved {
  let path = ''
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? ''
    const candidate = path === '' ? word : `${path} ${word}`
    const command = word.startsWith('-') ? undefined : COMMANDS.find((one) => one.spec.name === candidate)
    // A command may lead to longer ones (`deliveries`, `deliveries retry`): the longest wins.
    const next = words[i + 1]
    const longer = next !== undefined && COMMANDS.some((one) => one.spec.name === `${candidate} ${next}`)
    if (command !== undefined && !longer) return { kind: 'command', command, rest: words.slice(i + 1) }
    if (command !== undefined) {
      path = candidate
      continue
    }
    if (!word.startsWith('-') && GROUPS.has(candidate)) {
      path = candidate
      continue
    }
    return path === '' ? { kind: 'unknown', rest: words.slice(i) } : { kind: 'group', path, rest: words.slice(i) }
  }
  return path === '' ? { kind: 'unknown', rest: [] } : { kind: 'group', path, rest: [] }
}

function print(io: CliIo, text: string): void {
  io.stdout.write(text)
}

const VERSION_SPEC = {
  name: 'version',
  summary: 'Print the version',
  usage: 'version',
  args: { min: 0, max: 0 },
  flags: [],
}

function rootHelp(): string {
  const entries: [string, string][] = [
    ...COMMANDS.map((command): [string, string] => [command.spec.name, command.spec.summary]),
    ['version', 'Print the version'],
    ['help', 'Help about any command'],
  ]
  return (
    'Timon: monitoring for servers, scripts and cron jobs. Scripts push the health of probes and job runs\n' +
    'to the daemon over a Unix socket; the daemon applies the rules, manages incidents and sends webhooks.\n\n' +
    'Usage:\n  timon <command> [flags]\n\n' +
    `Commands:\n${list(entries)}\n` +
    `Flags:\n${list([...GLOBAL_FLAGS.map((flag): [string, string] => [`-${flag.short ?? ''}, --${flag.name}`, flag.description]), ['    --version', 'Print the version']])}\n` +
    'Run "timon <command> --help" for more about a command.\n'
  )
}

function groupHelp(path: string): string {
  const entries = COMMANDS.filter((command) => command.spec.name.startsWith(`${path} `)).map(
    (command): [string, string] => [command.spec.name.slice(path.length + 1), command.spec.summary],
  )
  return (
    `${GROUPS.get(path) ?? ''}\n\n` +
    `Usage:\n  timon ${path} <command> [flags]\n\n` +
    `Commands:\n${list(entries)}\n` +
    `Run "timon ${path} <command> --help" for more about a command.\n`
  )
}

function list(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(...entries.map(([name]) => name.length)) + 3
  return entries.map(([name, text]) => `  ${name.padEnd(width)}${text}\n`).join('')
}
