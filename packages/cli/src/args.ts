import { UsageError } from './errors.js'

/**
 * A tiny command-line parser in the style of Go's pflag (which the Go Timon's cobra uses): flags
 * and positional arguments may be mixed, `--flag value` and `--flag=value` both work, boolean flags
 * take `--flag` or `--flag=false`, `-h` style shorthands may be grouped, and `--` ends the flags.
 * A repeated flag keeps its last value. Mistakes throw a {@link UsageError} carrying the command's
 * usage block.
 */

/** One flag of a command. */
export interface FlagSpec {
  /** The long name, without dashes: `stale-after`. */
  readonly name: string
  /** A one-letter shorthand, without the dash: `y` for `-y`. */
  readonly short?: string
  /** A string flag takes a value; a boolean flag is a switch (`--flag`, `--flag=false`). */
  readonly type: 'string' | 'boolean'
  /** What the value is, in the help (`<duration>`); string flags only. */
  readonly placeholder?: string
  /** One line of help. */
  readonly description: string
}

/** How a command is called: its words, arguments and flags, and its help text. */
export interface CommandSpec {
  /** The words after `timon`: `push probe`. */
  readonly name: string
  /** One line for command lists. */
  readonly summary: string
  /** Longer help text for `--help`; defaults to the summary. */
  readonly description?: string
  /** The usage line after `timon `: `push probe <code> <healthy|warning|critical> [flags]`. */
  readonly usage: string
  /** How many positional arguments it takes. */
  readonly args: { readonly min: number; readonly max: number }
  /** Its own flags (`--help` and `--verbose` are added to every command). */
  readonly flags: readonly FlagSpec[]
  /** Example command lines for `--help`. */
  readonly examples?: readonly string[]
  /**
   * Flags are read only until this many positional arguments have been seen; every word after
   * them is an argument, flags included (`timon exec <code> <command> [args…]`: the command's
   * flags are its own). `--` still ends the flags anywhere.
   */
  readonly flagsUntilArg?: number
}

/** The result of parsing a command's arguments. */
export class ParsedArgs {
  /** The positional arguments, in order, untrimmed. */
  readonly args: readonly string[]
  /** `-h` / `--help` was given. */
  readonly help: boolean
  /** `-v` / `--verbose` was given. */
  readonly verbose: boolean
  readonly #values: ReadonlyMap<string, string | boolean>
  readonly #repeated: ReadonlyMap<string, readonly string[]>

  constructor(
    args: readonly string[],
    values: ReadonlyMap<string, string | boolean>,
    repeated: ReadonlyMap<string, readonly string[]> = new Map(),
  ) {
    this.args = args
    this.#values = values
    this.#repeated = repeated
    this.help = values.get('help') === true
    this.verbose = values.get('verbose') === true
  }

  /** Every value given to a string flag, in order (a repeatable flag such as `--set`); empty when not given. */
  strings(name: string): readonly string[] {
    return this.#repeated.get(name) ?? []
  }

  /** The value of a string flag, untrimmed, or `undefined` when the flag was not given. */
  string(name: string): string | undefined {
    const value = this.#values.get(name)
    return typeof value === 'string' ? value : undefined
  }

  /** The value of a boolean flag, or `undefined` when the flag was not given. */
  boolean(name: string): boolean | undefined {
    const value = this.#values.get(name)
    return typeof value === 'boolean' ? value : undefined
  }

  /** Whether the flag was given at all. */
  has(name: string): boolean {
    return this.#values.has(name)
  }
}

/** Flags every command takes. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', description: 'Show help for this command' },
  { name: 'verbose', short: 'v', type: 'boolean', description: 'Print more details (daemon: debug logs)' },
]

/**
 * Parses `argv` (the words after the command's name) for `spec`.
 *
 * @throws UsageError for an unknown flag, a flag without its value, a bad boolean, or a wrong
 *   number of arguments (not checked when `--help` is given).
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const flags = [...spec.flags, ...GLOBAL_FLAGS]
  const fail = (message: string): never => {
    throw new UsageError(message, formatUsage(spec))
  }
  const values = new Map<string, string | boolean>()
  // Every value of each string flag, for the repeatable ones (`timon replay --set … --set …`).
  const repeated = new Map<string, string[]>()
  const setString = (name: string, value: string) => {
    values.set(name, value)
    repeated.set(name, [...(repeated.get(name) ?? []), value])
  }
  const args: string[] = []

  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? ''
    if (spec.flagsUntilArg !== undefined && args.length >= spec.flagsUntilArg) {
      args.push(...argv.slice(i))
      break
    }
    if (word === '--') {
      args.push(...argv.slice(i + 1))
      break
    }
    if (word.startsWith('--')) {
      const equals = word.indexOf('=')
      const name = equals === -1 ? word.slice(2) : word.slice(2, equals)
      const inline = equals === -1 ? undefined : word.slice(equals + 1)
      const flag = flags.find((candidate) => candidate.name === name)
      if (flag === undefined) return fail(`unknown flag: --${name}`)
      if (flag.type === 'boolean') {
        values.set(flag.name, inline === undefined ? true : parseBoolean(inline, `--${name}`, fail))
      } else if (inline !== undefined) {
        setString(flag.name, inline)
      } else {
        const next = argv[i + 1]
        if (next === undefined) return fail(`flag needs an argument: --${name}`)
        setString(flag.name, next)
        i++
      }
      continue
    }
    if (word.startsWith('-') && word.length > 1) {
      // A group of shorthands (-hv); a string shorthand takes the rest of the word or the next one.
      for (let j = 1; j < word.length; j++) {
        const letter = word[j] ?? ''
        const flag = flags.find((candidate) => candidate.short === letter)
        if (flag === undefined) return fail(`unknown shorthand flag: '${letter}' in ${word}`)
        if (flag.type === 'boolean') {
          values.set(flag.name, true)
          continue
        }
        const rest = word.slice(j + 1).replace(/^=/, '')
        if (rest !== '') {
          setString(flag.name, rest)
        } else {
          const next = argv[i + 1]
          if (next === undefined) return fail(`flag needs an argument: '${letter}' in -${letter}`)
          setString(flag.name, next)
          i++
        }
        break
      }
      continue
    }
    args.push(word)
  }

  const parsed = new ParsedArgs(args, values, repeated)
  if (!parsed.help) {
    const message = checkArgCount(spec, args)
    if (message !== undefined) fail(message)
  }
  return parsed
}

/** The usage block printed after a command-line mistake: the usage line and the flags. */
export function formatUsage(spec: CommandSpec): string {
  return `Usage:\n  timon ${spec.usage}\n\nFlags:\n${formatFlags([...spec.flags, ...GLOBAL_FLAGS])}`
}

/** The text of `timon <command> --help`: the description, usage, flags and examples. */
export function formatHelp(spec: CommandSpec): string {
  let text = `${spec.description ?? spec.summary}\n\n${formatUsage(spec)}`
  if (spec.examples !== undefined && spec.examples.length > 0) {
    text += `\nExamples:\n${spec.examples.map((line) => `  ${line}\n`).join('')}`
  }
  return text
}

// --- internal ---

/** The argument-count messages of cobra's `ExactArgs`, `RangeArgs`, `MaximumNArgs` and `NoArgs`. */
function checkArgCount(spec: CommandSpec, args: readonly string[]): string | undefined {
  const { min, max } = spec.args
  const count = args.length
  if (count >= min && count <= max) return undefined
  if (max === 0) return `unknown command ${JSON.stringify(args[0] ?? '')} for "timon ${spec.name}"`
  if (min === max) return `accepts ${min} arg(s), received ${count}`
  if (min === 0) return `accepts at most ${max} arg(s), received ${count}`
  return `accepts between ${min} and ${max} arg(s), received ${count}`
}

/** Go's `strconv.ParseBool` words, plus `yes`/`no` and `on`/`off`. */
function parseBoolean(value: string, flag: string, fail: (message: string) => never): boolean {
  if (TRUE_WORDS.has(value)) return true
  if (FALSE_WORDS.has(value)) return false
  return fail(`invalid argument ${JSON.stringify(value)} for "${flag}" flag: must be true or false`)
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'true', 'TRUE', 'True', 'yes', 'on'])
const FALSE_WORDS = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False', 'no', 'off'])

function formatFlags(flags: readonly FlagSpec[]): string {
  const left = flags.map((flag) => {
    const short = flag.short === undefined ? '    ' : `-${flag.short}, `
    const value = flag.type === 'string' ? ` ${flag.placeholder ?? '<value>'}` : ''
    return `  ${short}--${flag.name}${value}`
  })
  const width = Math.max(...left.map((text) => text.length)) + 3
  return flags.map((flag, i) => `${(left[i] ?? '').padEnd(width)}${flag.description}\n`).join('')
}
