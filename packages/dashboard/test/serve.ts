import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Monitor, MemoryStore } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { createDashboard, type Access, type Dashboard, type DashboardOptions } from '../src/index.js'

/** The tokens the fake daemon knows. */
export const TOKENS: Readonly<Record<string, Access>> = {
  'admin-token': { scope: 'admin' },
  'read-token': { scope: 'read' },
  'push-token': { scope: 'push' },
  'web-token': { scope: 'read', codes: ['web.*'] },
}

export interface Served {
  readonly url: string
  readonly monitor: Monitor
  readonly clock: FakeClock
  readonly dashboard: Dashboard
  close(): Promise<void>
}

/**
 * The dashboard on a real HTTP server on 127.0.0.1, mounted the way the daemon does: requests it
 * does not answer get a 404, a bearer token becomes `ctx.access`. `via` says what the server plays.
 */
export async function serveDashboard(
  options: { via?: 'socket' | 'tcp'; monitor?: Monitor; clock?: FakeClock } & Partial<
    Omit<DashboardOptions, 'monitor' | 'clock'>
  > = {},
): Promise<Served> {
  const clock = options.clock ?? new FakeClock('2025-06-01T12:00:00Z')
  const monitor = options.monitor ?? new Monitor({ store: new MemoryStore(), clock })
  const authorize = async (token: string) => TOKENS[token]
  const dashboard = createDashboard({ authorize, live: { coalesceMs: 20 }, ...options, monitor, clock })
  const via = options.via ?? 'tcp'
  const server: Server = createServer((req, res) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const access = bearer === undefined ? undefined : TOKENS[bearer]
    void dashboard.handle(req, res, access === undefined ? { via } : { via, access }).then((answered) => {
      if (!answered) res.writeHead(404).end('not the dashboard\n')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    monitor,
    clock,
    dashboard,
    async close() {
      dashboard.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The value of the session cookie set by a response, if any. */
export function sessionFrom(response: Response): string | undefined {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('timon_session='))
  return cookie?.split(';')[0]
}

/** The CSRF token of the first form on a page. */
export function csrfOf(page: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page)
  if (match?.[1] === undefined) throw new Error('no CSRF token on the page')
  return match[1]
}
