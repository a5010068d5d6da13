// Cron expressions and their zone arithmetic, delegated to croner (see docs/behaviour.md#schedules
// for why croner). Only croner's pure functions are used: a Cron built without a callback never
// starts a timer.
import { Cron } from 'croner'
import { err, ok, type Result } from 'neverthrow'
import { validation, type CoreError } from '../errors.js'

/** A cron expression read in one time zone. */
export interface Schedule {
  readonly expression: string
  readonly tz: string
  /** The first occurrence strictly after `instant`; `undefined` when the schedule has no more. */
  nextAfter(instant: Date): Date | undefined
  /** The latest occurrence at or before `instant`; `undefined` when there is none. */
  latestAtOrBefore(instant: Date): Date | undefined
}

/**
 * Reads a cron expression: five fields, six with seconds, or `@hourly`, `@daily`, `@weekly`,
 * `@monthly`, `@yearly`; `L`, `#` and `W` as croner reads them. Day of month and day of week are
 * ORed when both are given, as in Vixie cron.
 */
export function parseSchedule(expression: string, tz: string): Result<Schedule, CoreError> {
  if (!isTimeZone(tz)) return err(invalid('tz', `unknown time zone "${tz}"`))
  let cron: Cron
  try {
    cron = new Cron(expression, { timezone: tz, mode: '5-or-6-parts', paused: true })
  } catch (error) {
    return err(
      invalid(
        'schedule',
        `"${expression}": ${error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error)}`,
      ),
    )
  }
  // A pattern that never matches (e.g. 30 February) would make every deadline undefined.
  if (cron.nextRun(new Date(0)) === null) return err(invalid('schedule', `"${expression}" never matches`))
  return ok({
    expression,
    tz,
    nextAfter: (instant) => cron.nextRun(instant) ?? undefined,
    // croner looks strictly before its reference: one second later includes `instant` itself.
    latestAtOrBefore: (instant) =>
      cron.previousRuns(1, new Date(Math.floor(instant.getTime() / 1000) * 1000 + 1000))[0],
  })
}

/** Whether `tz` is an IANA time zone this runtime knows (`UTC` included). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

function invalid(rule: string, message: string): CoreError {
  const text = `invalid rule ${rule} — ${message}`
  return validation(text, [text])
}
