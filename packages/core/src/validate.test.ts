import { describe, expect, it } from 'vitest'
import {
  HEALTHS,
  formatIncidentCode,
  goQuote,
  optionalText,
  parseCodeRef,
  parseIncidentCode,
  parseReportRef,
  parseTarget,
  trimSpace,
  validateCode,
  validateComment,
  validateDescription,
  validateHealth,
  validateLabel,
  validateNote,
  validateTitle,
  validateUid,
} from './validate.js'

const UID = '3f2a9c1b7d4e'
const SYNTAX = "must be lowercase alphanumeric and may contain '.' or '-' (not at start or end)"
const lengthMessage = (arg: string) => `invalid code ${goQuote(arg)} — must be 2–50 characters`
const reservedMessage = (arg: string) => `invalid code "${arg}" — codes matching INC-[0-9]+ are reserved`
const plainSyntaxMessage = (arg: string) => `invalid code ${goQuote(arg)} — ${SYNTAX}`
const uidSyntaxMessage = (arg: string) =>
  `invalid code ${goQuote(arg)} — ${SYNTAX}, optionally followed by a sample or run uid separated by ':' made of 12 lowercase hexadecimal characters`

describe('goQuote', () => {
  it('wraps plain text in double quotes', () => {
    expect(goQuote('db.backup')).toBe('"db.backup"')
    expect(goQuote('')).toBe('""')
    expect(goQuote('a b')).toBe('"a b"')
  })

  it('escapes double quotes and backslashes', () => {
    expect(goQuote('say "hi"')).toBe('"say \\"hi\\""')
    expect(goQuote('C:\\tmp')).toBe('"C:\\\\tmp"')
    expect(goQuote("it's")).toBe('"it\'s"')
  })

  it('uses the short escapes for the common control characters', () => {
    expect(goQuote('a\nb\tc\rd')).toBe('"a\\nb\\tc\\rd"')
    expect(goQuote('\x07\b\f\v')).toBe('"\\a\\b\\f\\v"')
  })

  it('writes other ASCII controls and DEL as \\x escapes', () => {
    expect(goQuote('\x00\x01\x1b\x7f')).toBe('"\\x00\\x01\\x1b\\x7f"')
  })

  it('keeps printable non-ASCII characters as they are', () => {
    expect(goQuote('café — ünïcode – 日本 😀 µ')).toBe('"café — ünïcode – 日本 😀 µ"')
  })

  it('writes non-printable non-ASCII characters as \\u or \\U escapes in lowercase hex', () => {
    expect(goQuote('\u0085')).toBe('"\\u0085"') // C1 control
    expect(goQuote('a\u00a0b')).toBe('"a\\u00a0b"') // no-break space
    expect(goQuote('\u00ad')).toBe('"\\u00ad"') // soft hyphen (format)
    expect(goQuote('\u200b\u2028\ufeff')).toBe('"\\u200b\\u2028\\ufeff"')
    expect(goQuote('\ue000')).toBe('"\\ue000"') // private use
    expect(goQuote('\u{e0001}')).toBe('"\\U000e0001"') // language tag (format, astral)
  })

  it('writes a lone surrogate as the replacement character escape, as Go does for an invalid rune', () => {
    expect(goQuote('a\ud800b')).toBe('"a\\ufffdb"')
  })
})

describe('trimSpace', () => {
  it('removes white space at both ends only', () => {
    expect(trimSpace('  \t a b \n')).toBe('a b')
    expect(trimSpace('\u0085\u00a0\u3000x\u2028')).toBe('x')
  })

  it('keeps a byte order mark, which Go does not count as space', () => {
    expect(trimSpace('\ufeffx')).toBe('\ufeffx')
  })
})

describe('validateCode', () => {
  it.each(['db', 'db.backup', 'a..b', 'a--b', 'a.-b', 'nightly-sync', 'a1', '9z', '00'])(
    'accepts the code %j',
    (code) => {
      expect(validateCode(code)._unsafeUnwrap()).toBe(code)
    },
  )

  it('checks the length in bytes, between 2 and 50', () => {
    expect(validateCode('ab').isOk()).toBe(true)
    expect(validateCode('a'.repeat(50)).isOk()).toBe(true)
    expect(validateCode('a')._unsafeUnwrapErr()).toEqual({ code: 'validation', message: lengthMessage('a') })
    expect(validateCode('')._unsafeUnwrapErr().message).toBe('invalid code "" — must be 2–50 characters')
    expect(validateCode('a'.repeat(51))._unsafeUnwrapErr().message).toBe(lengthMessage('a'.repeat(51)))
  })

  it('counts multi-byte characters as several bytes', () => {
    // 'é' is 2 bytes: one character passes the length check and fails the syntax
    expect(validateCode('é')._unsafeUnwrapErr().message).toBe(plainSyntaxMessage('é'))
    expect(validateCode('é'.repeat(25))._unsafeUnwrapErr().message).toBe(plainSyntaxMessage('é'.repeat(25)))
    expect(validateCode('é'.repeat(26))._unsafeUnwrapErr().message).toBe(lengthMessage('é'.repeat(26)))
    expect(validateCode('😀'.repeat(13))._unsafeUnwrapErr().message).toBe(lengthMessage('😀'.repeat(13)))
  })

  it('reserves the incident form INC-<digits>', () => {
    expect(validateCode('INC-3')._unsafeUnwrapErr()).toEqual({ code: 'validation', message: reservedMessage('INC-3') })
    expect(validateCode('INC-007')._unsafeUnwrapErr().message).toBe(reservedMessage('INC-007'))
  })

  it.each(['-ab', 'ab-', '.ab', 'ab.', 'Ab', 'DB', 'a_b', 'a b', 'a/b', 'inc-', 'INC-x', 'INC-'])(
    'rejects %j with the syntax message',
    (code) => {
      expect(validateCode(code)._unsafeUnwrapErr().message).toBe(plainSyntaxMessage(code))
    },
  )

  it('refuses a valid code:uid with a message saying no uid is allowed', () => {
    expect(validateCode(`db.backup:${UID}`)._unsafeUnwrapErr().message).toBe(
      `invalid code "db.backup:${UID}" — ${SYNTAX}, no sample or run uid allowed here`,
    )
  })

  it('uses the plain syntax message for a malformed code:uid', () => {
    expect(validateCode('db:ABC')._unsafeUnwrapErr().message).toBe(plainSyntaxMessage('db:ABC'))
  })

  it('Go-quotes the argument in its messages', () => {
    expect(validateCode('a"b')._unsafeUnwrapErr().message).toBe(`invalid code "a\\"b" — ${SYNTAX}`)
    expect(validateCode('a\nb')._unsafeUnwrapErr().message).toBe(`invalid code "a\\nb" — ${SYNTAX}`)
  })
})

describe('parseCodeRef', () => {
  it('returns a plain code without a uid', () => {
    expect(parseCodeRef('db.backup')._unsafeUnwrap()).toEqual({ code: 'db.backup' })
  })

  it('splits code:uid at the first colon', () => {
    expect(parseCodeRef(`db.backup:${UID}`)._unsafeUnwrap()).toEqual({ code: 'db.backup', uid: UID })
  })

  it('accepts a 37-byte code with a uid, which makes exactly 50 bytes', () => {
    const code = 'c'.repeat(37)
    expect(parseCodeRef(`${code}:${UID}`)._unsafeUnwrap()).toEqual({ code, uid: UID })
  })

  it('rejects a 38-byte code with a uid by the length of the whole argument', () => {
    const arg = `${'c'.repeat(38)}:${UID}`
    expect(parseCodeRef(arg)._unsafeUnwrapErr().message).toBe(lengthMessage(arg))
  })

  it('reserves the incident form', () => {
    expect(parseCodeRef('INC-3')._unsafeUnwrapErr().message).toBe(reservedMessage('INC-3'))
  })

  it.each([
    'db:',
    `db:${UID.toUpperCase()}`,
    `db:${UID}0`,
    `db:${UID.slice(1)}`,
    `db:${UID}:${UID}`,
    `-db:${UID}`,
    `:${UID}`,
    'db:ghijklmnopqr',
  ])('rejects %j with the message that mentions the optional uid', (arg) => {
    expect(parseCodeRef(arg)._unsafeUnwrapErr()).toEqual({ code: 'validation', message: uidSyntaxMessage(arg) })
  })

  it('checks the length before the syntax', () => {
    expect(parseCodeRef('A')._unsafeUnwrapErr().message).toBe(lengthMessage('A'))
  })
})

describe('parseReportRef', () => {
  it('returns the code and the uid', () => {
    expect(parseReportRef(`nightly:${UID}`)._unsafeUnwrap()).toEqual({ code: 'nightly', uid: UID })
  })

  it('trims the argument before checking it', () => {
    expect(parseReportRef(`  nightly:${UID}\n`)._unsafeUnwrap()).toEqual({ code: 'nightly', uid: UID })
  })

  it('reports a code without a uid as an invalid run UID, quoting the argument as typed', () => {
    expect(parseReportRef('nightly')._unsafeUnwrapErr()).toEqual({
      code: 'validation',
      message: 'invalid run UID: nightly',
    })
    expect(parseReportRef(' nightly ')._unsafeUnwrapErr().message).toBe('invalid run UID:  nightly ')
  })

  it('reports other malformed arguments like parseCodeRef', () => {
    expect(parseReportRef('Nightly')._unsafeUnwrapErr().message).toBe(uidSyntaxMessage('Nightly'))
    expect(parseReportRef('INC-3')._unsafeUnwrapErr().message).toBe(reservedMessage('INC-3'))
    expect(parseReportRef('x')._unsafeUnwrapErr().message).toBe(lengthMessage('x'))
  })
})

describe('validateUid', () => {
  it('accepts exactly 12 lowercase hexadecimal characters', () => {
    expect(validateUid(UID)._unsafeUnwrap()).toBe(UID)
    expect(validateUid('000000000000').isOk()).toBe(true)
  })

  it.each(['', UID.toUpperCase(), UID.slice(1), `${UID}0`, 'ghijklmnopqr', `${UID.slice(0, 11)} `])(
    'rejects %j',
    (uid) => {
      expect(validateUid(uid)._unsafeUnwrapErr()).toEqual({
        code: 'validation',
        message: `invalid report uid ${goQuote(uid)} — must be 12 lowercase hexadecimal characters`,
      })
    },
  )
})

describe('parseIncidentCode', () => {
  it('reads the number of INC-<digits>', () => {
    expect(parseIncidentCode('INC-3')._unsafeUnwrap()).toBe(3)
    expect(parseIncidentCode('INC-42')._unsafeUnwrap()).toBe(42)
  })

  it('allows leading zeros', () => {
    expect(parseIncidentCode('INC-007')._unsafeUnwrap()).toBe(7)
  })

  it('parses INC-0 as 0 and leaves the meaning to the caller', () => {
    expect(parseIncidentCode('INC-0')._unsafeUnwrap()).toBe(0)
  })

  it.each([
    'inc-3',
    'Inc-3',
    'INC-',
    'INC3',
    'INC-3a',
    'INC--3',
    'INC-+3',
    ' INC-3',
    'INC-3.0',
    'INC-99999999999999999999',
    '',
  ])('rejects %j', (arg) => {
    expect(parseIncidentCode(arg)._unsafeUnwrapErr()).toEqual({
      code: 'validation',
      message: `invalid incident code ${goQuote(arg)} — must match INC-[0-9]+`,
    })
  })
})

describe('formatIncidentCode', () => {
  it('writes INC- followed by the id', () => {
    expect(formatIncidentCode(3)).toBe('INC-3')
    expect(formatIncidentCode(parseIncidentCode('INC-007')._unsafeUnwrap())).toBe('INC-7')
  })
})

describe('parseTarget', () => {
  it('tries the incident form first', () => {
    expect(parseTarget('INC-3')._unsafeUnwrap()).toEqual({ kind: 'incident', id: 3 })
    expect(parseTarget('INC-0')._unsafeUnwrap()).toEqual({ kind: 'incident', id: 0 })
  })

  it('falls back to a contract code, so inc-3 is a contract', () => {
    expect(parseTarget('inc-3')._unsafeUnwrap()).toEqual({ kind: 'contract', code: 'inc-3' })
    expect(parseTarget('db.backup')._unsafeUnwrap()).toEqual({ kind: 'contract', code: 'db.backup' })
  })

  it('reads code:uid as a report', () => {
    expect(parseTarget(`db.backup:${UID}`)._unsafeUnwrap()).toEqual({ kind: 'report', code: 'db.backup', uid: UID })
  })

  it('fails with the code messages of parseCodeRef', () => {
    expect(parseTarget('Inc-3')._unsafeUnwrapErr().message).toBe(uidSyntaxMessage('Inc-3'))
    expect(parseTarget('x')._unsafeUnwrapErr().message).toBe(lengthMessage('x'))
  })
})

describe('text fields', () => {
  const fields = [
    ['validateComment', validateComment, 250, () => 'invalid comment — must be 1–250 characters'],
    ['validateLabel', validateLabel, 250, (s: string) => `invalid label ${goQuote(s)} — must be 1–250 characters`],
    ['validateTitle', validateTitle, 50, () => 'invalid title — must be 1–50 characters'],
    ['validateDescription', validateDescription, 250, () => 'invalid description — must be 1–250 characters'],
    ['validateNote', validateNote, 250, () => 'invalid note — must be 1–250 characters'],
  ] as const

  describe.each(fields)('%s', (_name, validate, max, message) => {
    it('returns the value trimmed', () => {
      expect(validate('  Backup OK \n')._unsafeUnwrap()).toBe('Backup OK')
    })

    it(`accepts 1 to ${max} bytes`, () => {
      expect(validate('x')._unsafeUnwrap()).toBe('x')
      expect(validate('x'.repeat(max))._unsafeUnwrap()).toBe('x'.repeat(max))
    })

    it(`rejects more than ${max} bytes, counting multi-byte characters as bytes`, () => {
      expect(validate('x'.repeat(max + 1))._unsafeUnwrapErr()).toEqual({
        code: 'validation',
        message: message('x'.repeat(max + 1)),
      })
      expect(validate('é'.repeat(max / 2))._unsafeUnwrap()).toBe('é'.repeat(max / 2))
      expect(validate(`${'é'.repeat(max / 2 - 1)}xé`)._unsafeUnwrapErr().message).toBe(
        message(`${'é'.repeat(max / 2 - 1)}xé`),
      )
    })

    it('does not count surrounding space toward the limit', () => {
      expect(validate(` ${'x'.repeat(max)} `).isOk()).toBe(true)
    })

    it('rejects a value that is empty after trimming', () => {
      expect(validate('')._unsafeUnwrapErr().message).toBe(message(''))
      expect(validate(' \t\n ')._unsafeUnwrapErr().message).toBe(message(''))
    })
  })

  it('quotes the trimmed label in its message', () => {
    expect(validateLabel(` ${'x'.repeat(251)} `)._unsafeUnwrapErr().message).toBe(
      `invalid label "${'x'.repeat(251)}" — must be 1–250 characters`,
    )
  })

  it('counts four bytes for a character outside the BMP', () => {
    expect(validateTitle(`${'😀'.repeat(12)}xx`).isOk()).toBe(true)
    expect(validateTitle(`${'😀'.repeat(12)}xxx`).isErr()).toBe(true)
  })
})

describe('validateHealth', () => {
  it('accepts the three pushable healths exactly', () => {
    expect(HEALTHS).toEqual(['healthy', 'warning', 'critical'])
    for (const health of HEALTHS) expect(validateHealth(health)._unsafeUnwrap()).toBe(health)
  })

  it('trims before checking', () => {
    expect(validateHealth(' warning\n')._unsafeUnwrap()).toBe('warning')
  })

  it.each(['Healthy', 'CRITICAL', 'unknown', 'ok', ''])('rejects %j', (health) => {
    expect(validateHealth(health)._unsafeUnwrapErr()).toEqual({
      code: 'validation',
      message: `invalid health "${health}" — must be one of: healthy, warning, critical`,
    })
  })
})

describe('optionalText', () => {
  it('treats undefined, null and blank values as absent', () => {
    expect(optionalText(undefined, validateComment)._unsafeUnwrap()).toBeUndefined()
    expect(optionalText(null, validateComment)._unsafeUnwrap()).toBeUndefined()
    expect(optionalText('', validateComment)._unsafeUnwrap()).toBeUndefined()
    expect(optionalText('   ', validateDescription)._unsafeUnwrap()).toBeUndefined()
  })

  it('returns a present value trimmed', () => {
    expect(optionalText(' Disk full ', validateDescription)._unsafeUnwrap()).toBe('Disk full')
  })

  it('passes on the error of the validator', () => {
    expect(optionalText('x'.repeat(251), validateComment)._unsafeUnwrapErr().message).toBe(
      'invalid comment — must be 1–250 characters',
    )
  })
})
