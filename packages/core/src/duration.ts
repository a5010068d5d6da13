import { err, ok, type Result } from 'neverthrow'
import { validation, type CoreError } from './errors.js'

/**
 * A length of time in **milliseconds**. Durations given by users (flags, config, the wire) are
 * whole numbers from 0 to {@link MAX_DURATION_MS}.
 */
export type Duration = number

/**
 * The longest duration Timon accepts: 100 years (`100y` = 876,000 h, 3,153,600,000,000 ms). Far
 * beyond any sensible rule or retention, and far inside what a `Date` and an SQLite INTEGER
 * hold, so `now + duration` is always a valid instant.
 */
export const MAX_DURATION_MS = 100 * 8_760 * 3_600_000

/**
 * Parses a duration as written in flags and config (`30d`, `1w2d`, `1h30m`, `1d 12h`, `250ms`, `0`).
 *
 * Grammar: every space is removed first; then an optional `+`, then either a bare `0` or one or
 * more `<decimal number><unit>` terms, where the number may be `5`, `1.5`, `.5` or `5.` and the unit
 * is one of `ns`, `us`, `µs`, `μs`, `ms`, `s`, `m` (minutes), `h`, `d` (24h), `w` (168h),
 * `mo` (720h), `y` (8760h). Units are case-sensitive (`1D` is rejected).
 *
 * Departures from the Go original (docs/behaviour.md#durations): a leading `-` is rejected
 * (`invalid duration "<s>" — must not be negative`, also for `-0`); decimals of `d`, `w`, `mo`
 * and `y` mean what they say (`1.5d` = 36h); the result must be a whole number of milliseconds
 * (`1500us` and `1.5ms` give `… — must be a whole number of milliseconds`, `1000us` is 1 ms) and at
 * most {@link MAX_DURATION_MS} (`… — must be at most 100y`). Anything else that does not parse
 * gives `invalid duration "<s>"`, where `<s>` is the input with its spaces removed.
 *
 * @returns the duration in whole milliseconds, computed exactly (fractions below 1 ns are
 *   truncated first, as Go does).
 */
export function parseDuration(input: string): Result<Duration, CoreError> {
  const shown = input.replaceAll(' ', '')
  const invalid = () => err(validation(`invalid duration "${shown}"`))

  let rest = shown
  let negative = false
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-')
    rest = rest.slice(1)
  }
  const nanos = rest === '0' ? 0n : parseTerms(rest)
  if (nanos === undefined) return invalid()
  if (negative) return err(validation(`invalid duration "${shown}" — must not be negative`))
  if (nanos > MAX_DURATION_NS) return err(validation(`invalid duration "${shown}" — must be at most 100y`))
  if (nanos % NS_PER_MS !== 0n)
    return err(validation(`invalid duration "${shown}" — must be a whole number of milliseconds`))
  return ok(Number(nanos / NS_PER_MS))
}

/**
 * Formats a duration the way Go's `time.Duration.String()` does: `0s`, `750ns`, `1.5µs` (U+00B5),
 * `1.5ms`, `1m30s`, `10m0s`, `26h0m0s`, `12m3.456789s`. Hours appear whenever there is at least
 * one, minutes whenever hours appear or minutes are non-zero; the seconds fraction has up to 9
 * digits with trailing zeros dropped; a negative value gets a leading `-`.
 *
 * @param ms the duration in milliseconds, rounded to the nearest nanosecond. Must be finite
 *   (a non-finite value is a bug and throws a `RangeError`).
 */
export function formatGoDuration(ms: Duration): string {
  const nanos = msToNanos(Math.abs(ms))
  if (nanos === 0n) return '0s'
  const sign = ms < 0 ? '-' : ''
  if (nanos < NS_PER_SECOND) return sign + formatBelowSecond(nanos)

  const fraction = fractionDigits(nanos % NS_PER_SECOND, 9)
  const totalSeconds = nanos / NS_PER_SECOND
  let out = `${totalSeconds % 60n}${fraction === '' ? '' : `.${fraction}`}s`
  const totalMinutes = totalSeconds / 60n
  if (totalMinutes > 0n) {
    out = `${totalMinutes % 60n}m${out}`
    const hours = totalMinutes / 60n
    if (hours > 0n) out = `${hours}h${out}`
  }
  return sign + out
}

/**
 * Formats a duration for people, with at most two units taken from the largest down:
 * `y` (365d), `mo` (30d), `w` (7d), `d`, `h`, `m`, `s`, `ms`. Units that are zero are skipped, so
 * the two parts need not be adjacent (`1h 5s`). Milliseconds show only below 10 seconds, where
 * they still matter (`1m 53s`, never `1m 886ms`); anything below 1 ms is dropped.
 * Examples: `500ms`, `1s 500ms`, `12s`, `4m 12s`, `1d 1h`, `1w 1d`, `1mo 2w`, `1y 1mo`.
 *
 * @param ms the duration in milliseconds.
 * @returns `0s` when nothing is left to print: zero, under 1 ms, negative, or not finite.
 */
export function formatHumanDuration(ms: Duration): string {
  if (!Number.isFinite(ms)) return '0s'
  let remaining = Math.floor(ms)
  const smallest = remaining < 10_000 ? 1 : 1_000
  const parts: string[] = []
  for (const [unit, size] of HUMAN_UNITS) {
    if (parts.length === 2 || size < smallest) break
    if (remaining < size) continue
    const count = Math.floor(remaining / size)
    parts.push(`${count}${unit}`)
    remaining -= count * size
  }
  return parts.length === 0 ? '0s' : parts.join(' ')
}

/**
 * Formats how long ago something happened: {@link formatHumanDuration} followed by ` ago`
 * (`4m 12s ago`, `0s ago`).
 *
 * @param ms the elapsed time in milliseconds.
 */
export function formatAgo(ms: Duration): string {
  return `${formatHumanDuration(ms)} ago`
}

// --- internal ---

const NS_PER_MS = 1_000_000n
const NS_PER_SECOND = 1_000_000_000n
const NS_PER_HOUR = 3_600n * NS_PER_SECOND

const MAX_DURATION_NS = BigInt(MAX_DURATION_MS) * NS_PER_MS

/** Nanoseconds per unit. A Map, so that names like `constructor` are never units. */
const UNIT_NANOS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // µ MICRO SIGN
  ['\u03bcs', 1_000n], // μ GREEK SMALL LETTER MU
  ['ms', NS_PER_MS],
  ['s', NS_PER_SECOND],
  ['m', 60n * NS_PER_SECOND],
  ['h', NS_PER_HOUR],
  ['d', 24n * NS_PER_HOUR],
  ['w', 168n * NS_PER_HOUR],
  ['mo', 720n * NS_PER_HOUR],
  ['y', 8_760n * NS_PER_HOUR],
])

/** `<digits>[.<digits>]`, `.<digits>` or `<digits>.`, then the unit: every char up to a digit or `.`. */
const TERM = /^(\d*)(?:\.(\d*))?([^\d.]*)/

const HUMAN_UNITS: readonly (readonly [string, number])[] = [
  ['y', 365 * 86_400_000],
  ['mo', 30 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
]

/**
 * Sums `<number><unit>` terms in nanoseconds, in exact integer arithmetic.
 * As in Go, the unit is the longest run of characters that are neither digits nor `.`, so `1mo`
 * reads as months and `1ms` as milliseconds. Returns `undefined` when the text does not parse; a sum
 * beyond {@link MAX_DURATION_MS} is returned only as some value above it.
 */
function parseTerms(text: string): bigint | undefined {
  if (text === '') return undefined
  let total = 0n
  let rest = text
  while (rest !== '') {
    const match = TERM.exec(rest)
    const whole = match?.[1] ?? ''
    const fraction = match?.[2] ?? ''
    const unit = UNIT_NANOS.get(match?.[3] ?? '')
    if (match === null || (whole === '' && fraction === '') || unit === undefined) return undefined
    // Once too long (the caller says so), the rest is only checked, not summed: numbers stay small.
    if (total <= MAX_DURATION_NS) {
      total += BigInt(whole === '' ? '0' : whole) * unit
      if (fraction !== '') total += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length)
    }
    rest = rest.slice(match[0].length)
  }
  return total
}

/** Rounds a non-negative millisecond value to whole nanoseconds without float noise. */
function msToNanos(ms: number): bigint {
  const whole = Math.trunc(ms)
  return BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6))
}

/** Go's form for 0 < nanos < 1 s: `ns`, `µs` or `ms` with a decimal fraction. */
function formatBelowSecond(nanos: bigint): string {
  if (nanos < 1_000n) return `${nanos}ns`
  const [digits, unit] = nanos < NS_PER_MS ? [3, '\u00b5s'] : [6, 'ms']
  const scale = 10n ** BigInt(digits)
  const fraction = fractionDigits(nanos % scale, digits)
  return `${nanos / scale}${fraction === '' ? '' : `.${fraction}`}${unit}`
}

/** `value` as `digits` decimal digits (zero-padded) with trailing zeros dropped; `''` for 0. */
function fractionDigits(value: bigint, digits: number): string {
  return value === 0n ? '' : value.toString().padStart(digits, '0').replace(/0+$/, '')
}
