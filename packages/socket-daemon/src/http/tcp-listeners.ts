import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { errorMessage } from '@timon/core'
import type { Dashboard } from '@timon/dashboard'
import type { HttpConfig } from '../config/config.js'
import { tcpMount } from '../dashboard/mount.js'
import { DaemonStartError } from '../daemon-start-error.js'
import type { Logger } from '../logger.js'
import type { RouteContext } from '../routes/types.js'
import { ApiServer } from '../server.js'
import { AuthFailures } from './auth-failures.js'
import { RateLimiter } from './rate-limit.js'

/** A TCP listener of `[http] listen`, with the port it bound. */
export interface TcpListener {
  readonly host: string
  readonly port: number
  /** `http` or `https`. */
  readonly scheme: 'http' | 'https'
  readonly server: ApiServer
}

/** Options of {@link startTcpListeners}. */
export interface StartTcpListenersOptions {
  readonly http: HttpConfig
  readonly context: RouteContext & { readonly tokens: NonNullable<RouteContext['tokens']> }
  readonly log: Logger
  readonly onChange: (change: { readonly deliveries: boolean }) => void
  /** Served for the paths the API does not know (browsers sign in with a token; a bearer token works too). */
  readonly dashboard?: Dashboard
}

/**
 * Starts one API server per `[http] listen` address, all sharing one token check, rate limit and
 * count of failed authentications per address,
 * serving HTTPS when `tls_cert`/`tls_key` are set. A plain-HTTP listener on a non-loopback
 * address is logged as a warning: tokens would cross the network in clear.
 *
 * @throws DaemonStartError when the certificate or key cannot be read, or an address cannot be bound
 *   (the listeners already started are closed).
 */
export async function startTcpListeners(options: StartTcpListenersOptions): Promise<TcpListener[]> {
  const { http, context, log, onChange, dashboard } = options
  if (http.listen.length === 0) return []
  const tls =
    http.tls === undefined
      ? undefined
      : { cert: readPem(http.tls.certFile, 'tls_cert'), key: readPem(http.tls.keyFile, 'tls_key') }
  const rateLimit = http.rateLimitPerSecond === undefined ? undefined : new RateLimiter(http.rateLimitPerSecond)
  const failures = new AuthFailures((address, seconds) =>
    log.warn(`${address}: too many failed authentications; refusing it for ${seconds}s`),
  )
  const access = { tokens: context.tokens, rateLimit, failures }
  const mount = dashboard === undefined ? undefined : tcpMount(dashboard, access, tls !== undefined)
  const started: TcpListener[] = []
  try {
    for (const address of http.listen) {
      const server = new ApiServer({
        context,
        log,
        onChange,
        access,
        maxConnections: http.maxConnections,
        ...(tls === undefined ? {} : { tls }),
        ...(mount === undefined ? {} : { mount }),
      })
      const shown = isIP(address.host) === 6 ? `[${address.host}]` : address.host
      const port = await server.listenTcp(address.host, address.port).catch((error: unknown) => {
        throw new DaemonStartError(
          `cannot listen on ${shown}:${address.port} ([http] listen): ${errorMessage(error)}`,
          { cause: error },
        )
      })
      const scheme = tls === undefined ? 'http' : 'https'
      started.push({ host: address.host, port, scheme, server })
      log.info(`listening on ${scheme}://${shown}:${port}`)
      if (tls === undefined && !isLoopback(address.host)) {
        log.warn(
          `${shown}:${port} serves plain HTTP beyond this host: tokens and data cross the network in clear; set [http] tls_cert and tls_key`,
        )
      }
    }
  } catch (error) {
    await Promise.all(started.map((listener) => listener.server.close().catch(() => undefined)))
    throw error
  }
  return started
}

function readPem(file: string, key: string): Buffer {
  try {
    return readFileSync(file)
  } catch (error) {
    throw new DaemonStartError(`cannot read [http] ${key} "${file}": ${errorMessage(error)}`, { cause: error })
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host)
}
