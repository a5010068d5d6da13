import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApiToken, Clock, Monitor, TokenService } from '@timon/core'
import { createDashboard, type Access, type Dashboard } from '@timon/dashboard'
import type { HttpConfig } from '../config/config.js'
import type { AccessControl } from '../http/access.js'
import { refusalMessage } from '../http/auth-failures.js'
import type { Logger } from '../logger.js'
import type { RunLogStore } from '../run-logs/store.js'
import { readLogChunk } from './read-log.js'

/** A handler tried for the paths the API does not know; resolves `true` when it answered. */
export type Mount = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

/** Options of {@link createDaemonDashboard}. */
export interface DaemonDashboardOptions {
  readonly monitor: Monitor
  readonly tokens: TokenService
  readonly runLogs: RunLogStore
  readonly http: HttpConfig
  readonly clock: Clock
  readonly log: Logger
}

/** The daemon's dashboard: sign-in with its API tokens, `[http] public_*`, logs from its run-log files. */
export function createDaemonDashboard(options: DaemonDashboardOptions): Dashboard {
  const { monitor, tokens, runLogs, http, clock, log } = options
  return createDashboard({
    monitor,
    clock,
    authorize: (secret) => accessOf(tokens, secret),
    publicStatus: http.publicStatus,
    publicCodes: http.publicCodes,
    publicMetrics: http.publicMetrics,
    readLog: (run, from, maxBytes) => readLogChunk(runLogs, run, from, maxBytes),
    onError: (error) => log.error('dashboard request failed', error),
  })
}

/** The dashboard on the Unix socket: its caller is the local admin. */
export function socketMount(dashboard: Dashboard): Mount {
  return (req, res) => dashboard.handle(req, res, { via: 'socket' })
}

/**
 * The dashboard on a TCP listener: a request's `Authorization: Bearer` token (a scraper's, a
 * script's) is resolved to its access, within the listener's rate limit per token as on the API
 * (429 past it); browsers sign in and carry a session cookie instead. Failed bearer tokens and
 * sign-ins count against the caller's address as the API's do (see `AuthFailures`): a failed
 * token past them gets 429, and so does a sign-in from such an address, before what was typed is
 * looked at (a person waits a minute; a guesser gets nowhere).
 */
export function tcpMount(dashboard: Dashboard, control: AccessControl, secure: boolean): Mount {
  return async (req, res) => {
    const address = req.socket.remoteAddress
    const signIn = req.method === 'POST' && req.url?.split('?')[0] === '/login'
    const refused = signIn ? control.failures?.refusal(address) : undefined
    if (refused !== undefined) return tooManyRequests(res, refusalMessage(refused), refused)
    const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1]
    const token = bearer === undefined ? undefined : await control.tokens.authenticate(bearer)
    if (token?.isErr() === true) {
      const wait = control.failures?.failed(address)
      if (wait !== undefined) return tooManyRequests(res, refusalMessage(wait), wait)
    }
    if (token?.isOk() === true) {
      const wait = control.rateLimit?.take(token.value.id)
      if (wait !== undefined) {
        return tooManyRequests(res, `token "${token.value.name}" is over its rate limit; retry in ${wait}s`, wait)
      }
    }
    const access = token?.isOk() === true ? accessOfToken(token.value) : undefined
    const answered = await dashboard.handle(req, res, {
      via: 'tcp',
      secure,
      ...(access === undefined ? {} : { access }),
    })
    // The sign-in page answers 401 to a token it does not know.
    if (signIn && res.statusCode === 401) control.failures?.failed(address)
    return answered
  }
}

function tooManyRequests(res: ServerResponse, message: string, seconds: number): true {
  res
    .writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': String(seconds) })
    .end(`${message}\n`)
  return true
}

/** A token's access (scope, and its codes when it is limited to some); `undefined` for an invalid, expired or revoked one. */
async function accessOf(tokens: TokenService, secret: string): Promise<Access | undefined> {
  const token = await tokens.authenticate(secret)
  return token.isOk() ? accessOfToken(token.value) : undefined
}

function accessOfToken({ scope, codes }: ApiToken): Access {
  return codes.length === 0 ? { scope } : { scope, codes }
}
