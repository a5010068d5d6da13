import { describe, expect, it } from 'vitest'
import { formatAgo, formatGoDuration, formatHumanDuration, MAX_DURATION_MS, parseDuration } from './duration.js'

const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const parsed = (input: string) => parseDuration(input)._unsafeUnwrap()
const failure = (input: string) => parseDuration(input)._unsafeUnwrapErr()

describe('parseDuration', () => {
  it.each([
    ['30d', 720 * HOUR],
    ['1w2d', 216 * HOUR],
    ['1h30m', 90 * MINUTE],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['0', 0],
    ['+0', 0],
    ['+5m', 5 * MINUTE],
    ['1d 12h', 36 * HOUR],
    [' 1 d  12 h ', 36 * HOUR],
    ['1mo', 720 * HOUR],
    ['1y', 8_760 * HOUR],
    ['2w', 336 * HOUR],
    ['1y1mo1w1d1h1m1s1ms', (8_760 + 720 + 168 + 24 + 1) * HOUR + MINUTE + SECOND + 1],
    ['0s', 0],
    ['0h0m', 0],
    ['90s', 90 * SECOND],
  ])('reads %j as the duration it names', (input, ms) => {
    expect(parsed(input)).toBe(ms)
  })

  it('reads m as minutes and mo as months, never minutes followed by junk', () => {
    expect(parsed('1m')).toBe(MINUTE)
    expect(parsed('1mo')).toBe(30 * DAY)
    expect(parsed('1mo1m')).toBe(30 * DAY + MINUTE)
    expect(parsed('1ms')).toBe(1)
  })

  it('gives decimals their real meaning for every unit, unlike the Go original', () => {
    expect(parsed('1.5d')).toBe(36 * HOUR)
    expect(parsed('0.5w')).toBe(84 * HOUR)
    expect(parsed('1.5mo')).toBe(45 * DAY)
    expect(parsed('0.5y')).toBe(4_380 * HOUR)
    expect(parsed('1.25m')).toBe(75 * SECOND)
    expect(parsed('2.5s')).toBe(2_500)
  })

  it('accepts Go decimal forms with a missing whole or fraction part', () => {
    expect(parsed('.5h')).toBe(30 * MINUTE)
    expect(parsed('5.h')).toBe(5 * HOUR)
    expect(parsed('1h.5m')).toBe(HOUR + 30 * SECOND)
  })

  it('is exact for whole values, with no floating-point noise', () => {
    expect(parsed('0.1s')).toBe(100)
    expect(parsed('0.3s')).toBe(300)
    expect(parsed('1.1h')).toBe(3_960_000)
    expect(parsed('100y')).toBe(100 * 8_760 * HOUR)
  })

  it('accepts sub-millisecond units that add up to whole milliseconds', () => {
    expect(parsed('1000us')).toBe(1)
    expect(parsed('1000µs')).toBe(1) // U+00B5 MICRO SIGN
    expect(parsed('1000μs')).toBe(1) // U+03BC GREEK SMALL LETTER MU
    expect(parsed('1s1000000ns')).toBe(1_001)
    expect(parsed('1.0000009ms')).toBe(1) // fractions finer than a nanosecond are truncated, as Go does
  })

  it.each(['1500us', '1us', '1.5ms', '1ns', '1s500ns', '0.5ms'])(
    'rejects %j, which is not a whole number of milliseconds',
    (input) => {
      expect(failure(input)).toEqual({
        code: 'validation',
        message: `invalid duration "${input}" — must be a whole number of milliseconds`,
      })
    },
  )

  it.each([
    '',
    ' ',
    'abc',
    '5',
    '1x',
    'h',
    '.h',
    '.',
    '1D',
    '1H',
    '1Mo',
    '00',
    '1h5',
    '1.5.5h',
    '+-5m',
    '++5m',
    '5m+1h',
    '1h-5m',
    '1\t h',
    'constructor',
    '1constructor',
  ])('rejects %j as unparsable', (input) => {
    expect(failure(input)).toEqual({ code: 'validation', message: `invalid duration "${input.replaceAll(' ', '')}"` })
  })

  it('quotes the input with its spaces removed in the error', () => {
    expect(failure('1 x').message).toBe('invalid duration "1x"')
  })

  it('rejects negative durations, unlike the Go original', () => {
    expect(failure('-5m')).toEqual({ code: 'validation', message: 'invalid duration "-5m" — must not be negative' })
    expect(failure('- 1h 30m').message).toBe('invalid duration "-1h30m" — must not be negative')
    expect(failure('-0').message).toBe('invalid duration "-0" — must not be negative')
  })

  it('reports an unparsable negative value as unparsable', () => {
    expect(failure('-abc').message).toBe('invalid duration "-abc"')
    expect(failure('-').message).toBe('invalid duration "-"')
  })

  it('accepts at most 100 years, the one bound of every duration', () => {
    expect(parsed('100y')).toBe(MAX_DURATION_MS)
    expect(MAX_DURATION_MS).toBe(3_153_600_000_000)
    expect(parsed('876000h')).toBe(MAX_DURATION_MS)
    for (const input of [
      '100y1ms',
      '876001h',
      '300y',
      '2562048h',
      '99999999999999999999ns',
      '1e300s'.replace('e300', '0'.repeat(300)),
    ]) {
      expect(failure(input).message).toBe(`invalid duration "${input}" — must be at most 100y`)
    }
    expect(failure('300yjunk').message).toBe('invalid duration "300yjunk"')
  })
})

describe('formatGoDuration', () => {
  it.each([
    [0, '0s'],
    [10 * MINUTE, '10m0s'],
    [26 * HOUR, '26h0m0s'],
    [30 * DAY, '720h0m0s'],
    [90 * SECOND, '1m30s'],
    [723_456.789, '12m3.456789s'],
    [723_456.789123, '12m3.456789123s'],
    [HOUR + 5 * SECOND, '1h0m5s'],
    [MINUTE, '1m0s'],
    [SECOND, '1s'],
    [1_500, '1.5s'],
    [59_999, '59.999s'],
    [1.5, '1.5ms'],
    [250, '250ms'],
    [0.0015, '1.5µs'],
    [0.001, '1µs'],
    [0.000001, '1ns'],
    [0.000999, '999ns'],
    [999.999999, '999.999999ms'],
    [1_000.000001, '1.000000001s'],
  ])('formats %s ms as %j', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text)
  })

  it('writes microseconds with the micro sign U+00B5', () => {
    expect(formatGoDuration(0.002)).toBe('2\u00b5s')
  })

  it('prefixes negative values with a minus sign', () => {
    expect(formatGoDuration(-90 * SECOND)).toBe('-1m30s')
    expect(formatGoDuration(-1.5)).toBe('-1.5ms')
  })

  it('rounds to the nearest nanosecond', () => {
    expect(formatGoDuration(0.0000004)).toBe('0s')
    expect(formatGoDuration(0.0000016)).toBe('2ns')
  })

  it('stays exact for long durations', () => {
    expect(formatGoDuration(100 * 365 * DAY + 1)).toBe('876000h0m0.001s')
  })

  it('formats every parsed duration back to an equivalent Go duration', () => {
    expect(formatGoDuration(parsed('1h30m'))).toBe('1h30m0s')
    expect(formatGoDuration(parsed('1.5d'))).toBe('36h0m0s')
  })
})

describe('formatHumanDuration', () => {
  it.each([
    [0, '0s'],
    [0.4, '0s'],
    [-5 * SECOND, '0s'],
    [500, '500ms'],
    [1_500, '1s 500ms'],
    [252 * SECOND, '4m 12s'],
    [HOUR + 5 * SECOND, '1h 5s'],
    [25 * HOUR, '1d 1h'],
    [8 * DAY, '1w 1d'],
    [45 * DAY, '1mo 2w'],
    [400 * DAY, '1y 1mo'],
  ])('formats %s ms as %j, as in the reference table', (ms, text) => {
    expect(formatHumanDuration(ms)).toBe(text)
  })

  it('drops milliseconds from 10 seconds on, so an elapsed time reads 1m 53s, not 1m 886ms', () => {
    expect(formatHumanDuration(9_999)).toBe('9s 999ms')
    expect(formatHumanDuration(10_999)).toBe('10s')
    expect(formatHumanDuration(MINUTE + 886)).toBe('1m')
    expect(formatAgo(MINUTE + 53 * SECOND + 886)).toBe('1m 53s ago')
  })

  it('shows at most two units and drops the rest', () => {
    expect(formatHumanDuration(HOUR + 2 * MINUTE + 3 * SECOND + 4)).toBe('1h 2m')
    expect(formatHumanDuration(HOUR + 5 * SECOND + 300)).toBe('1h 5s')
  })

  it('shows a single unit when the rest is zero', () => {
    expect(formatHumanDuration(15 * MINUTE)).toBe('15m')
    expect(formatHumanDuration(SECOND)).toBe('1s')
    expect(formatHumanDuration(7 * DAY)).toBe('1w')
    expect(formatHumanDuration(365 * DAY)).toBe('1y')
  })

  it('drops anything below one millisecond', () => {
    expect(formatHumanDuration(1.9)).toBe('1ms')
    expect(formatHumanDuration(SECOND + 0.7)).toBe('1s')
  })

  it('prints 0s for values that are not finite', () => {
    expect(formatHumanDuration(Number.NaN)).toBe('0s')
  })
})

describe('formatAgo', () => {
  it('appends "ago" to the human duration', () => {
    expect(formatAgo(252 * SECOND)).toBe('4m 12s ago')
    expect(formatAgo(0)).toBe('0s ago')
    expect(formatAgo(-1)).toBe('0s ago')
  })
})
