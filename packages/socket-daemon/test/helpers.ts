import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseWebhooks } from '@timon/notify-webhook'
import { TimonClient } from '@timon/client'
import type { Clock } from '@timon/core'
import { createLogger, startDaemon, type DaemonConfig, type Logger, type RunningDaemon } from '@timon/socket-daemon'

/** A temp directory with a short path (Unix socket paths must stay under ~100 bytes). */
export function makeTempDir(): { readonly dir: string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tsd-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A daemon config for tests: silent, socket and data in `dir`. */
export function testConfig(dir: string, overrides: Partial<DaemonConfig> = {}): DaemonConfig {
  const dataDir = overrides.dataDir ?? join(dir, 'data')
  return {
    path: undefined,
    hostname: 'test-host',
    name: 'test-daemon',
    store: {
      kind: 'sqlite',
      path: join(dataDir, 'timon.db'),
      synchronous: 'full',
      rowCacheCapacity: undefined,
      leaseMs: 15_000,
    },
    dataDir,
    logDir: undefined,
    logLevel: 'silent',
    pingIntervalMs: undefined,
    maxPushAgeMs: 24 * 60 * 60 * 1000,
    timezone: 'UTC',
    socket: join(dir, 's.sock'),
    socketMode: 0o600,
    socketGroup: undefined,
    webhooks: [],
    emails: [],
    commands: [],
    notify: { testTarget: undefined },
    checks: [],
    systemChecks: [],
    plugins: [],
    maintenance: [],
    exec: { logDir: join(dir, 'data', 'logs'), maxLogBytes: 10 * 1024 * 1024, maxFollowers: 64 },
    http: {
      listen: [],
      tls: undefined,
      maxConnections: 512,
      rateLimitPerSecond: undefined,
      publicStatus: false,
      publicCodes: [],
      publicMetrics: false,
    },
    ...overrides,
  }
}

/** A logger that keeps its lines, to assert that nothing went wrong. */
export function memoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = []
  return Object.assign(createLogger({ level: 'debug', write: (line) => lines.push(line) }), { lines })
}

/** A running daemon on a temp socket and data dir, with a client, and a cleanup. */
export interface TestDaemon {
  readonly dir: string
  readonly config: DaemonConfig
  readonly daemon: RunningDaemon
  readonly client: TimonClient
  readonly log: ReturnType<typeof memoryLogger>
  /** Stops the daemon (if still running) and removes the directory. */
  readonly cleanup: () => Promise<void>
}

export async function startTestDaemon(
  overrides: Partial<DaemonConfig> = {},
  dir = makeTempDir(),
  clock?: Clock,
): Promise<TestDaemon> {
  const config = testConfig(dir.dir, overrides)
  const log = memoryLogger()
  const daemon = await startDaemon({ config, log, version: '9.9.9-test', ...(clock === undefined ? {} : { clock }) })
  const client = new TimonClient({ socketPath: config.socket })
  return {
    dir: dir.dir,
    config,
    daemon,
    client,
    log,
    cleanup: async () => {
      client.close()
      await daemon.stop()
      dir.remove()
    },
  }
}

/** What {@link rawRequest} got back. */
export interface RawAnswer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
  readonly json: unknown
}

/** One HTTP request on the Unix socket, on a fresh connection; `body` is sent as is. */
export function rawRequest(
  socketPath: string,
  options: { method?: string; path: string; headers?: Record<string, string | number>; body?: string | Buffer },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers }
    if (options.body !== undefined && headers['Content-Length'] === undefined)
      headers['Content-Length'] = Buffer.byteLength(options.body)
    const req = request(
      { socketPath, path: options.path, method: options.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json: unknown
          try {
            json = JSON.parse(text)
          } catch {
            json = undefined
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** POSTs `body` as JSON text. */
export function postJson(socketPath: string, path: string, body: unknown): Promise<RawAnswer> {
  return rawRequest(socketPath, {
    method: 'POST',
    path,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** One request a {@link WebhookReceiver} received. */
export interface ReceivedHook {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly json: Record<string, unknown>
  readonly at: number
}

/** A local HTTP receiver for webhooks, on 127.0.0.1. */
export interface WebhookReceiver {
  readonly url: string
  /** The requests answered with a 2xx, in order. */
  readonly received: ReceivedHook[]
  /** Every request, whatever it was answered. */
  readonly attempts: (ReceivedHook & { readonly status: number })[]
  /** Resolves with the first request (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (hook: ReceivedHook) => boolean, timeoutMs?: number): Promise<ReceivedHook>
  /** Sets the status answered to requests whose path starts with `prefix` (default 200). */
  answer(prefix: string, status: number, delayMs?: number): void
  close(): Promise<void>
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = []
  const attempts: (ReceivedHook & { readonly status: number })[] = []
  const waiters: { predicate: (hook: ReceivedHook) => boolean; resolve: (hook: ReceivedHook) => void }[] = []
  const answers = new Map<string, { status: number; delayMs: number }>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = req.url ?? '/'
      const answer = [...answers].find(([prefix]) => path.startsWith(prefix))?.[1] ?? { status: 200, delayMs: 0 }
      setTimeout(() => {
        const hook = {
          path,
          headers: req.headers,
          json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          at: Date.now(),
        }
        attempts.push({ ...hook, status: answer.status })
        if (answer.status >= 200 && answer.status < 300) {
          received.push(hook)
          for (const waiter of waiters.filter((w) => w.predicate(hook))) {
            waiters.splice(waiters.indexOf(waiter), 1)
            waiter.resolve(hook)
          }
        }
        res.writeHead(answer.status).end()
      }, answer.delayMs)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    attempts,
    waitFor: (predicate, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const found = received.find(predicate)
        if (found !== undefined) return resolve(found)
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching webhook within ${timeoutMs} ms; got ${JSON.stringify(received.map((h) => h.json._event))}`,
              ),
            ),
          timeoutMs,
        )
        waiters.push({
          predicate,
          resolve: (hook) => {
            clearTimeout(timer)
            resolve(hook)
          },
        })
      }),
    answer: (prefix, status, delayMs = 0) => answers.set(prefix, { status, delayMs }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** `[[webhook]]` tables as the config would give them, validated by the webhook package. */
export function webhooks(tables: unknown[]): DaemonConfig['webhooks'] {
  return parseWebhooks(tables)._unsafeUnwrap()
}
