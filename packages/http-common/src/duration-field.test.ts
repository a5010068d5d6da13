import { describe, expect, it } from 'vitest'
import { durationField } from './duration-field.js'

const messages = (field: ReturnType<typeof durationField>, input: unknown) =>
  field.safeParse(input).error?.issues.map((issue) => issue.message)

describe('durationField', () => {
  it('parses duration strings into milliseconds', () => {
    expect(durationField().parse('10s')).toBe(10_000)
    expect(durationField().parse('2m')).toBe(120_000)
  })

  it("reports the core's parse errors", () => {
    expect(messages(durationField(), 'soon')).toEqual(['invalid duration "soon"'])
    expect(messages(durationField(), '-5s')?.[0]).toMatch(/^invalid duration "-5s" — must not be negative/)
  })

  it('rejects zero unless allowZero', () => {
    expect(messages(durationField(), '0')).toEqual(['must be greater than 0'])
    expect(durationField({ allowZero: true }).parse('0')).toBe(0)
  })

  it('names the given examples when the value is not a string', () => {
    expect(messages(durationField(), 60)).toEqual(['must be a duration string such as "10s"'])
    expect(messages(durationField({ examples: '"30s" or "2m"' }), 60)).toEqual([
      'must be a duration string such as "30s" or "2m"',
    ])
  })
})
