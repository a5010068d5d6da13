/**
 * The message of a thrown value, for one line of an error or a log: an `Error`'s message, or
 * the value as text (something other than an `Error` may be thrown).
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
