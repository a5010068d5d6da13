import { validateHeaderName, validateHeaderValue } from 'node:http'
import { z } from 'zod'

/** Headers that depend on the request itself (its body, its connection): no config may set them. */
export const TRANSPORT_HEADERS: readonly string[] = ['content-length', 'transfer-encoding', 'connection']

/** Which headers a config may not set, and who sets them instead. */
export interface HeaderRules {
  /** Lowercase names a config cannot set. */
  readonly reserved: Iterable<string>
  /** Who sets them, for the message `is set by <setBy> and cannot be configured` (`Timon`, `the HTTP client`). */
  readonly setBy: string
}

/**
 * What is wrong with one configured header, if anything: an invalid name, a value with invalid
 * characters (such as a newline), a reserved name, or the same name as an earlier header but for
 * case (`sameName`: that earlier header's name as written).
 */
export function headerProblem(
  name: string,
  value: string,
  sameName: string | undefined,
  rules: HeaderRules,
): string | undefined {
  return headerChecker(rules)(name, value, sameName)
}

/**
 * A zod refinement of a table of headers: one issue per faulty header, at its name (see
 * {@link headerProblem}); of two names differing only in case, the later one is reported.
 */
export function checkHeaders(rules: HeaderRules): (headers: Record<string, string>, ctx: z.RefinementCtx) => void {
  const problemOf = headerChecker(rules)
  return (headers, ctx) => {
    const lower = new Map<string, string>()
    for (const [name, value] of Object.entries(headers)) {
      const problem = problemOf(name, value, lower.get(name.toLowerCase()))
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: problem })
      lower.set(name.toLowerCase(), name)
    }
  }
}

/**
 * The zod field of a `headers` key: a table of strings, checked by {@link checkHeaders}. Add
 * `.default({})` or `.optional()` as the config needs.
 */
export function headersField(rules: HeaderRules) {
  return z
    .record(z.string(), z.string({ error: 'must be a string' }), { error: 'must be a table of strings' })
    .superRefine(checkHeaders(rules))
}

// --- internal ---

function headerChecker(
  rules: HeaderRules,
): (name: string, value: string, sameName: string | undefined) => string | undefined {
  const reserved = new Set(Array.from(rules.reserved, (name) => name.toLowerCase()))
  const reservedMessage = `is set by ${rules.setBy} and cannot be configured`
  return (name, value, sameName) => {
    try {
      validateHeaderName(name)
    } catch {
      return 'is not a valid header name'
    }
    try {
      validateHeaderValue(name, value)
    } catch {
      return 'has a value with invalid characters (such as a newline)'
    }
    if (reserved.has(name.toLowerCase())) return reservedMessage
    if (sameName !== undefined) return `is the same header as "${sameName}" (names are case-insensitive)`
    return undefined
  }
}
