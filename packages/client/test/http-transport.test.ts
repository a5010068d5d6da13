/**
 * The HTTP(S) transport against real servers on 127.0.0.1: the bearer token, keep-alive reuse, a
 * path prefix, streams, TLS with a CA made in the test (trusted through `caPem`, refused without),
 * and the errors, which name the URL and never the token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { TimonClient } from '@timon/client'
import { testCertificates } from '../../http-common/test/certificates.js'
import {
  openHttpTransport,
  parseDaemonUrl,
  type HttpTransport,
  type HttpTransportOptions,
} from '../src/transport/http.js'

const TOKEN = 'tmn_s3cr3t-token-value'
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Seen {
  readonly method: string
  readonly url: string
  readonly authorization: string | undefined
  readonly host: string | undefined
  readonly body: string
}

/** A server that answers like the daemon: 401 without the token, else `{"ok":true,"path":…}`; counts connections. */
async function listen(server: Server): Promise<{ url: string; seen: Seen[]; connections: () => number }> {
  const seen: Seen[] = []
  let connections = 0
  server.on('connection', (socket: Socket) => {
    connections += 1
    cleanups.push(() => socket.destroy())
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        host: req.headers.host,
        body: Buffer.concat(chunks).toString(),
      })
      res.setHeader('Content-Type', 'application/json')
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res
          .writeHead(401)
          .end(JSON.stringify({ error: { code: 'unauthorized', message: 'a valid bearer token is required' } }))
        return
      }
      res.end(JSON.stringify({ ok: true, path: req.url }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  const { port } = server.address() as AddressInfo
  const scheme = 'cert' in server ? 'https' : 'http'
  return { url: `${scheme}://127.0.0.1:${port}`, seen, connections: () => connections }
}

async function transport(options: HttpTransportOptions): Promise<HttpTransport> {
  const opened = await openHttpTransport(options)
  if (!opened.ok) throw new Error(opened.message)
  cleanups.push(() => opened.transport.close())
  return opened.transport
}

describe('parseDaemonUrl', () => {
  it('splits a URL, with its port, prefix and IPv6 host', () => {
    expect(parseDaemonUrl('https://monitor.example:8923')).toMatchObject({
      secure: true,
      hostname: 'monitor.example',
      port: 8923,
      host: 'monitor.example:8923',
      prefix: '',
      address: 'https://monitor.example:8923',
    })
    expect(parseDaemonUrl('http://[::1]/timon/')).toMatchObject({
      secure: false,
      hostname: '::1',
      port: 80,
      prefix: '/timon',
      address: 'http://[::1]/timon',
    })
  })

  it('refuses what is not a daemon URL, never repeating a password', () => {
    expect(parseDaemonUrl('monitor.example:8923')).toMatch(/http:\/\/ or https:\/\//)
    expect(parseDaemonUrl('not a url')).toMatch(/not a URL/)
    const message = parseDaemonUrl('https://user:hunter2@monitor.example')
    expect(message).toMatch(/user name or password/)
    expect(message).not.toContain('hunter2')
  })
})

describe('HttpTransport', () => {
  it('sends the bearer token and Host, reuses one kept-alive connection, and keeps the path prefix', async () => {
    const server = await listen(createServer())
    const t = await transport({ url: `${server.url}/base/`, token: TOKEN })
    for (let i = 0; i < 3; i++) {
      const answer = await t.request('POST', '/v1/push/probe', '{"code":"a"}')
      expect(answer.ok && answer.response.status).toBe(200)
    }
    expect(server.connections()).toBe(1)
    expect(server.seen.map((s) => s.url)).toEqual(['/base/v1/push/probe', '/base/v1/push/probe', '/base/v1/push/probe'])
    expect(server.seen[0]).toMatchObject({
      method: 'POST',
      authorization: `Bearer ${TOKEN}`,
      host: server.url.slice('http://'.length),
      body: '{"code":"a"}',
    })
  })

  it("gives the daemon's 401 as the client's error, which does not hold the token", async () => {
    const server = await listen(createServer())
    const client = new TimonClient({ transport: await transport({ url: server.url, token: 'wrong-token' }) })
    const answer = await client.summary()
    expect(answer.isErr() && answer.error).toMatchObject({ status: 401, message: 'a valid bearer token is required' })
    expect(JSON.stringify(answer)).not.toContain('wrong-token')
  })

  it("sends the machine's host with every push that names none", async () => {
    const server = await listen(createServer())
    const client = new TimonClient({
      transport: await transport({ url: server.url, token: TOKEN }),
      host: 'web-1.example',
    })
    await client.pushProbe({ code: 'web', health: 'healthy' })
    await client.startJob({ code: 'job', host: 'other' })
    await client.summary()
    expect(server.seen.map((s) => s.body)).toEqual([
      '{"code":"web","health":"healthy","host":"web-1.example"}',
      '{"code":"job","host":"other"}',
      '',
    ])
  })

  it('streams a body to the daemon with the token', async () => {
    const server = await listen(createServer())
    const t = await transport({ url: server.url, token: TOKEN })
    const opened = await t.openStream({
      method: 'POST',
      path: '/v1/stream',
      headers: { 'Content-Type': 'application/octet-stream' },
    })
    if (!opened.ok) throw new Error(opened.failure.message)
    const status = new Promise<number>((resolve) =>
      opened.request.on('response', (res) => resolve(res.statusCode ?? 0)),
    )
    opened.request.end('output bytes')
    expect(await status).toBe(200)
    expect(server.seen[0]).toMatchObject({ url: '/v1/stream', authorization: `Bearer ${TOKEN}`, body: 'output bytes' })
  })

  it('names the URL, never the token, when nothing listens or nothing answers', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
    await new Promise((resolve) => closed.close(resolve))
    const refused = new TimonClient({ transport: await transport({ url, token: TOKEN }) })
    const answer = await refused.summary()
    expect(answer.isErr() && answer.error).toMatchObject({ code: 'unreachable' })
    expect(answer.isErr() && answer.error.message).toMatch(
      new RegExp(
        `^cannot reach the Timon daemon at ${url} \\(connect ECONNREFUSED\\): is it running, with an \\[http\\] listen`,
      ),
    )
    expect(JSON.stringify(answer)).not.toContain(TOKEN)

    // A server that takes the connection and never answers.
    const silent = createNetServer((socket) => cleanups.push(() => socket.destroy()))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => silent.close(resolve)))
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    const waiting = new TimonClient({ transport: await transport({ url: silentUrl, token: TOKEN, timeoutMs: 200 }) })
    const late = await waiting.summary()
    expect(late.isErr() && late.error).toMatchObject({
      code: 'timeout',
      message: `the Timon daemon at ${silentUrl} did not answer within 200 ms`,
    })
  })

  it('refuses a token a header cannot carry without repeating it', async () => {
    const opened = await openHttpTransport({ url: 'http://127.0.0.1:1', token: 'two\nlines' })
    expect(opened).toEqual({ ok: false, message: expect.stringMatching(/token holds a character/) as unknown })
    expect(JSON.stringify(opened)).not.toContain('lines')
  })

  it('speaks HTTPS to a server whose CA is given, and refuses it without the CA', async () => {
    const certificates = testCertificates()
    if (certificates === undefined) throw new Error('openssl is needed for the HTTPS tests')
    const { caPem, key, cert } = certificates
    const server = await listen(createHttpsServer({ key, cert }) as unknown as Server)
    const trusted = new TimonClient({ transport: await transport({ url: server.url, token: TOKEN, caPem }) })
    const answer = await trusted.request('GET', '/v1/summary')
    expect(answer.isOk() && answer.value).toEqual({ status: 200, json: { ok: true, path: '/v1/summary' } })
    const again = await trusted.request('GET', '/v1/summary')
    expect(again.isOk()).toBe(true)
    expect(server.connections()).toBe(1)

    const untrusted = new TimonClient({ transport: await transport({ url: server.url, token: TOKEN }) })
    const refused = await untrusted.summary()
    expect(refused.isErr() && refused.error.code).toBe('unreachable')
    expect(refused.isErr() && refused.error.message).toMatch(
      /TLS certificate is not trusted: give its CA's certificate in TIMON_CA_FILE/,
    )
    expect(JSON.stringify(refused)).not.toContain(TOKEN)
  })
})
