import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { formatIssue, formatIssues } from './config-issues.js'

const schema = z.strictObject({
  url: z.array(z.string({ error: 'must be a string' })),
  retry: z.strictObject({ attempts: z.number({ error: 'must be a number' }) }).optional(),
})

function issuesOf(prefix: string, input: unknown): string[] {
  const parsed = schema.safeParse(input)
  return parsed.success ? [] : formatIssues(prefix, parsed.error.issues)
}

describe('formatIssues', () => {
  it('prefixes every issue with its path: keys as .key, indexes as [i]', () => {
    expect(issuesOf('check[1]', { url: ['http://h/', 3], retry: { attempts: 'x' } })).toEqual([
      'check[1].url[1]: must be a string',
      'check[1].retry.attempts: must be a number',
    ])
  })

  it('gives one line per unknown key, at any depth', () => {
    expect(issuesOf('webhook[0]', { url: [], intervall: 1, extra: 2, retry: { attempts: 1, backoff: 2 } })).toEqual([
      'webhook[0].retry.backoff: unknown key',
      'webhook[0].intervall: unknown key',
      'webhook[0].extra: unknown key',
    ])
  })

  it('reports the table itself at the bare prefix', () => {
    expect(issuesOf('check[0]', 'x')).toEqual([`check[0]: ${schema.safeParse('x').error?.issues[0]?.message}`])
  })
})

describe('formatIssue', () => {
  it('formats one issue', () => {
    expect(formatIssue('check[2]', { code: 'custom', path: ['headers', 'X A'], message: 'is not a valid header name', input: undefined })).toEqual([
      'check[2].headers.X A: is not a valid header name',
    ])
  })

  it('names top-level keys without a leading dot, and the whole file as config', () => {
    expect(formatIssue('', { code: 'custom', path: ['daemon', 'log_level'], message: 'unknown level "x"', input: undefined })).toEqual([
      'daemon.log_level: unknown level "x"',
    ])
    expect(formatIssue('', { code: 'unrecognized_keys', path: [], keys: ['bogus'], message: '', input: {} })).toEqual(['bogus: unknown key'])
    expect(formatIssue('', { code: 'custom', path: [], message: 'must be a table', input: undefined })).toEqual(['config: must be a table'])
  })
})
