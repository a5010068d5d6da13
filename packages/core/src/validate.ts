import { err, ok, type Result } from 'neverthrow'
import { validation, type CoreError } from './errors.js'

/** The healths a client may push, exact lowercase. (`unknown` is assigned by the daemon alone.) */
export const HEALTHS = ['healthy', 'warning', 'critical'] as const
/** A health a client may push: `healthy`, `warning` or `critical`. */
export type Health = (typeof HEALTHS)[number]

/** A sample or run addressed as `code:uid`. */
export interface ReportRef {
  /** The probe or job code. */
  readonly code: string
  /** The sample or run uid: 12 lowercase hexadecimal characters. */
  readonly uid: string
}

/** What `show` and `delete` act on: an incident, a probe/job, or one sample/run of it. */
export type Target =
  | { kind: 'incident'; id: number }
  | { kind: 'contract'; code: string }
  | { kind: 'report'; code: string; uid: string }

/** Whether a count or id is a whole number of at least 1 (limits, ids). */
export function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value >= 1
}

/**
 * Quotes a string as Go's `%q` / `strconv.Quote` does: wraps it in `"`, escapes `"` and `\`,
 * writes `\a \b \f \n \r \t \v` for those controls, other ASCII controls and DEL as `\xNN`, other
 * non-printable characters (C1 controls, format characters, non-ASCII spaces, private use,
 * unassigned) as `\uNNNN` / `\UNNNNNNNN` (lowercase hex), and keeps printable non-ASCII as is.
 * A lone surrogate, which Go cannot hold, is written `\ufffd` as Go does for an invalid rune.
 */
export function goQuote(s: string): string {
  let out = '"'
  for (const char of s) out += quoteChar(char)
  return `${out}"`
}

/**
 * Removes leading and trailing white space as Go's `strings.TrimSpace` does (the Unicode
 * White_Space set, which differs slightly from `String.prototype.trim`: U+0085 is trimmed,
 * U+FEFF is not). Clients apply it to every argument and flag value before checking it.
 */
export function trimSpace(s: string): string {
  return s.replace(LEADING_SPACE, '').replace(TRAILING_SPACE, '')
}

/**
 * Checks a plain probe/job code where no uid is allowed (`push probe`, `push job start`,
 * `truncate <code>`): 2–50 bytes, `^[a-z0-9][a-z0-9.-]*[a-z0-9]$`, not of the reserved `INC-<n>`
 * form. The value is checked as given (callers trim).
 *
 * @returns the code; or a `validation` error whose message says what is wrong, with a specific
 *   message when a valid `code:uid` was given.
 */
export function validateCode(arg: string): Result<string, CoreError> {
  const failure = checkLengthAndReserved(arg)
  if (failure !== undefined) return err(failure)
  if (CODE.test(arg)) return ok(arg)
  if (CODE_WITH_UID.test(arg)) return err(codeError(arg, `${CODE_SYNTAX}, no sample or run uid allowed here`))
  return err(codeError(arg, CODE_SYNTAX))
}

/**
 * Parses a `code` or `code:uid` where a uid is allowed (`show`, `delete`). The length (2–50 bytes)
 * is checked first on the whole argument, so a code longer than 37 bytes cannot carry a uid; then
 * the reserved `INC-<n>` form; then a plain code; then `code:uid` (split at the first `:`).
 * The value is checked as given (callers trim).
 *
 * @returns `{ code }` or `{ code, uid }`; or a `validation` error.
 */
export function parseCodeRef(arg: string): Result<{ code: string; uid?: string }, CoreError> {
  const failure = checkLengthAndReserved(arg)
  if (failure !== undefined) return err(failure)
  if (CODE.test(arg)) return ok({ code: arg })
  const match = CODE_WITH_UID.exec(arg)
  if (match?.[1] !== undefined && match[2] !== undefined) return ok({ code: match[1], uid: match[2] })
  return err(codeError(arg, `${CODE_SYNTAX}, ${UID_SYNTAX}`))
}

/**
 * Parses the `code:uid` of `push job step` and `push job end`, where the uid is required.
 * Unlike the other parsers this one trims the argument itself ({@link trimSpace}), because a valid
 * code without a uid is reported with the argument **as typed**: `invalid run UID: <arg>`.
 * Other failures are those of {@link parseCodeRef}, on the trimmed value.
 */
export function parseReportRef(arg: string): Result<ReportRef, CoreError> {
  return parseCodeRef(trimSpace(arg)).andThen(({ code, uid }) =>
    uid === undefined ? err(validation(`invalid run UID: ${arg}`)) : ok({ code, uid }),
  )
}

/**
 * Checks a sample/run uid, as the daemon does: exactly 12 lowercase hexadecimal characters.
 *
 * @returns the uid; or `invalid report uid "<uid>" — must be 12 lowercase hexadecimal characters`.
 */
export function validateUid(uid: string): Result<string, CoreError> {
  if (UID.test(uid)) return ok(uid)
  return err(validation(`invalid report uid ${goQuote(uid)} — must be 12 lowercase hexadecimal characters`))
}

/**
 * Parses an incident code `INC-<digits>`: case-sensitive, leading zeros allowed (`INC-007` is 7).
 * `INC-0` parses to 0; callers decide what that means. Numbers beyond `Number.MAX_SAFE_INTEGER`
 * are rejected like any malformed code.
 *
 * @returns the incident id; or `invalid incident code "<arg>" — must match INC-[0-9]+`.
 */
export function parseIncidentCode(arg: string): Result<number, CoreError> {
  const match = INCIDENT.exec(arg)
  const id = match?.[1] === undefined ? Number.NaN : Number(match[1])
  if (Number.isSafeInteger(id)) return ok(id)
  return err(validation(`invalid incident code ${goQuote(arg)} — must match INC-[0-9]+`))
}

/** Formats an incident id as its code: `INC-<id>` (`INC-3`). */
export function formatIncidentCode(id: number): string {
  return `INC-${id}`
}

/**
 * Parses the target of `show` and `delete`: the incident form `INC-<n>` first, otherwise a
 * `code` or `code:uid` ({@link parseCodeRef}). `INC-0` comes back as incident id 0; the Monitor
 * decides what to answer.
 */
export function parseTarget(arg: string): Result<Target, CoreError> {
  const incident = parseIncidentCode(arg)
  if (incident.isOk()) return ok({ kind: 'incident', id: incident.value })
  return parseCodeRef(arg).map(
    ({ code, uid }): Target => (uid === undefined ? { kind: 'contract', code } : { kind: 'report', code, uid }),
  )
}

/**
 * Checks a comment (probe, job start/end, step `--end-comment`): trimmed, then 1–250 bytes.
 *
 * @returns the trimmed comment; or `invalid comment — must be 1–250 characters`.
 */
export function validateComment(value: string): Result<string, CoreError> {
  return checkText(value, 250, () => 'invalid comment — must be 1–250 characters')
}

/**
 * Checks a step label: trimmed, then 1–250 bytes.
 *
 * @returns the trimmed label; or `invalid label "<label>" — must be 1–250 characters`.
 */
export function validateLabel(value: string): Result<string, CoreError> {
  return checkText(value, 250, (label) => `invalid label ${goQuote(label)} — must be 1–250 characters`)
}

/**
 * Checks an incident title: trimmed, then 1–50 bytes.
 *
 * @returns the trimmed title; or `invalid title — must be 1–50 characters`.
 */
export function validateTitle(value: string): Result<string, CoreError> {
  return checkText(value, 50, () => 'invalid title — must be 1–50 characters')
}

/**
 * Checks an incident description: trimmed, then 1–250 bytes. (It is optional: see
 * {@link optionalText}.)
 *
 * @returns the trimmed description; or `invalid description — must be 1–250 characters`.
 */
export function validateDescription(value: string): Result<string, CoreError> {
  return checkText(value, 250, () => 'invalid description — must be 1–250 characters')
}

/**
 * Checks an annotation or a resolve `--note`: trimmed, then 1–250 bytes.
 *
 * @returns the trimmed note; or `invalid note — must be 1–250 characters`.
 */
export function validateNote(value: string): Result<string, CoreError> {
  return checkText(value, 250, () => 'invalid note — must be 1–250 characters')
}

/**
 * Checks a pushed health: trimmed, then exactly `healthy`, `warning` or `critical`.
 *
 * @returns the health; or `invalid health "<s>" — must be one of: healthy, warning, critical`.
 */
export function validateHealth(value: string): Result<Health, CoreError> {
  const health = trimSpace(value)
  const known = HEALTHS.find((candidate) => candidate === health)
  if (known !== undefined) return ok(known)
  return err(validation(`invalid health ${goQuote(health)} — must be one of: ${HEALTHS.join(', ')}`))
}

/**
 * Checks an optional text field with `validate` (one of the `validate*` functions above).
 * `undefined`, `null` and a value that is empty after trimming count as absent.
 *
 * @returns the trimmed value, `undefined` when absent, or the error of `validate`.
 */
export function optionalText(
  value: string | undefined | null,
  validate: (value: string) => Result<string, CoreError>,
): Result<string | undefined, CoreError> {
  if (value === undefined || value === null || trimSpace(value) === '') return ok(undefined)
  return validate(value)
}

/** The longest host name accepted (a DNS name's limit). */
export const MAX_HOST_LENGTH = 253

/**
 * Checks a pushing machine's name (`host`): a host name, or an address, of at most
 * {@link MAX_HOST_LENGTH} characters: letters, digits, `.`, `-`, `_` and `:`.
 */
export function validateHost(host: string): Result<string, CoreError> {
  if (host.length <= MAX_HOST_LENGTH && HOST.test(host)) return ok(host)
  return err(
    validation(
      `invalid host ${goQuote(host.length > 80 ? `${host.slice(0, 80)}…` : host)} — must be a host name of at most ${MAX_HOST_LENGTH} characters (letters, digits, '.', '-', '_', ':')`,
    ),
  )
}

// --- internal ---

const HOST = /^[A-Za-z0-9_:](?:[A-Za-z0-9._:-]*[A-Za-z0-9_:])?$/
const CODE = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/
const CODE_WITH_UID = /^([a-z0-9][a-z0-9.-]*[a-z0-9]):([a-f0-9]{12})$/
const UID = /^[a-f0-9]{12}$/
const INCIDENT = /^INC-(\d+)$/

const CODE_SYNTAX = "must be lowercase alphanumeric and may contain '.' or '-' (not at start or end)"
const UID_SYNTAX =
  "optionally followed by a sample or run uid separated by ':' made of 12 lowercase hexadecimal characters"

/** Unicode White_Space, the set Go's `unicode.IsSpace` uses. */
const SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const LEADING_SPACE = new RegExp(`^[${SPACE}]+`)
const TRAILING_SPACE = new RegExp(`[${SPACE}]+$`)

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

const CONTROL_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\x07', '\\a'],
  ['\b', '\\b'],
  ['\f', '\\f'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\v', '\\v'],
])

/** Steps 1 and 2 of the code parsing order (§3.3): length of the whole argument, reserved form. */
function checkLengthAndReserved(arg: string): CoreError | undefined {
  const bytes = utf8Length(arg)
  if (bytes < 2 || bytes > 50) return codeError(arg, 'must be 2–50 characters')
  if (INCIDENT.test(arg)) return codeError(arg, 'codes matching INC-[0-9]+ are reserved')
  return undefined
}

function codeError(arg: string, reason: string): CoreError {
  return validation(`invalid code ${goQuote(arg)} — ${reason}`)
}

/** Trims, then requires 1 to `maxBytes` UTF-8 bytes. */
function checkText(value: string, maxBytes: number, message: (trimmed: string) => string): Result<string, CoreError> {
  const trimmed = trimSpace(value)
  const bytes = utf8Length(trimmed)
  return bytes >= 1 && bytes <= maxBytes ? ok(trimmed) : err(validation(message(trimmed)))
}

/** Length in UTF-8 bytes; a lone surrogate counts 3, like the U+FFFD an encoder writes for it. */
function utf8Length(s: string): number {
  let bytes = 0
  for (const char of s) {
    const code = char.codePointAt(0) ?? 0
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4
  }
  return bytes
}

function quoteChar(char: string): string {
  if (char === '"' || char === '\\') return `\\${char}`
  if (PRINTABLE.test(char)) return char
  const named = CONTROL_ESCAPES.get(char)
  if (named !== undefined) return named
  let code = char.codePointAt(0) ?? 0
  if (code < 0x20 || code === 0x7f) return `\\x${hex(code, 2)}`
  if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd
  return code < 0x10000 ? `\\u${hex(code, 4)}` : `\\U${hex(code, 8)}`
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0')
}
