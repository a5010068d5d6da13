// Type-only: `@timon/core/lite` re-exports this module and must not load zod.
import type { z } from 'zod'

/** Options of {@link formatIssues}. */
export interface FormatIssuesOptions {
  /**
   * The schema's own checks name the field in their messages, as the core's do
   * (`invalid rule stale-after — invalid duration "x"`, the Go original's wording): print those
   * messages as written, without the path. Default `false` (config tables, whose checks do not).
   */
  readonly customMessagesNameTheField?: boolean
  /**
   * How a field is named, from its key in the input (default: as is): the daemon names the
   * wire's snake_case keys for the camelCase keys the Monitor parses.
   */
  readonly fieldName?: (key: string) => string
}

/**
 * The one formatter of zod issues (config files, wire requests, `Monitor` inputs): each issue as
 * lines `<where>: <what is wrong>`, in order.
 *
 * `<where>` is `prefix` followed by the issue's path, keys as `.key` and array indexes as `[i]`
 * (`webhook[1].retry.delay`, `stale_after`); with neither, the line is the message alone. An
 * unknown key gives one line each: `<where>.<key>: unknown key`. A message the schema wrote is kept;
 * zod's own wording for a missing or mistyped value becomes `is required`, `must be a string`,
 * `must be a string or a number`, `must be "a" or "b"`.
 *
 * @param prefix - where the input stands, e.g. `webhook[2]` for one table of a config file; `''` for none.
 */
export function formatIssues(
  prefix: string,
  issues: readonly z.core.$ZodIssue[],
  options: FormatIssuesOptions = {},
): string[] {
  const name = options.fieldName ?? ((key: string) => key)
  return issues.flatMap((issue) => {
    if (issue.code === 'custom' && options.customMessagesNameTheField === true) return [issue.message]
    const at = (
      prefix + issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${name(String(key))}`)).join('')
    ).replace(/^\./, '')
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => `${at === '' ? '' : `${at}.`}${name(key)}: unknown key`)
    const problem = problemOf(issue)
    return [at === '' ? problem : `${at}: ${problem}`]
  })
}

// --- internal ---

/** What is wrong, in the project's words when zod's default wording would show. */
function problemOf(issue: z.core.$ZodIssue): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message
  switch (issue.code) {
    case 'invalid_type':
      return isMissing(issue) ? 'is required' : `must be ${expected(issue)}`
    case 'invalid_union':
    case 'invalid_value':
      return `must be ${expected(issue)}`
    default:
      return issue.message
  }
}

/** zod's default messages for a wrong type, union member or literal ("Invalid input: expected string, received number"). */
const ZOD_DEFAULT = /^Invalid (input|option)/

/** The value is absent: its reported input, else zod's wording when the parse did not report inputs. */
function isMissing(issue: z.core.$ZodIssue): boolean {
  return 'input' in issue ? issue.input === undefined : /received undefined$/.test(issue.message)
}

function expected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type')
    return issue.expected === 'null' ? 'null' : `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`
  if (issue.code === 'invalid_value') return issue.values.map((value) => JSON.stringify(value)).join(' or ')
  if (issue.code === 'invalid_union') return [...new Set(issue.errors.flat().map(expected))].join(' or ')
  return 'valid'
}
