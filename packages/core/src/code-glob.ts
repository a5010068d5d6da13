/**
 * Whether a code glob matches a probe/job code, segment by segment like a webhook's `on`
 * (decisions.md, "Webhooks"): `*` alone matches every code; otherwise both must have the same
 * number of dot-separated segments, each glob segment `*` (any one segment) or equal.
 * `web.*` matches `web.api` but neither `web` nor `web.api.v2`.
 */
export function matchCodeGlob(glob: string, code: string): boolean {
  if (glob === '*') return true
  const wanted = glob.split('.')
  const actual = code.split('.')
  return wanted.length === actual.length && wanted.every((segment, i) => segment === '*' || segment === actual[i])
}

/** Whether any of `globs` matches `code` (see {@link matchCodeGlob}). */
export function matchesAnyCodeGlob(globs: readonly string[], code: string): boolean {
  return globs.some((glob) => matchCodeGlob(glob, code))
}
