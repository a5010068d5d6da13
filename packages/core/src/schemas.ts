import type { Result } from 'neverthrow'
import { z } from 'zod'
import { MAX_DURATION_MS, parseDuration } from './duration.js'
import type { CoreError } from './errors.js'
import { isTimeZone, parseSchedule } from './schedule/cron-schedule.js'
import { checkCodeGlob } from './silence/silences.js'
import {
  optionalText,
  validateCode,
  validateComment,
  validateDescription,
  validateHealth,
  validateLabel,
  validateNote,
  validateTitle,
  validateHost,
  validateUid,
  type Health,
} from './validate.js'

/**
 * A rule or retention duration as given by a caller: a duration string (`'5m'`, `'1h30m'`), a
 * whole number of milliseconds (at most `MAX_DURATION_MS`, 100 years), or `'off'` / `null` to
 * remove a rule.
 */
export type DurationInput = string | number

/**
 * A zod string schema that checks and normalises with one of the `validate*` functions. `In`
 * narrows the input type callers see (`Health` rather than `string`), so that a typo fails to
 * compile; the check still runs on any string, which is what the wire sends.
 */
export function checkedString<T, In extends string = string>(
  check: (value: string) => Result<T, CoreError>,
): z.ZodType<T, In> {
  const schema = z.string().transform((value, ctx): T => {
    const result = check(value)
    if (result.isOk()) return result.value
    ctx.addIssue({ code: 'custom', message: result.error.message })
    return z.NEVER
  })
  // Only the declared input type narrows: the runtime schema is the one above.
  return schema as unknown as z.ZodType<T, In>
}

/** An optional text field: absent, `null` or blank mean absent. */
function optionalChecked(check: (value: string) => Result<string, CoreError>) {
  return z
    .string()
    .nullish()
    .transform((value, ctx): string | undefined => {
      const result = optionalText(value, check)
      if (result.isOk()) return result.value
      ctx.addIssue({ code: 'custom', message: result.error.message })
      return z.NEVER
    })
}

/**
 * A duration in milliseconds from a string or a number; `prefix` starts the error
 * (`invalid rule stale-after — invalid duration "x"`).
 */
export function durationSchema(prefix: string) {
  return z.union([z.string(), z.number()]).transform((value, ctx): number => {
    const result = toDuration(value, prefix)
    if (result.ok) return result.value
    ctx.addIssue({ code: 'custom', message: result.message })
    return z.NEVER
  })
}

/**
 * A sticky rule: `undefined` keeps the rule in force, `'off'` or `null` removes it, a positive
 * duration sets it.
 */
function ruleSchema(name: string) {
  const prefix = `invalid rule ${name}`
  return z
    .union([z.string(), z.number(), z.null()])
    .optional()
    .transform((value, ctx): number | null | undefined => {
      if (value === undefined) return undefined
      if (value === null || value === 'off') return null
      const result = toDuration(value, prefix)
      if (result.ok && result.value > 0) return result.value
      ctx.addIssue({
        code: 'custom',
        message: result.ok ? `${prefix} — must be greater than zero (use "off" to remove it)` : result.message,
      })
      return z.NEVER
    })
}

/**
 * A sticky text rule: `undefined` keeps it, `'off'` or `null` removes it, other text is checked by
 * `check` (which returns the error message, or `undefined` when the text is fine).
 */
function textRuleSchema(check: (value: string) => string | undefined) {
  return z
    .union([z.string(), z.null()])
    .optional()
    .transform((value, ctx): string | null | undefined => {
      if (value === undefined) return undefined
      if (value === null || value === 'off') return null
      const message = check(value.trim())
      if (message === undefined) return value.trim()
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    })
}

/** The schedule rules shared by probes and jobs (docs/behaviour.md#schedules). */
const scheduleRules = {
  // The expression is checked in UTC: whether it parses does not depend on the zone.
  schedule: textRuleSchema((value) => {
    const parsed = parseSchedule(value, 'UTC')
    return parsed.isErr() ? parsed.error.message : undefined
  }),
  tz: textRuleSchema((value) => (isTimeZone(value) ? undefined : `invalid rule tz — unknown time zone "${value}"`)),
  grace: ruleSchema('grace'),
}

/** A sticky count rule: `undefined` keeps it, `'off'` or `null` removes it (back to 1), else a whole number from 1 to 1000. */
function countRuleSchema(name: string) {
  return z
    .union([z.number(), z.literal('off'), z.null()])
    .optional()
    .transform((value, ctx): number | null | undefined => {
      if (value === undefined) return undefined
      if (value === null || value === 'off') return null
      if (Number.isInteger(value) && value >= 1 && value <= 1000) return value
      ctx.addIssue({
        code: 'custom',
        message: `invalid rule ${name} — must be a whole number from 1 to 1000 (use "off" to remove it)`,
      })
      return z.NEVER
    })
}

/** The threshold rules shared by probes and jobs (docs/behaviour.md#thresholds). */
const thresholdRules = {
  failureThreshold: countRuleSchema('failure-threshold'),
  successThreshold: countRuleSchema('success-threshold'),
}

/** The dependency rule shared by probes and jobs (docs/behaviour.md#dependencies). */
const dependencyRules = {
  dependsOn: textRuleSchema((value) => {
    const checked = validateCode(value)
    return checked.isErr() ? `invalid rule depends-on — ${checked.error.message}` : undefined
  }),
}

/** A duration string as {@link parseDuration} reads it, or a number of milliseconds within the same bounds. */
function toDuration(
  value: string | number,
  prefix: string,
): { ok: true; value: number } | { ok: false; message: string } {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 && value <= MAX_DURATION_MS
      ? { ok: true, value }
      : { ok: false, message: `${prefix} — must be a whole number of milliseconds from 0 to ${MAX_DURATION_MS} (100y)` }
  }
  const parsed = parseDuration(value)
  return parsed.isOk()
    ? { ok: true, value: parsed.value }
    : { ok: false, message: `${prefix} — ${parsed.error.message}` }
}

const code = checkedString(validateCode)
const uid = checkedString(validateUid)

/** An RFC 3339 timestamp with a time zone (`2024-05-01T12:00:00Z`, `…+02:00`), as a `Date`. */
const rfc3339 = z.string().transform((value, ctx): Date => {
  const time = RFC3339.test(value) ? Date.parse(value) : Number.NaN
  if (!Number.isNaN(time)) return new Date(time)
  ctx.addIssue({
    code: 'custom',
    message: `invalid at ${JSON.stringify(value.slice(0, 40))} — must be an RFC 3339 time such as 2024-05-01T12:00:00Z`,
  })
  return z.NEVER
})
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/

/**
 * What every push may carry besides its own fields: the machine that sent it (`host`) and its
 * original time (`at`: a push kept in a client's spool while the daemon was away).
 */
const pushOrigin = {
  host: optionalChecked(validateHost),
  at: rfc3339.optional(),
}
const health = checkedString<Health, Health>(validateHealth)
const incidentId = z.number().int().nonnegative()

/** The most text a step or a probe sample may carry as `detail` (UTF-8 bytes), e.g. the last lines of output. */
export const MAX_DETAIL_BYTES = 16 * 1024

const detail = z
  .string()
  .nullish()
  .transform((value, ctx): string | undefined => {
    if (value === undefined || value === null || value === '') return undefined
    if (new TextEncoder().encode(value).length <= MAX_DETAIL_BYTES) return value
    ctx.addIssue({ code: 'custom', message: `invalid detail — must be at most ${MAX_DETAIL_BYTES} bytes` })
    return z.NEVER
  })

/** Input of `Monitor.pushProbe`. */
export const pushProbeSchema = z.object({
  ...pushOrigin,
  code,
  health,
  comment: optionalChecked(validateComment),
  detail,
  staleAfter: ruleSchema('stale-after'),
  staleIncidentAfter: ruleSchema('stale-incident-after'),
  ...scheduleRules,
  ...thresholdRules,
  ...dependencyRules,
})

/** Input of `Monitor.startJob`. */
export const startJobSchema = z.object({
  ...pushOrigin,
  code,
  /** The run's uid when the caller chose it (a ping URL's `rid`, a spooled start that printed it before the daemon saw it); random when absent. */
  uid: uid.optional(),
  comment: optionalChecked(validateComment),
  staleAfter: ruleSchema('stale-after'),
  staleIncidentAfter: ruleSchema('stale-incident-after'),
  overtimeIncidentAfter: ruleSchema('overtime-incident-after'),
  overlapIncident: z.boolean().optional(),
  ...scheduleRules,
  ...thresholdRules,
  ...dependencyRules,
  minRuntime: ruleSchema('min-runtime'),
})

/** How a wrapped command ended: an exit code (0–255) or a signal name such as `SIGTERM`. */
const exit = z
  .object({
    code: z.number().int().min(0).max(255).nullable(),
    signal: (
      z.string().regex(/^SIG[A-Z0-9]+$/, 'invalid signal — must look like SIGTERM') as z.ZodType<
        `SIG${string}`,
        `SIG${string}`
      >
    ).nullable(),
  })
  .optional()

/** Input of `Monitor.pushStep`. */
export const pushStepSchema = z
  .object({
    ...pushOrigin,
    code,
    uid,
    label: checkedString(validateLabel),
    health,
    end: z.boolean().optional(),
    endComment: optionalChecked(validateComment),
    detail,
    exit,
  })
  .refine((input) => input.end === true || input.endComment === undefined, {
    message: 'end-comment can only be given with end',
  })
  .refine((input) => input.end === true || input.exit === undefined, { message: 'exit can only be given with end' })

/** Input of `Monitor.endJob`. */
export const endJobSchema = z.object({ ...pushOrigin, code, uid, comment: optionalChecked(validateComment), exit })

/** Input of `Monitor.recordRunLog`: where a run's output is kept. */
export const recordRunLogSchema = z.object({ code, uid, path: z.string().min(1).max(4096) })

/** Input of `Monitor.skipRun`: a run that did not start because the previous one was still going. */
export const skipRunSchema = z.object({ ...pushOrigin, code, comment: optionalChecked(validateComment) })

/** Input of `Monitor.openIncident`. */
export const openIncidentSchema = z.object({
  title: checkedString(validateTitle),
  description: optionalChecked(validateDescription),
})

/** Input of `Monitor.annotate`. */
export const annotateSchema = z.object({ id: incidentId, note: checkedString(validateNote) })

/** Input of `Monitor.resolve`. */
export const resolveSchema = z.object({ id: incidentId, note: optionalChecked(validateNote) })

const retention = (flag: string) => durationSchema(`invalid ${flag}`).optional()

/** Input of `Monitor.truncate`. */
export const truncateSchema = z.object({
  code: code.optional(),
  keep: retention('keep'),
  keepHealthy: retention('keep-healthy'),
  keepWarning: retention('keep-warning'),
  keepCritical: retention('keep-critical'),
  keepIncidents: retention('keep-incidents'),
  keepDeliveries: retention('keep-deliveries'),
})

/** Input of `Monitor.addSilence`: a code glob, and how long (`for`) or until when (`until`, RFC 3339). */
export const addSilenceSchema = z
  .object({
    pattern: z.string().transform((value, ctx): string => {
      const message = checkCodeGlob(value.trim())
      if (message === undefined) return value.trim()
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    }),
    for: durationSchema('invalid for').optional(),
    until: z
      .union([
        z.date(),
        z.string().datetime({
          offset: true,
          error: 'invalid until — must be an RFC 3339 instant such as 2026-01-31T18:00:00Z',
        }),
      ])
      .transform((value) => new Date(value))
      .optional(),
    comment: optionalChecked(validateComment),
  })
  .refine((input) => (input.for === undefined) !== (input.until === undefined), { message: 'give either for or until' })

/** Input of `Monitor.endSilence`. */
export const endSilenceSchema = z.object({ id: z.number().int().positive() })

export type AddSilenceInput = z.input<typeof addSilenceSchema>
export type EndSilenceInput = z.input<typeof endSilenceSchema>
export type PushProbeInput = z.input<typeof pushProbeSchema>
export type StartJobInput = z.input<typeof startJobSchema>
export type PushStepInput = z.input<typeof pushStepSchema>
export type EndJobInput = z.input<typeof endJobSchema>
export type RecordRunLogInput = z.input<typeof recordRunLogSchema>
export type SkipRunInput = z.input<typeof skipRunSchema>
export type OpenIncidentInput = z.input<typeof openIncidentSchema>
export type AnnotateInput = z.input<typeof annotateSchema>
export type ResolveInput = z.input<typeof resolveSchema>
export type TruncateInput = z.input<typeof truncateSchema>
