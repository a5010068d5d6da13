import http from 'node:http'
import https from 'node:https'
import tls from 'node:tls'
import { TunnelingAgent } from './proxy.js'

/** Options of {@link createKeepAliveAgent}. */
export interface KeepAliveAgentOptions {
  /** PEM text of CA certificates to trust in addition to {@link defaultCertificates} (https only). */
  readonly ca?: string
  /** Sockets per origin at most; default: Node's (no limit). */
  readonly maxSockets?: number
  /** Idle sockets kept per origin at most; default: Node's (256). */
  readonly maxFreeSockets?: number
  /**
   * The proxy to reach the endpoint through (see `proxyFor`): an `https:` endpoint is reached
   * through a CONNECT tunnel; for an `http:` one the agent only keeps the proxy's connections, and
   * the request goes to the proxy (see `viaHttpProxy`).
   */
  readonly proxy?: URL
}

/**
 * A keep-alive agent of its own for one endpoint (so that a slow endpoint never holds another's
 * sockets), reusing the most recently used socket first (`scheduling: 'lifo'`). For an `https:`
 * URL it is an `https.Agent`, which with `ca` trusts those CAs besides the default ones, for this
 * agent only (through a CONNECT tunnel with `proxy`); for any other URL an `http.Agent` (`ca` is ignored).
 */
export function createKeepAliveAgent(url: string | URL, options: KeepAliveAgentOptions = {}): http.Agent {
  const agentOptions: http.AgentOptions = {
    keepAlive: true,
    scheduling: 'lifo',
    ...(options.maxSockets === undefined ? {} : { maxSockets: options.maxSockets }),
    ...(options.maxFreeSockets === undefined ? {} : { maxFreeSockets: options.maxFreeSockets }),
  }
  if (new URL(url).protocol !== 'https:') return new http.Agent(agentOptions)
  const tlsOptions =
    options.ca === undefined ? agentOptions : { ...agentOptions, ca: [...defaultCertificates(), options.ca] }
  return options.proxy === undefined ? new https.Agent(tlsOptions) : new TunnelingAgent(options.proxy, tlsOptions)
}

/**
 * The CAs Node trusts by default: on Node ≥ 22.15 `tls.getCACertificates('default')` (which
 * includes `NODE_EXTRA_CA_CERTS` and `--use-system-ca`), else the bundled Mozilla list. Setting an
 * agent's `ca` replaces these, so an extra CA is trusted by passing them along with it.
 */
export function defaultCertificates(): readonly string[] {
  const getter = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates
  return getter === undefined ? tls.rootCertificates : getter('default')
}
