import http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'

/** The environment variables {@link proxyFor} reads. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>

/**
 * The proxy that a request to `url` goes through, as undici's `EnvHttpProxyAgent` chooses it:
 * `https_proxy` / `HTTPS_PROXY` for `https:` URLs, `http_proxy` / `HTTP_PROXY` for `http:` ones
 * (the lowercase name first), unless `no_proxy` / `NO_PROXY` lists the host: `*` (every host), a
 * host name (which covers its subdomains; a leading `.` or `*.` means the same), an IP address, each
 * optionally with `:port`, separated by commas or spaces.
 *
 * @returns the proxy's URL, or `undefined` to connect directly (also for a proxy value that is not a URL).
 */
export function proxyFor(url: string | URL, env: ProxyEnv = process.env): URL | undefined {
  const target = new URL(url)
  const https = target.protocol === 'https:'
  const value = (https ? (env.https_proxy ?? env.HTTPS_PROXY) : (env.http_proxy ?? env.HTTP_PROXY))?.trim()
  if (value === undefined || value === '') return undefined
  if (bypassed(target, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined
  try {
    // `proxy.example.com:3128` is read as http://proxy.example.com:3128, as curl does.
    return new URL(value.includes('://') ? value : `http://${value}`)
  } catch {
    return undefined
  }
}

/**
 * How to send a plain `http:` request for `url` through an HTTP proxy: to the proxy's address, with
 * the absolute URL as the request target, `Host` of the origin and the proxy's credentials if any.
 * Merge into the options of `http.request` (over `headers` of your own).
 */
export function viaHttpProxy(
  url: string | URL,
  proxy: URL,
): {
  readonly host: string
  readonly port: number
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
} {
  const target = new URL(url)
  const auth = proxyAuthorization(proxy)
  return {
    host: unbracket(proxy.hostname),
    port: proxyPort(proxy),
    path: target.href,
    headers: { Host: target.host, ...(auth === undefined ? {} : { 'Proxy-Authorization': auth }) },
  }
}

/**
 * An `https.Agent` that reaches every origin through an HTTP CONNECT tunnel of `proxy` (an `http:`
 * or `https:` proxy URL, credentials allowed), then speaks TLS to the origin inside it, with the
 * agent's own options (`ca`, keep-alive). A proxy that refuses the tunnel fails the request with
 * its status; the credentials are never part of an error.
 */
export class TunnelingAgent extends https.Agent {
  readonly #proxy: URL

  constructor(proxy: URL, options: https.AgentOptions = {}) {
    super(options)
    this.#proxy = proxy
  }

  // The callback form of createConnection: the agent waits for the tunnel.
  override createConnection(
    options: tls.ConnectionOptions & { host?: string | null; port?: number | null },
    callback: (error: Error | null, socket?: Duplex) => void,
  ): Duplex {
    const host = options.host ?? 'localhost'
    const authority = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 443}`
    const auth = proxyAuthorization(this.#proxy)
    const connect = (this.#proxy.protocol === 'https:' ? https : http).request({
      host: unbracket(this.#proxy.hostname),
      port: proxyPort(this.#proxy),
      method: 'CONNECT',
      path: authority,
      headers: { Host: authority, ...(auth === undefined ? {} : { 'Proxy-Authorization': auth }) },
      agent: false,
    })
    connect.once('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy()
        callback(
          new Error(
            `the proxy ${this.#proxy.host} refused to connect to ${authority}: HTTP ${response.statusCode ?? 0} ${response.statusMessage ?? ''}`.trim(),
          ),
        )
        return
      }
      callback(null, tls.connect({ ...options, socket }))
    })
    connect.once('error', (error) =>
      callback(new Error(`cannot reach the proxy ${this.#proxy.host}: ${error.message}`)),
    )
    connect.end()
    // Nothing yet: the socket comes through the callback.
    return undefined as unknown as Duplex
  }
}

// --- internal ---

function bypassed(target: URL, noProxy: string): boolean {
  const host = unbracket(target.hostname).toLowerCase()
  const port = target.port === '' ? (target.protocol === 'https:' ? '443' : '80') : target.port
  return noProxy
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .some((entry) => {
      if (entry === '*') return true
      const lower = entry.toLowerCase()
      // `[::1]:8080`, a bare IPv6 address (no port), or `name[:port]`.
      const match =
        /^\[([^\]]+)\](?::(\d+))?$/.exec(lower) ??
        (lower.split(':').length > 2 ? [lower, lower] : /^([^:]*)(?::(\d+))?$/.exec(lower))
      const name = (match?.[1] ?? '').replace(/^\*?\./, '')
      if (match?.[2] !== undefined && match[2] !== port) return false
      return host === name || host.endsWith(`.${name}`)
    })
}

function proxyPort(proxy: URL): number {
  return proxy.port === '' ? (proxy.protocol === 'https:' ? 443 : 80) : Number(proxy.port)
}

function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === '') return undefined
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
  return `Basic ${Buffer.from(credentials).toString('base64')}`
}

function unbracket(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1')
}
