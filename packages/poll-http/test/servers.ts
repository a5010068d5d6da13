// Real local HTTP servers and a sample collector for the poller tests.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { PolledSample } from '@timon/core'
import { parseChecks, type HttpCheck } from '@timon/poll-http'

export interface TestServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly origin: string
  readonly port: number
  /** Requests received so far. */
  readonly requests: () => number
  /** TCP connections accepted so far. */
  readonly connections: () => number
  /** Connections open now. */
  readonly openConnections: () => number
  close(): Promise<void>
}

/** Starts a server on 127.0.0.1 (a free port) answering with `handler`. */
export async function serve(
  handler: (request: http.IncomingMessage, response: http.ServerResponse, index: number) => void,
): Promise<TestServer> {
  let requests = 0
  let connections = 0
  const server = http.createServer((request, response) => {
    requests += 1
    handler(request, response, requests - 1)
  })
  server.on('connection', () => {
    connections += 1
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests: () => requests,
    connections: () => connections,
    openConnections: () => (server as unknown as { _connections: number })._connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A port nothing listens on: one a server had, closed again. */
export async function closedPort(): Promise<number> {
  const server = await serve(() => undefined)
  await server.close()
  return server.port
}

/** Answers `status` with `body` (a string, or an object sent as JSON). */
export function answer(
  status: number,
  body: string | object = '',
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (_request, response) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    response.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json' })
    response.end(text)
  }
}

/** A recorded sample and when it arrived (performance.now()). */
export interface Recorded extends PolledSample {
  readonly at: number
}

/** A `record` callback that keeps every sample. */
export function collector(): {
  record: (sample: PolledSample) => Promise<void>
  samples: Recorded[]
  of: (code: string) => Recorded[]
} {
  const samples: Recorded[] = []
  return {
    samples,
    record: async (sample) => {
      samples.push({ ...sample, at: performance.now() })
    },
    of: (code) => samples.filter((sample) => sample.code === code),
  }
}

/** `parseChecks` of `[[check]]` tables, throwing on issues; intervals under 1 s are allowed, to keep tests short. */
export function checks(...tables: Record<string, unknown>[]): HttpCheck[] {
  const parsed = parseChecks(tables, { baseDir: process.cwd(), minIntervalMs: 0 })
  if (parsed.isErr()) throw new Error(parsed.error.join('\n'))
  return parsed.value
}

/** Waits until `condition` holds, polling every 5 ms; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 2_000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

export { sleep }
