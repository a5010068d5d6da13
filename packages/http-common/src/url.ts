/**
 * What is wrong with a URL an adapter requests, if anything: it must parse (`invalid url "<url>"`)
 * and be `http:` or `https:` (`must be an http:// or https:// URL, not <protocol>`).
 */
export function httpUrlProblem(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `invalid url "${url}"`
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `must be an http:// or https:// URL, not ${parsed.protocol}`
  return undefined
}
