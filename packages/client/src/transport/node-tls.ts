/**
 * What an `https://` transport needs of `node:tls` and `node:https`, on their own: loaded with a
 * relative `import()` only for an `https://` URL, so that a `timon push` to a local socket or a
 * plain `http://` URL never loads TLS.
 */
import { request } from 'node:https'
import * as tls from 'node:tls'

export { request }
export const connect = tls.connect

/** The CAs Node trusts by default (`getCACertificates('default')` where Node has it: it follows `--use-system-ca`), plus `extraPem`. */
export function trustedCas(extraPem: string): string[] {
  const getter = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates
  const defaults = getter === undefined ? tls.rootCertificates : getter('default')
  return [...defaults, extraPem]
}
