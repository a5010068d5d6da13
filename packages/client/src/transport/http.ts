/**
 * The transport of a remote daemon: HTTP/1.1 over TCP, or over TLS for an `https://` URL (see
 * {@link PooledTransport}), with a bearer token. `node:tls` and `node:https` are loaded only for an
 * `https://` URL ({@link openHttpTransport}); `node:http` only when a stream opens.
 */
import { createConnection } from 'node:net'
import type { ConnectionOptions, TLSSocket } from 'node:tls'
import { PooledTransport, type Dialed, type PooledTransportOptions } from './pooled.js'
import type { StreamRequest, StreamResult } from './transport.js'

/** Options of {@link openHttpTransport}. */
export interface HttpTransportOptions extends Omit<PooledTransportOptions, 'headers'> {
  /** The daemon's base URL: `http://` or `https://`, host, optional port and path prefix (a reverse proxy's). */
  readonly url: string
  /** The bearer token sent with every request (`Authorization: Bearer …`); never named in a message. */
  readonly token?: string | undefined
  /** PEM certificates trusted for an `https://` URL in addition to the system's (`TIMON_CA_FILE`). */
  readonly caPem?: string | undefined
}

/** What an `https://` transport loaded from `node:tls` / `node:https`. */
interface TlsModule {
  readonly connect: (options: ConnectionOptions) => TLSSocket
  readonly request: typeof import('node:https').request
  readonly trustedCas: (extraPem: string) => string[]
}

/**
 * A transport to the daemon at `options.url`, or why the URL cannot be one (a message that names
 * the problem; a URL's user info is never repeated). Loads `node:tls` for an `https://` URL.
 */
export async function openHttpTransport(
  options: HttpTransportOptions,
): Promise<{ ok: true; transport: HttpTransport } | { ok: false; message: string }> {
  const parsed = parseDaemonUrl(options.url)
  if (typeof parsed === 'string') return { ok: false, message: parsed }
  if (options.token !== undefined && !TOKEN_CHARS.test(options.token))
    return {
      ok: false,
      message: 'the token holds a character a header cannot carry (is the token file a text file of one line?)',
    }
  const tls = parsed.secure ? await import('./node-tls.js') : undefined
  return { ok: true, transport: new HttpTransport(parsed, options, tls) }
}

/** A daemon URL, split. */
export interface DaemonUrl {
  readonly secure: boolean
  readonly hostname: string
  readonly port: number
  /** The `Host` header. */
  readonly host: string
  /** The path prefix, without a trailing `/` (`''` for none). */
  readonly prefix: string
  /** The URL as messages name it: scheme, host, port and prefix (never user info, query or fragment). */
  readonly address: string
}

/** Splits a daemon URL, or says why it is not one. */
export function parseDaemonUrl(text: string): DaemonUrl | string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'the daemon URL is not a URL: it must look like https://monitor.example:8923'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `the daemon URL must start with http:// or https://, not ${url.protocol}//`
  if (url.username !== '' || url.password !== '')
    return 'the daemon URL must not hold a user name or password: give the token in TIMON_TOKEN or TIMON_TOKEN_FILE'
  if (url.search !== '' || url.hash !== '') return 'the daemon URL must not hold a query or a fragment'
  const secure = url.protocol === 'https:'
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port)
  // `URL` keeps IPv6 addresses in brackets, which `net.connect` does not take.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const prefix = url.pathname.replace(/\/+$/, '')
  return { secure, hostname, port, host: url.host, prefix, address: `${url.protocol}//${url.host}${prefix}` }
}

/**
 * A pool of kept-alive HTTP/1.1 connections to a daemon over TCP or TLS. Made by
 * {@link openHttpTransport}. Errors name the URL; the token is only ever in the `Authorization`
 * header.
 */
export class HttpTransport extends PooledTransport {
  readonly #url: DaemonUrl
  readonly #tls: TlsModule | undefined
  readonly #ca: string[] | undefined

  constructor(url: DaemonUrl, options: HttpTransportOptions, tls: TlsModule | undefined) {
    const headers: Record<string, string> = { Host: url.host }
    if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`
    super({ ...options, headers })
    this.#url = url
    this.#tls = tls
    this.#ca = tls !== undefined && options.caPem !== undefined ? tls.trustedCas(options.caPem) : undefined
  }

  /** The URL: what messages name. */
  get address(): string {
    return this.#url.address
  }

  override request(
    method: string,
    path: string,
    body?: string,
    contentType?: string,
  ): ReturnType<PooledTransport['request']> {
    return super.request(method, `${this.#url.prefix}${path}`, body, contentType)
  }

  /** Opens a streamed exchange over `node:http` (loaded here, on first use) or `node:https`, on a connection of its own. */
  async openStream(request: StreamRequest): Promise<StreamResult> {
    const open = this.#tls?.request ?? (await import('./node-http.js')).request
    const req = open({
      host: this.#url.hostname,
      port: this.#url.port,
      path: `${this.#url.prefix}${request.path}`,
      method: request.method,
      agent: false,
      headers: { ...this.headers, ...request.headers },
      ...this.#tlsOptions(),
    })
    return { ok: true, request: req }
  }

  protected dial(): Dialed {
    const { hostname, port } = this.#url
    if (this.#tls === undefined) return { socket: createConnection({ host: hostname, port }), readyEvent: 'connect' }
    return { socket: this.#tls.connect({ host: hostname, port, ...this.#tlsOptions() }), readyEvent: 'secureConnect' }
  }

  #tlsOptions(): ConnectionOptions {
    const { hostname } = this.#url
    // SNI takes a name, not an address.
    const servername = isIP(hostname) ? {} : { servername: hostname }
    return { ...servername, ...(this.#ca === undefined ? {} : { ca: this.#ca }), ALPNProtocols: ['http/1.1'] }
  }
}

// --- internal ---

const TOKEN_CHARS = /^[\x21-\x7e]+$/

function isIP(hostname: string): boolean {
  return hostname.includes(':') || /^[0-9.]+$/.test(hostname)
}
