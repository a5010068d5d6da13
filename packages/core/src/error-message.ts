/**
 * The message of a thrown value, for one line of an error or a log: an `Error`'s message, or
 * the value as text (something other than an `Error` may be thrown). An `AggregateError` without a
 * message of its own (a connection tried on IPv4 and IPv6, say) gives its errors' messages.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') return error.errors.map(errorMessage).join('; ')
  return error instanceof Error ? error.message : String(error)
}
