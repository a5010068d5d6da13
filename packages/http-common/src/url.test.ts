import { describe, expect, it } from 'vitest'
import { httpUrlProblem } from './url.js'

describe('httpUrlProblem', () => {
  it('accepts http and https URLs', () => {
    expect(httpUrlProblem('http://10.0.0.5:3000/x')).toBeUndefined()
    expect(httpUrlProblem('https://hooks.example.com/x?token=1')).toBeUndefined()
  })

  it('rejects what does not parse, and other protocols', () => {
    expect(httpUrlProblem('not a url')).toBe('invalid url "not a url"')
    expect(httpUrlProblem('ftp://h/')).toBe('must be an http:// or https:// URL, not ftp:')
    expect(httpUrlProblem('file:///etc/passwd')).toBe('must be an http:// or https:// URL, not file:')
  })
})
