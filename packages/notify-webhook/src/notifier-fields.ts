import { EVENT_NAMES } from '@timon/core'
import { durationField } from '@timon/http-common'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'
import { matchEvent } from './match-event.js'
import { compileBody, type BodyTemplate } from './render-body.js'

// The keys every notifier table shares (`[[webhook]]`, `[[email]]`, `[[command]]`), so that `on`,
// `name` and `retry` read and fail the same way whatever the target.

/** The defaults of a `retry` table: 5 retries, 10 s per attempt, 5 s before the first retry, doubling up to 1 h. */
export const RETRY_DEFAULTS = { attempts: 5, timeoutMs: 10_000, delayMs: 5_000, maxDelayMs: 3_600_000 } as const

/** A `retry` table with a per-attempt timeout (`[webhook.retry]`, `[email.retry]`). */
export interface NotifierRetry {
  /** Retries after the first attempt; 0 = none. Default 5. */
  readonly attempts: number
  /** Per-attempt timeout in milliseconds. Default 10 s. */
  readonly timeoutMs: number
  /** Milliseconds before the first retry, doubling per retry, unless the target asks for another wait. Default 5 s. */
  readonly delayMs: number
  /** The longest wait between attempts (`max_delay`), in milliseconds. Default 1 h. */
  readonly maxDelayMs: number
}

/** The zod field of a notifier's optional `name`: a non-blank string. */
export function nameField() {
  return z
    .string({ error: 'must be a string' })
    .refine((name) => name.trim() !== '', 'must not be empty')
    .optional()
}

/**
 * The zod field of `remind_every` (optional): how often (ms) a target that takes `incident.reminder`
 * is reminded of each incident still open or relapsed (docs/behaviour.md#reminders).
 */
export function remindEveryField() {
  return durationField({ examples: '"4h"' }).optional()
}

/** Refuses a `remind_every` on a table whose `on` does not match `incident.reminder`: it would never remind. */
export function checkRemindEvery(
  entry: { readonly on: readonly string[]; readonly remind_every?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  if (entry.remind_every === undefined || entry.on.some((pattern) => matchEvent(pattern, 'incident.reminder'))) return
  ctx.addIssue({
    code: 'custom',
    path: ['remind_every'],
    message: 'needs on to match incident.reminder (e.g. on = ["incident.*"])',
  })
}

/**
 * The zod field of `on`: a non-empty list of event patterns (see `matchEvent`), each matching at
 * least one event, so that a typo such as `incident.opened` is a config error, not silence.
 */
export function eventPatternsField() {
  return z
    .array(
      z
        .string({ error: 'must be a string' })
        .refine((pattern) => EVENT_NAMES.some((event) => matchEvent(pattern, event)), {
          message: `matches no event (events: ${EVENT_NAMES.join(', ')}; wildcards: "*", "incident.*", "*.open")`,
        }),
      { error: (issue) => (issue.input === undefined ? 'is required' : 'must be an array of event names') },
    )
    .min(1, 'must not be empty')
}

/**
 * The zod field of a Mustache template key (`body`, `subject`): compiled here, so that a template
 * that does not parse is a config issue (`template does not parse: …`), not a failure at send time.
 * Add `.optional()` where it is optional.
 */
export function templateField() {
  return z.string({ error: 'must be a string' }).transform((source, ctx): BodyTemplate => {
    const compiled = compileBody(source)
    if (compiled.isOk()) return compiled.value
    ctx.addIssue({ code: 'custom', message: `template does not parse: ${compiled.error}` })
    return z.NEVER
  })
}

/** The zod field of a `retry` table with `attempts`, `timeout`, `delay` and `max_delay` (see {@link RETRY_DEFAULTS}). */
export function retryField() {
  return z
    .strictObject(
      {
        attempts: attemptsField(),
        timeout: durationField().default(RETRY_DEFAULTS.timeoutMs),
        delay: delayField(),
        max_delay: maxDelayField(),
      },
      { error: 'must be a table' },
    )
    .superRefine(checkMaxDelay)
    .transform(
      ({ attempts, timeout, delay, max_delay }): NotifierRetry => ({
        attempts,
        timeoutMs: timeout,
        delayMs: delay,
        maxDelayMs: max_delay,
      }),
    )
    .default(RETRY_DEFAULTS)
}

/**
 * The zod field of a `retry` table with `attempts` and `delay` only, for a notifier whose timeout
 * is a key of its own table (`[[command]] timeout`).
 */
export function retryWithoutTimeoutField() {
  return z
    .strictObject(
      { attempts: attemptsField(), delay: delayField(), max_delay: maxDelayField() },
      { error: 'must be a table' },
    )
    .superRefine(checkMaxDelay)
    .transform(
      ({ attempts, delay, max_delay }): Omit<NotifierRetry, 'timeoutMs'> => ({
        attempts,
        delayMs: delay,
        maxDelayMs: max_delay,
      }),
    )
    .default({
      attempts: RETRY_DEFAULTS.attempts,
      delayMs: RETRY_DEFAULTS.delayMs,
      maxDelayMs: RETRY_DEFAULTS.maxDelayMs,
    })
}

/**
 * Gives the tables of one kind their names: the `name` given, else `<prefix>` (`email[2]`), and
 * refuses a name used twice.
 *
 * @param kind - the table key, for messages (`email`).
 * @returns a function of one table's given name, prefix and index that gives its name or the issue
 *   `<prefix>.name: "<name>" is already the name of <kind>[<j>]`.
 */
export function createNamer(
  kind: string,
): (given: string | undefined, prefix: string, index: number) => Result<string, string[]> {
  const seen = new Map<string, number>()
  return (given, prefix, index) => {
    const name = given ?? prefix
    const first = seen.get(name)
    if (first !== undefined) return err([`${prefix}.name: "${name}" is already the name of ${kind}[${first}]`])
    seen.set(name, index)
    return ok(name)
  }
}

// --- internal ---

function attemptsField() {
  return z
    .number({ error: 'must be an integer >= 0' })
    .int('must be an integer >= 0')
    .min(0, 'must be an integer >= 0')
    .default(RETRY_DEFAULTS.attempts)
}

function delayField() {
  return durationField({ allowZero: true }).default(RETRY_DEFAULTS.delayMs)
}

function maxDelayField() {
  return durationField({ allowZero: true }).default(RETRY_DEFAULTS.maxDelayMs)
}

/** A `max_delay` below `delay` would make the first retry wait longer than the cap. */
function checkMaxDelay(retry: { readonly delay: number; readonly max_delay: number }, ctx: z.RefinementCtx): void {
  if (retry.max_delay < retry.delay)
    ctx.addIssue({ code: 'custom', path: ['max_delay'], message: 'must not be shorter than delay' })
}
