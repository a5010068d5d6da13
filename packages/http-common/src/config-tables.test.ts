import { err, ok } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { parseTableArray } from './config-tables.js'

const schema = z.strictObject(
  { name: z.string({ error: 'must be a string' }), copies: z.number().default(1) },
  { error: 'must be a table' },
)

/** Makes `copies` items of each table; a name `bad` is an issue of its own. */
const parse = (input: unknown) =>
  parseTableArray('thing', input, schema, ({ name, copies }, prefix, index) =>
    name === 'bad'
      ? err([`${prefix}.name: is bad`])
      : ok(Array.from({ length: copies }, (_, n) => `${index}:${name}#${n}`)),
  )

describe('parseTableArray', () => {
  it('takes an absent array as none', () => {
    expect(parse(undefined)._unsafeUnwrap()).toEqual([])
  })

  it('rejects what is not an array, naming the key', () => {
    expect(parse({ name: 'a' })._unsafeUnwrapErr()).toEqual(['thing: must be an array of tables ([[thing]])'])
  })

  it('gives every item of every table in order', () => {
    expect(parse([{ name: 'a', copies: 2 }, { name: 'b' }])._unsafeUnwrap()).toEqual(['0:a#0', '0:a#1', '1:b#0'])
  })

  it("gives every issue in order, the schema's (formatted) and the loader's alike", () => {
    expect(
      parse([{ name: 'a' }, 'x', { name: 'bad' }, { name: 3, extra: true }, { name: 'c' }])._unsafeUnwrapErr(),
    ).toEqual([
      'thing[1]: must be a table',
      'thing[2].name: is bad',
      'thing[3].name: must be a string',
      'thing[3].extra: unknown key',
    ])
  })
})
