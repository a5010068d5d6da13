import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { TRANSPORT_HEADERS, headerProblem, headersField, type HeaderRules } from './headers.js'

const byTimon: HeaderRules = { reserved: [...TRANSPORT_HEADERS, 'x-timon-event'], setBy: 'Timon' }
const byClient: HeaderRules = { reserved: TRANSPORT_HEADERS, setBy: 'the HTTP client' }

/** The issues of a headers table as `<name>: <message>`. */
function issuesOf(headers: unknown, rules: HeaderRules): string[] {
  const parsed = headersField(rules).safeParse(headers)
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
}

describe('headersField', () => {
  it('takes a table of valid headers as is', () => {
    const headers = { Authorization: 'Bearer x', 'User-Agent': 'me', 'X-Empty': '' }
    expect(headersField(byClient).parse(headers)).toEqual(headers)
  })

  it('checks names, values, reserved names and names differing only in case, one issue per header', () => {
    expect(
      issuesOf(
        {
          'Content-Type': 'text/plain',
          'content-type': 'text/html',
          'X-Ok': 'fine',
          'Bad Header': 'x',
          'X-Evil': 'a\r\nInjected: yes',
          'X-Timon-Event': 'mine',
          'Content-Length': '3',
        },
        byTimon,
      ),
    ).toEqual([
      'content-type: is the same header as "Content-Type" (names are case-insensitive)',
      'Bad Header: is not a valid header name',
      'X-Evil: has a value with invalid characters (such as a newline)',
      'X-Timon-Event: is set by Timon and cannot be configured',
      'Content-Length: is set by Timon and cannot be configured',
    ])
  })

  it('says who sets a reserved header, and reserves only what the rules say', () => {
    expect(issuesOf({ 'transfer-encoding': 'chunked', Connection: 'close', 'X-Timon-Event': 'x' }, byClient)).toEqual([
      'transfer-encoding: is set by the HTTP client and cannot be configured',
      'Connection: is set by the HTTP client and cannot be configured',
    ])
  })

  it('reports the later of two names differing in case, whichever case comes first', () => {
    expect(issuesOf({ 'x-a': '1', 'X-A': '2', 'X-a': '3' }, byClient)).toEqual([
      'X-A: is the same header as "x-a" (names are case-insensitive)',
      'X-a: is the same header as "X-A" (names are case-insensitive)',
    ])
  })

  it('wants a table of strings', () => {
    expect(issuesOf('x', byClient)).toEqual([': must be a table of strings'])
    expect(issuesOf({ 'X-A': 1 }, byClient)).toEqual(['X-A: must be a string'])
  })

  it('composes with default', () => {
    expect(z.object({ headers: headersField(byClient).default({}) }).parse({})).toEqual({ headers: {} })
  })
})

describe('headerProblem', () => {
  it('checks one header against an earlier one of the same name', () => {
    expect(headerProblem('X-A', 'b', undefined, byClient)).toBeUndefined()
    expect(headerProblem('x-a', 'b', 'X-A', byClient)).toBe('is the same header as "X-A" (names are case-insensitive)')
    expect(headerProblem('CONNECTION', 'close', undefined, byClient)).toBe(
      'is set by the HTTP client and cannot be configured',
    )
    expect(headerProblem('X-A', 'a\nb', undefined, byClient)).toBe(
      'has a value with invalid characters (such as a newline)',
    )
  })

  it('matches reserved names case-insensitively, however the rules spell them', () => {
    expect(headerProblem('x-mine', 'b', undefined, { reserved: ['X-Mine'], setBy: 'Timon' })).toBe(
      'is set by Timon and cannot be configured',
    )
  })
})
