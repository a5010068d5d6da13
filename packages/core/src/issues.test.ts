import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { formatIssues } from './issues.js'

const schema = z.strictObject({
  url: z.array(z.string({ error: 'must be a URL string' })),
  retry: z.strictObject({ attempts: z.number() }).optional(),
  stale_after: z.union([z.string(), z.number()]).optional(),
  mode: z.enum(['fast', 'slow']).optional(),
})

function issuesOf(prefix: string, input: unknown): string[] {
  const parsed = schema.safeParse(input)
  return parsed.success ? [] : formatIssues(prefix, parsed.error.issues)
}

describe('formatIssues', () => {
  it('prefixes every issue with its path: keys as .key, indexes as [i]', () => {
    expect(issuesOf('check[1]', { url: ['http://h/', 3], retry: { attempts: 'x' } })).toEqual([
      'check[1].url[1]: must be a URL string',
      'check[1].retry.attempts: must be a number',
    ])
  })

  it('gives one line per unknown key, at any depth', () => {
    expect(issuesOf('webhook[0]', { url: [], intervall: 1, extra: 2, retry: { attempts: 1, backoff: 2 } })).toEqual([
      'webhook[0].retry.backoff: unknown key',
      'webhook[0].intervall: unknown key',
      'webhook[0].extra: unknown key',
    ])
    expect(issuesOf('', { url: [], colour: 'red' })).toEqual(['colour: unknown key'])
  })

  it("words zod's defaults for missing and mistyped values, unions and literals", () => {
    expect(issuesOf('', {})).toEqual(['url: is required'])
    expect(issuesOf('', { url: [], stale_after: true, mode: 'medium' })).toEqual([
      'stale_after: must be a string or a number',
      'mode: must be "fast" or "slow"',
    ])
  })

  it("prints the core's self-naming messages without the path when asked", () => {
    const core = z.object({
      code: z.string().refine(() => false, 'invalid code "A" — must be 2–50 characters'),
      health: z.string(),
    })
    const parsed = core.safeParse({ code: 'A' })
    expect(formatIssues('', parsed.error?.issues ?? [], { customMessagesNameTheField: true })).toEqual([
      'invalid code "A" — must be 2–50 characters',
      'health: is required',
    ])
    expect(formatIssues('', parsed.error?.issues ?? [])).toEqual([
      'code: invalid code "A" — must be 2–50 characters',
      'health: is required',
    ])
  })

  it('keeps the messages a schema wrote, and reports the whole input by its message alone', () => {
    expect(
      formatIssues('', [
        { code: 'custom', path: ['daemon', 'log_level'], message: 'unknown level "x"', input: undefined },
      ]),
    ).toEqual(['daemon.log_level: unknown level "x"'])
    expect(
      formatIssues('', [
        { code: 'custom', path: [], message: 'end-comment can only be given with end', input: undefined },
      ]),
    ).toEqual(['end-comment can only be given with end'])
    expect(issuesOf('check[0]', 'x')).toEqual(['check[0]: must be an object'])
  })
})
