import { execFile } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { connect } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { FakeClock } from '@timon/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTempDir, rawRequest, startTestDaemon, type RawAnswer, type TestDaemon } from './helpers.js'

const run = promisify(execFile)
let t: TestDaemon | undefined

afterEach(async () => {
  await t?.cleanup()
  t = undefined
})

const http = (rateLimitPerSecond?: number) => ({
  http: {
    listen: [{ host: '127.0.0.1', port: 0 }],
    tls: undefined,
    maxConnections: 64,
    rateLimitPerSecond,
    publicStatus: false,
    publicCodes: [],
    publicMetrics: false,
  },
})

function portOf(d: TestDaemon): number {
  const port = d.daemon.listeners[0]?.port
  if (port === undefined) throw new Error('no TCP listener')
  return port
}

/** One request over TCP (HTTPS with `ca`), on a fresh connection. */
function tcp(
  port: number,
  options: { method?: string; path: string; token?: string; body?: unknown; form?: string; ca?: string },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const body = options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
    const headers: Record<string, string | number> = {}
    if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`
    if (body !== undefined) {
      const type = options.form === undefined ? 'application/json' : 'application/x-www-form-urlencoded'
      Object.assign(headers, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
    }
    const request = options.ca === undefined ? httpRequest : httpsRequest
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path,
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        agent: false,
        ...(options.ca === undefined ? {} : { ca: options.ca, servername: 'localhost' }),
      },
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
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function token(
  d: TestDaemon,
  name: string,
  scope: 'push' | 'read' | 'admin',
  codes: string[] = [],
  expiresInMs?: number,
): Promise<string> {
  return (
    await d.daemon.tokens.create({ name, scope, codes, ...(expiresInMs === undefined ? {} : { expiresInMs }) })
  )._unsafeUnwrap().secret
}

describe('the TCP listener', () => {
  it('answers /healthz without a token, and 401 unauthorized for no, an unknown or a revoked token', async () => {
    t = await startTestDaemon(http())
    const port = portOf(t)
    expect((await tcp(port, { path: '/healthz' })).status).toBe(200)
    const none = await tcp(port, { path: '/v1/status' })
    expect(none.status).toBe(401)
    expect(none.json).toMatchObject({ error: { code: 'unauthorized' } })
    expect(none.headers['www-authenticate']).toBe('Bearer')
    expect((await tcp(port, { path: '/v1/status', token: 'timon_unknown' })).status).toBe(401)
    const secret = await token(t, 'r', 'read')
    expect((await tcp(port, { path: '/v1/status', token: secret })).status).toBe(200)
    await t.daemon.tokens.revoke('r')
    expect((await tcp(port, { path: '/v1/status', token: secret })).json).toMatchObject({
      error: { code: 'unauthorized' },
    })
    expect(t.log.lines.join('\n')).not.toContain(secret)
  })

  it('refuses an expired token', async () => {
    const clock = new FakeClock(new Date())
    t = await startTestDaemon(http(), undefined, clock)
    const secret = await token(t, 'short', 'read', [], 60_000)
    expect((await tcp(portOf(t), { path: '/v1/summary', token: secret })).status).toBe(200)
    clock.advance('1m')
    expect((await tcp(portOf(t), { path: '/v1/summary', token: secret })).status).toBe(401)
  })

  it('checks every scope on every kind of route, before the body is validated', async () => {
    t = await startTestDaemon(http())
    const port = portOf(t)
    const secrets = {
      push: await token(t, 'p', 'push'),
      read: await token(t, 'r', 'read'),
      admin: await token(t, 'a', 'admin'),
    }
    await t.client.pushProbe({ code: 'web.api', health: 'healthy' })
    const routes: {
      method?: string
      path: string
      body?: unknown
      ok: number
      scopes: ('push' | 'read' | 'admin')[]
    }[] = [
      { path: '/v1/push/probe', body: { code: 'web.api', health: 'healthy' }, ok: 201, scopes: ['push', 'admin'] },
      { path: '/v1/push/job/start', body: { code: 'db.backup' }, ok: 201, scopes: ['push', 'admin'] },
      { path: '/v1/push/job/skip', body: { code: 'db.backup' }, ok: 201, scopes: ['push', 'admin'] },
      { path: '/v1/status', ok: 200, scopes: ['read', 'admin'] },
      { path: '/v1/summary', ok: 200, scopes: ['read', 'admin'] },
      { path: '/v1/show/web.api', ok: 200, scopes: ['read', 'admin'] },
      { path: '/v1/deliveries', ok: 200, scopes: ['read', 'admin'] },
      { path: '/v1/tokens', ok: 200, scopes: ['admin'] },
      { path: '/v1/push/incident', body: { title: 'by hand' }, ok: 201, scopes: ['admin'] },
      { path: '/v1/truncate', body: { keep: '30d' }, ok: 200, scopes: ['admin'] },
      { path: '/v1/silences', body: { pattern: 'db.*', for: '1h' }, ok: 201, scopes: ['admin'] },
      { path: '/v1/silences', ok: 200, scopes: ['read', 'admin'] },
      { path: '/v1/silences/end', body: { id: 1 }, ok: 200, scopes: ['admin'] },
    ]
    for (const route of routes) {
      expect((await tcp(port, route)).status, `${route.path} without a token`).toBe(401)
      for (const scope of ['push', 'read', 'admin'] as const) {
        const answer = await tcp(port, { ...route, token: secrets[scope] })
        expect(answer.status, `${route.path} with ${scope}: ${answer.text}`).toBe(
          route.scopes.includes(scope) ? route.ok : 403,
        )
      }
    }
    // Refused before validation: an invalid body from a read token is a 403, not a 400.
    expect((await tcp(port, { path: '/v1/push/probe', body: { nonsense: true }, token: secrets.read })).status).toBe(
      403,
    )
    expect((await tcp(port, { path: '/v1/push/probe', body: { nonsense: true }, token: secrets.push })).status).toBe(
      400,
    )
  })

  it('limits a token to its code globs', async () => {
    t = await startTestDaemon(http())
    const port = portOf(t)
    const push = await token(t, 'web', 'push', ['web.*'])
    const read = await token(t, 'webread', 'read', ['web.*'])
    expect(
      (await tcp(port, { path: '/v1/push/probe', body: { code: 'web.api', health: 'healthy' }, token: push })).status,
    ).toBe(201)
    const other = await tcp(port, { path: '/v1/push/probe', body: { code: 'db.main', health: 'healthy' }, token: push })
    expect(other.status).toBe(403)
    expect(other.json).toMatchObject({ error: { code: 'forbidden' } })
    expect(
      (await tcp(port, { path: '/v1/push/probe', body: { code: 'web.api.v2', health: 'healthy' }, token: push }))
        .status,
    ).toBe(403)
    expect((await tcp(port, { path: '/v1/show/web.api', token: read })).status).toBe(200)
    expect((await tcp(port, { path: '/v1/show/db.main', token: read })).status).toBe(403)
    expect((await tcp(port, { path: '/v1/status', token: read })).status).toBe(403)
  })

  it('answers 429 with Retry-After past the rate limit, per token', async () => {
    t = await startTestDaemon(http(2))
    const port = portOf(t)
    const a = await token(t, 'a', 'read')
    const b = await token(t, 'b', 'read')
    const statuses = []
    for (let i = 0; i < 3; i += 1) statuses.push((await tcp(port, { path: '/v1/summary', token: a })).status)
    expect(statuses.slice(0, 2)).toEqual([200, 200])
    const limited = await tcp(port, { path: '/v1/summary', token: a })
    expect(limited.status).toBe(429)
    expect(limited.json).toMatchObject({ error: { code: 'rate_limited' } })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect((await tcp(port, { path: '/v1/summary', token: b })).status).toBe(200)
  })

  it('answers 429 instead of 401 past 10 failed tokens from one address, and still admits a valid token', async () => {
    t = await startTestDaemon(http())
    const port = portOf(t)
    const valid = await token(t, 'ok', 'read')
    const statuses = []
    for (let i = 0; i < 11; i += 1)
      statuses.push((await tcp(port, { path: '/v1/summary', token: `timon_bad${i}` })).status)
    expect(statuses).toEqual([...Array(10).fill(401), 429])
    const refused = await tcp(port, { path: '/v1/summary', token: 'timon_bad' })
    expect(refused.json).toMatchObject({ error: { code: 'rate_limited' } })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    // A neighbour behind the same address with a good token is not locked out.
    expect((await tcp(port, { path: '/v1/summary', token: valid })).status).toBe(200)
    // A ping URL's secret counts the same way.
    expect((await tcp(port, { method: 'GET', path: '/ping/timon_bad/web.api' })).status).toBe(429)
    expect(t.log.lines.join('\n')).toMatch(/127\.0\.0\.1: too many failed authentications; refusing it for [0-9]+s/)
  })

  it('refuses dashboard sign-ins from an address after 10 failed ones, before looking at the token', async () => {
    t = await startTestDaemon(http())
    const port = portOf(t)
    const valid = await token(t, 'ok', 'read')
    const signIn = (secret: string) => tcp(port, { path: '/login', form: `token=${secret}` })
    const statuses = []
    for (let i = 0; i < 10; i += 1) statuses.push((await signIn(`timon_bad${i}`)).status)
    expect(statuses).toEqual(Array(10).fill(401))
    const refused = await signIn(valid)
    expect(refused.status).toBe(429)
    expect(refused.text).toContain('too many failed authentications')
  })

  it('serves HTTPS with a certificate from the config', async () => {
    const dir = makeTempDir()
    const cert = join(dir.dir, 'cert.pem')
    const key = join(dir.dir, 'key.pem')
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ])
    t = await startTestDaemon({ http: { ...http().http, tls: { certFile: cert, keyFile: key } } }, dir)
    const { readFileSync } = await import('node:fs')
    const ca = readFileSync(cert, 'utf8')
    expect(t.daemon.listeners[0]?.scheme).toBe('https')
    const secret = await token(t, 'r', 'read')
    expect((await tcp(portOf(t), { path: '/v1/summary', token: secret, ca })).status).toBe(200)
    await expect(tcp(portOf(t), { path: '/healthz' })).rejects.toThrow()
  })

  it('drops a client that has not sent its headers within 10 s (slowloris), answering 408 Request Timeout', async () => {
    t = await startTestDaemon(http())
    const port = portOf(t)
    const socket = connect(port, '127.0.0.1')
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    const started = Date.now()
    await new Promise<void>((resolve) => socket.once('connect', resolve))
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n')
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 1000)
    await new Promise<void>((resolve) => socket.once('close', resolve))
    clearInterval(drip)
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(9_000)
    expect(took).toBeLessThan(13_000)
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
    expect((await tcp(port, { path: '/healthz' })).status).toBe(200)
  }, 20_000)

  it('gives the Unix socket no token check', async () => {
    t = await startTestDaemon(http())
    expect((await rawRequest(t.config.socket, { path: '/v1/tokens' })).status).toBe(200)
  })
})

describe('ping URLs', () => {
  /** `curl` exactly as Healthchecks documents it; its exit status, output and error text. */
  async function curl(url: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run('curl', ['-fsS', '-m', '10', '--retry', '5', ...extra, url])
      return { code: 0, stdout, stderr }
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }

  it('records probe pings, healthy and failed, the first line of the body as comment and the rest as detail', async () => {
    t = await startTestDaemon(http())
    const base = `http://127.0.0.1:${portOf(t)}/ping/${await token(t, 'cron', 'push')}`
    expect(await curl(`${base}/web.cron`, '-o', '/dev/null')).toMatchObject({ code: 0 })
    expect((await curl(`${base}/web.cron`)).stdout).toBe('OK')
    expect(await curl(`${base}/web.cron/fail`, '--data-raw', 'disk full\nmore')).toMatchObject({ code: 0 })
    const show = (await t.client.show('web.cron'))._unsafeUnwrap()
    expect(show).toMatchObject({
      kind: 'contract',
      contract: { kind: 'probe' },
      lastReport: { health: 'critical', comment: 'disk full', detail: 'more' },
    })
    expect(await curl(`${base}/web.cron/fail`, '--data-raw', 'one line')).toMatchObject({ code: 0 })
    expect((await t.client.show('web.cron'))._unsafeUnwrap()).toMatchObject({
      lastReport: { comment: 'one line', detail: null },
    })
    expect((await curl(`${base}/web.cron/0?host=web-3.example`)).code).toBe(0)
    expect((await t.client.show('web.cron'))._unsafeUnwrap()).toMatchObject({
      lastReport: { health: 'healthy', host: 'web-3.example' },
    })
    expect((await curl(`${base}/web.cron?host=not%20a%20host`)).stderr).toContain('400')
  })

  it('starts and ends job runs: /start with rid, exit statuses, /log, and a run that starts and ends at once', async () => {
    t = await startTestDaemon(http())
    const port = portOf(t)
    const base = `http://127.0.0.1:${port}/ping/${await token(t, 'cron', 'push')}`
    const start = await curl(`${base}/db.backup/start?rid=0123456789ab&host=db-1`, '-D', '-')
    expect(start.stdout).toMatch(/X-Timon-Run: 0123456789ab/i)
    expect(await curl(`${base}/db.backup/log?rid=0123456789ab`, '--data-raw', 'half way')).toMatchObject({ code: 0 })
    expect(await curl(`${base}/db.backup/3?rid=0123456789ab`, '--data-raw', 'tar: error')).toMatchObject({ code: 0 })
    const run = (await t.client.show('db.backup:0123456789ab'))._unsafeUnwrap()
    expect(run).toMatchObject({
      kind: 'report',
      report: { kind: 'run', health: 'critical', exit: { code: 3, signal: null }, host: 'db-1' },
    })
    expect(JSON.stringify(run)).toContain('half way')
    expect(JSON.stringify(run)).toContain('tar: error')
    // No run going: one that starts and ends now.
    expect((await curl(`${base}/db.backup`)).code).toBe(0)
    expect((await t.client.show('db.backup'))._unsafeUnwrap()).toMatchObject({
      lastReport: { kind: 'run', health: 'healthy' },
      reportCount: 2,
    })
  })

  it('answers a bad secret, a code outside the globs or a bad suffix with a one-line 4xx', async () => {
    t = await startTestDaemon(http())
    const port = portOf(t)
    const limited = await token(t, 'web', 'push', ['web.*'])
    const bad = await curl(`http://127.0.0.1:${port}/ping/timon_wrong/web.cron`)
    expect(bad.code).toBe(22)
    expect(bad.stderr).toContain('401')
    const answer = await tcp(port, { path: `/ping/${limited}/db.main` })
    expect(answer.status).toBe(403)
    expect(answer.text).toMatch(/^token "web" is limited to web\.\*, not "db\.main"\n$/)
    expect((await tcp(port, { path: `/ping/${limited}/web.cron/256` })).status).toBe(404)
    expect((await tcp(port, { path: `/ping/${await token(t, 'r', 'read')}/web.cron` })).status).toBe(403)
    expect(t.log.lines.join('\n')).not.toContain(limited)
  })
})

describe('connection hygiene', () => {
  it('keeps /healthz answering on the Unix socket with 1,000 idle clients connected', async () => {
    t = await startTestDaemon({
      http: {
        listen: [],
        tls: undefined,
        maxConnections: 64,
        rateLimitPerSecond: undefined,
        publicStatus: false,
        publicCodes: [],
        publicMetrics: false,
      },
    })
    let closed = 0
    let allButCapClosed: () => void = () => undefined
    const evicted = new Promise<void>((resolve) => (allButCapClosed = resolve))
    const sockets = Array.from({ length: 1000 }, () => {
      const socket = connect(t?.config.socket ?? '')
      socket.on('error', () => undefined)
      socket.once('close', () => {
        closed += 1
        if (closed >= 1000 - 64) allButCapClosed()
      })
      return socket
    })
    try {
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<void>((resolve) => {
              socket.once('connect', resolve)
              socket.once('close', () => resolve())
            }),
        ),
      )
      const started = Date.now()
      expect((await rawRequest(t.config.socket, { path: '/healthz' })).status).toBe(200)
      expect(Date.now() - started).toBeLessThan(2_000)
      // The daemon holds at most its cap: the oldest idle clients were closed to make room.
      await evicted
      expect(closed).toBeGreaterThanOrEqual(1000 - 64)
    } finally {
      for (const socket of sockets) socket.destroy()
    }
  })
})
