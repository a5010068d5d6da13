import { parseDuration } from '@timon/core'
import { z } from 'zod'

/** Options of {@link durationField}. */
export interface DurationFieldOptions {
  /** Examples for the message of a value that is not a string: `must be a duration string such as <examples>`. Default `"10s"`. */
  readonly examples?: string
  /** Whether `0` is accepted; default false (`must be greater than 0`). */
  readonly allowZero?: boolean
}

/**
 * The zod field of a duration key: a string such as `"10s"` or `"2m"`, parsed with the core's
 * `parseDuration` into milliseconds (its message on failure, e.g. `invalid duration "soon"`).
 */
export function durationField(options: DurationFieldOptions = {}) {
  const allowZero = options.allowZero ?? false
  return z
    .string({ error: `must be a duration string such as ${options.examples ?? '"10s"'}` })
    .transform((text, ctx): number => {
      const parsed = parseDuration(text)
      if (parsed.isErr()) {
        ctx.addIssue({ code: 'custom', message: parsed.error.message })
        return z.NEVER
      }
      if (!allowZero && parsed.value <= 0) {
        ctx.addIssue({ code: 'custom', message: 'must be greater than 0' })
        return z.NEVER
      }
      return parsed.value
    })
}
