import { describe, expect, it } from 'vitest'
import { formatHelp, formatUsage, parseArgs, type CommandSpec } from './args.js'
import { UsageError } from './errors.js'

const spec: CommandSpec = {
  name: 'push probe',
  summary: 'Push a probe',
  usage: 'push probe <code> <health> [flags]',
  args: { min: 2, max: 2 },
  flags: [
    { name: 'comment', type: 'string', placeholder: '<text>', description: 'A comment' },
    { name: 'end', type: 'boolean', description: 'End it' },
    { name: 'yes', short: 'y', type: 'boolean', description: 'Yes' },
    { name: 'limit', short: 'n', type: 'string', description: 'How many' },
  ],
}

function usageError(argv: readonly string[]): UsageError {
  try {
    parseArgs(spec, argv)
  } catch (error) {
    if (error instanceof UsageError) return error
    throw error
  }
  throw new Error('expected a usage error')
}

describe('parseArgs', () => {
  it('takes flags before, between and after the arguments, in both value forms', () => {
    const parsed = parseArgs(spec, ['--comment', 'hi there', 'a.b', '--end', 'healthy'])
    expect(parsed.args).toEqual(['a.b', 'healthy'])
    expect(parsed.string('comment')).toBe('hi there')
    expect(parsed.boolean('end')).toBe(true)
    expect(parseArgs(spec, ['a.b', 'healthy', '--comment=x=y']).string('comment')).toBe('x=y')
  })

  it('keeps the last value of a repeated flag, and an empty value as given', () => {
    expect(parseArgs(spec, ['a', 'b', '--comment', 'one', '--comment', 'two']).string('comment')).toBe('two')
    expect(parseArgs(spec, ['a', 'b', '--comment=']).string('comment')).toBe('')
  })

  it('takes a value that starts with a dash, as pflag does', () => {
    expect(parseArgs(spec, ['a', 'b', '--comment', '-5 degrees']).string('comment')).toBe('-5 degrees')
  })

  it('reads --flag=false and the other boolean words', () => {
    expect(parseArgs(spec, ['a', 'b', '--end=false']).boolean('end')).toBe(false)
    expect(parseArgs(spec, ['a', 'b', '--end=true']).boolean('end')).toBe(true)
    expect(parseArgs(spec, ['a', 'b', '--end=0']).boolean('end')).toBe(false)
    expect(parseArgs(spec, ['a', 'b']).boolean('end')).toBeUndefined()
    expect(usageError(['a', 'b', '--end=maybe']).message).toBe(
      'invalid argument "maybe" for "--end" flag: must be true or false',
    )
  })

  it('reads shorthands, grouped or with a value', () => {
    const parsed = parseArgs(spec, ['-yv', 'a', 'b', '-n', '5'])
    expect(parsed.boolean('yes')).toBe(true)
    expect(parsed.verbose).toBe(true)
    expect(parsed.string('limit')).toBe('5')
    expect(parseArgs(spec, ['a', 'b', '-n7']).string('limit')).toBe('7')
  })

  it('treats everything after -- as arguments, and a lone - as an argument', () => {
    expect(parseArgs(spec, ['--', '--end', '-x']).args).toEqual(['--end', '-x'])
    expect(parseArgs(spec, ['-', 'b']).args).toEqual(['-', 'b'])
  })

  it('rejects unknown flags and missing values with the usage block', () => {
    const unknown = usageError(['a', 'b', '--foo'])
    expect(unknown.message).toBe('unknown flag: --foo')
    expect(unknown.usage).toBe(formatUsage(spec))
    expect(usageError(['a', 'b', '--foo=1']).message).toBe('unknown flag: --foo')
    expect(usageError(['a', 'b', '-x']).message).toBe("unknown shorthand flag: 'x' in -x")
    expect(usageError(['a', 'b', '--comment']).message).toBe('flag needs an argument: --comment')
    expect(usageError(['a', 'b', '-n']).message).toBe("flag needs an argument: 'n' in -n")
  })

  it("checks the number of arguments with cobra's messages", () => {
    expect(usageError(['a']).message).toBe('accepts 2 arg(s), received 1')
    expect(usageError(['a', 'b', 'c']).message).toBe('accepts 2 arg(s), received 3')
    const range = (min: number, max: number, argv: string[]) => {
      try {
        parseArgs({ ...spec, args: { min, max } }, argv)
        return ''
      } catch (error) {
        return (error as Error).message
      }
    }
    expect(range(1, 2, [])).toBe('accepts between 1 and 2 arg(s), received 0')
    expect(range(0, 1, ['a', 'b'])).toBe('accepts at most 1 arg(s), received 2')
    expect(range(0, 0, ['oops'])).toBe('unknown command "oops" for "timon push probe"')
  })

  it('does not check the arguments when --help is given', () => {
    expect(parseArgs(spec, ['--help']).help).toBe(true)
    expect(parseArgs(spec, ['x', '-h', 'y', 'z']).help).toBe(true)
  })
})

describe('formatHelp', () => {
  it('shows the description, the usage line, every flag with --help and --verbose, and examples', () => {
    const help = formatHelp({ ...spec, examples: ['timon push probe a.b healthy'] })
    expect(help).toBe(
      [
        'Push a probe',
        '',
        'Usage:',
        '  timon push probe <code> <health> [flags]',
        '',
        'Flags:',
        '      --comment <text>   A comment',
        '      --end              End it',
        '  -y, --yes              Yes',
        '  -n, --limit <value>    How many',
        '  -h, --help             Show help for this command',
        '  -v, --verbose          Print more details (daemon: debug logs)',
        '',
        'Examples:',
        '  timon push probe a.b healthy',
        '',
      ].join('\n'),
    )
  })
})
