/** The cookie holding the dashboard session id. */
export const SESSION_COOKIE = 'timon_session'

/** The value of one cookie of a `Cookie` header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * A `Set-Cookie` value for the session: HttpOnly (no script reads it), SameSite=Strict (no other
 * site's page sends it, the first line against CSRF), `Secure` when served over TLS.
 */
export function sessionCookie(
  id: string,
  options: { readonly maxAgeSeconds: number; readonly secure: boolean },
): string {
  return [
    `${SESSION_COOKIE}=${id}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${options.maxAgeSeconds}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ')
}

/** A `Set-Cookie` value that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', { maxAgeSeconds: 0, secure })
}
