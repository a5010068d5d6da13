import type { z } from 'zod'

/**
 * A zod issue of a config table as lines `<prefix><path>: <message>`: keys as `.key`, array
 * indexes as `[i]` (`check[1].url[0]: invalid url "x"`). Unknown keys give one line each,
 * `<prefix><path>.<key>: unknown key`.
 *
 * @param prefix - where the table stands in the config, e.g. `webhook[2]`; `''` for the top level
 *   (then an issue of the whole file reads `config: …`).
 */
export function formatIssue(prefix: string, issue: z.core.$ZodIssue): string[] {
  const at = (prefix + issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')).replace(/^\./, '')
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${at === '' ? '' : `${at}.`}${key}: unknown key`)
  // An issue of the whole file (prefix '' and no path) is reported as `config: …`.
  return [`${at === '' ? 'config' : at}: ${issue.message}`]
}

/** Every issue of a failed parse, in order, each formatted by {@link formatIssue}. */
export function formatIssues(prefix: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => formatIssue(prefix, issue))
}
