import type { z } from 'zod'

/**
 * The problems of an input that failed its schema, one line each, for people:
 * `health: is required`, `overlap_incident: must be a boolean`, `colour: unknown field`, or the
 * message of a check (`invalid rule stale-after — invalid duration "x"`, which names its field
 * itself).
 *
 * @param fieldName how a field is named, from its key in the input (default: as is); the daemon
 *   names the wire's snake_case keys.
 */
export function describeInputIssues(issues: readonly z.core.$ZodIssue[], fieldName: (key: string) => string = (key) => key): string[] {
  return issues.flatMap((issue) => describeIssue(issue, fieldName))
}

// --- internal ---

function describeIssue(issue: z.core.$ZodIssue, fieldName: (key: string) => string): string[] {
  const at = issue.path.map((key) => (typeof key === 'string' ? fieldName(key) : String(key))).join('.')
  const prefix = at === '' ? '' : `${at}: `
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${at === '' ? '' : `${at}.`}${fieldName(key)}: unknown field`)
    case 'custom':
      return [issue.message]
    case 'invalid_type':
      return [`${prefix}${issue.input === undefined ? 'is required' : `must be ${expected(issue)}`}`]
    case 'invalid_union':
      return [`${prefix}must be ${[...new Set(issue.errors.flat().map(expected))].join(' or ')}`]
    default:
      return [`${prefix}${issue.message}`]
  }
}

function expected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return issue.expected === 'null' ? 'null' : `a ${issue.expected}`
  if (issue.code === 'invalid_value') return issue.values.map((value) => JSON.stringify(value)).join(' or ')
  if (issue.code === 'invalid_union') return [...new Set(issue.errors.flat().map(expected))].join(' or ')
  return 'valid'
}
