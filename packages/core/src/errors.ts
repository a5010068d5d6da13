/**
 * Expected failures of core operations. Every `Result` returned by `@timon/core` carries one of
 * these; exceptions are reserved for bugs and broken environments (a store that cannot write).
 */
export type CoreError =
  | { readonly code: 'validation'; readonly message: string; readonly issues?: readonly string[] }
  | { readonly code: 'not_found'; readonly message: string; readonly subject: Subject }
  | { readonly code: 'conflict'; readonly message: string }
  | { readonly code: 'too_old'; readonly message: string }

/** The code of a {@link CoreError}: an `as const` vocabulary for exhaustive mappings. */
export const CORE_ERROR_CODES = ['validation', 'not_found', 'conflict', 'too_old'] as const
export type CoreErrorCode = CoreError['code']

/** What a `not_found` error was looking for. */
export type Subject = 'contract' | 'report' | 'run' | 'incident' | 'token' | 'silence' | 'delivery' | 'target'

/** A `validation` error: bad input, described so that a user can fix it. */
export function validation(message: string, issues?: readonly string[]): CoreError {
  return issues === undefined ? { code: 'validation', message } : { code: 'validation', message, issues }
}

/** A `not_found` error with the reference's wording for each subject. */
export function notFound(subject: Subject): CoreError {
  return { code: 'not_found', message: NOT_FOUND_MESSAGES[subject], subject }
}

/** A `conflict` error: the input is valid but the current state forbids the operation. */
export function conflict(message: string): CoreError {
  return { code: 'conflict', message }
}

/** A `too_old` error: a push whose original time (`at`) is further in the past than the daemon keeps pushes for (`max_push_age`). */
export function tooOld(message: string): CoreError {
  return { code: 'too_old', message }
}

// --- internal ---

const NOT_FOUND_MESSAGES: Record<Subject, string> = {
  contract: 'probe or job does not exist',
  report: 'sample or run does not exist',
  run: 'run does not exist',
  silence: 'silence does not exist',
  incident: 'incident does not exist',
  token: 'token does not exist',
  delivery: 'delivery does not exist',
  target: 'no notifier target has that name',
}
