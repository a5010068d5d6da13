import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * Headers of every page: no inline script or style may run (the CSP allows only this origin's
 * files), no framing, no referrer leaking codes, nothing cached.
 */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const

/** Sends a complete answer with the security headers. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Readonly<Record<string, string | readonly string[]>> = {},
): void {
  res.writeHead(status, {
    ...PAGE_HEADERS,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  })
  res.end(body)
}

/** Sends an HTML document. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  document: string,
  headers: Readonly<Record<string, string | readonly string[]>> = {},
): void {
  send(res, status, 'text/html; charset=utf-8', document, headers)
}

/** A 303 to `location` (after a form post, or to the sign-in page). */
export function redirect(
  res: ServerResponse,
  location: string,
  headers: Readonly<Record<string, string | readonly string[]>> = {},
): void {
  send(res, 303, 'text/plain; charset=utf-8', `See ${location}\n`, { Location: location, ...headers })
}

/** Form fields of an `application/x-www-form-urlencoded` body; `undefined` when it is another type or over `limit` bytes. */
export async function readForm(req: IncomingMessage, limit: number): Promise<URLSearchParams | undefined> {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) return undefined
    chunks.push(chunk)
  }
  if (type !== 'application/x-www-form-urlencoded') return undefined
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}
