import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApiToken, Clock, Monitor, TokenService } from '@timon/core'
import { createDashboard, type Access, type Dashboard } from '@timon/dashboard'
import type { HttpConfig } from '../config/config.js'
import type { AccessControl } from '../http/access.js'
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
 * (429 past it); browsers sign in and carry a session cookie instead.
 */
export function tcpMount(dashboard: Dashboard, control: AccessControl, secure: boolean): Mount {
  return async (req, res) => {
    const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1]
    const token = bearer === undefined ? undefined : await control.tokens.authenticate(bearer)
    if (token?.isOk() === true) {
      const wait = control.rateLimit?.take(token.value.id)
      if (wait !== undefined) {
        res
          .writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': String(wait) })
          .end(`token "${token.value.name}" is over its rate limit; retry in ${wait}s\n`)
        return true
      }
    }
    const access = token?.isOk() === true ? accessOfToken(token.value) : undefined
    return dashboard.handle(req, res, { via: 'tcp', secure, ...(access === undefined ? {} : { access }) })
  }
}

/** A token's access (scope, and its codes when it is limited to some); `undefined` for an invalid, expired or revoked one. */
async function accessOf(tokens: TokenService, secret: string): Promise<Access | undefined> {
  const token = await tokens.authenticate(secret)
  return token.isOk() ? accessOfToken(token.value) : undefined
}

function accessOfToken({ scope, codes }: ApiToken): Access {
  return codes.length === 0 ? { scope } : { scope, codes }
}
