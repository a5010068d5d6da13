/**
 * The dashboard mounted in the real daemon: on the Unix socket (the local admin) and on the TCP
 * listener (tokens, sessions, `[http] public_*`), fed by the daemon's pushes, runs and run logs.
 */
import { request } from 'node:http'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { chromium } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import type { HttpConfig } from '../src/config/config.js'
import { rawRequest, startTestDaemon, type RawAnswer, type TestDaemon } from './helpers.js'

let t: TestDaemon | undefined

afterEach(async () => {
  await t?.cleanup()
  t = undefined
})

const http = (overrides: Partial<HttpConfig> = {}): { http: HttpConfig } => ({
  http: {
    listen: [{ host: '127.0.0.1', port: 0 }],
    tls: undefined,
    maxConnections: 64,
    rateLimitPerSecond: undefined,
    publicStatus: false,
    publicCodes: [],
    publicMetrics: false,
    ...overrides,
  },
})

function baseUrl(d: TestDaemon): string {
  const port = d.daemon.listeners[0]?.port
  if (port === undefined) throw new Error('no TCP listener')
  return `http://127.0.0.1:${port}`
}

/** One GET over TCP, on a fresh connection, without following redirects. */
function get(d: TestDaemon, path: string, token?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers = token === undefined ? {} : { Authorization: `Bearer ${token}` }
    const req = request(`${baseUrl(d)}${path}`, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
          json: undefined,
        }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

async function token(
  d: TestDaemon,
  name: string,
  scope: 'push' | 'read' | 'admin',
  codes: string[] = [],
): Promise<string> {
  return (await d.daemon.tokens.create({ name, scope, codes }))._unsafeUnwrap().secret
}

/** The value of one sample of `/metrics`, parsed by a Prometheus text parser. */
function sample(text: string, name: string, labels: Record<string, string>): string | undefined {
  const family = parsePrometheusTextFormat(text).find((each) => each.name === name)
  const metric = family?.metrics.find((each) =>
    Object.entries(labels).every(([key, value]) => each.labels?.[key] === value),
  )
  return metric?.value
}

describe('the dashboard in the daemon', () => {
  it('serves the overview on the Unix socket to the local admin, and leaves the API its paths', async () => {
    t = await startTestDaemon()
    ;(await t.client.pushProbe({ code: 'web.api', health: 'critical', comment: 'down' }))._unsafeUnwrap()
    const page = await rawRequest(t.config.socket, { path: '/' })
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toContain('text/html')
    expect(page.text).toContain('web.api')
    expect(page.text).toContain('critical')
    expect((await rawRequest(t.config.socket, { path: '/healthz' })).json).toMatchObject({ ok: true })
    expect((await rawRequest(t.config.socket, { path: '/v1/nothing' })).json).toMatchObject({
      error: { code: 'not_found' },
    })
    expect((await rawRequest(t.config.socket, { path: '/no-such-page' })).status).toBe(404)
  })

  it('shows a run’s log from the daemon’s run-log file', async () => {
    t = await startTestDaemon()
    const { uid } = (await t.client.startJob({ code: 'db.backup' }))._unsafeUnwrap().run
    const writer = await t.client.streamOutput('db.backup', uid)
    writer.write('stdout', Buffer.from('copied 10 files\n'))
    writer.write('stderr', Buffer.from('warn: slow disk\n'))
    ;(await writer.end())._unsafeUnwrap()
    ;(await t.client.endJob({ code: 'db.backup', uid }))._unsafeUnwrap()
    const log = await rawRequest(t.config.socket, { path: `/jobs/db.backup/runs/${uid}/log?from=0` })
    expect(log).toMatchObject({ status: 200, text: 'copied 10 files\nwarn: slow disk\n' })
    expect(log.headers['x-timon-log-complete']).toBe('true')
    const rest = await rawRequest(t.config.socket, {
      path: `/jobs/db.backup/runs/${uid}/log?from=${String(log.headers['x-timon-log-next'])}`,
    })
    expect(rest.text).toBe('')
  })

  it('over TCP: sends a browser without a session to sign in, and asks a token for /metrics', async () => {
    t = await startTestDaemon(http())
    const overview = await get(t, '/')
    expect(overview.status).toBeGreaterThanOrEqual(300)
    expect(overview.status).toBeLessThan(400)
    expect(overview.headers.location).toMatch(/^\/login/)
    expect((await get(t, '/metrics')).status).toBe(401)
    expect((await get(t, '/metrics', await token(t, 'pusher', 'push'))).status).not.toBe(200)
    expect((await get(t, '/v1/status')).text).toContain('unauthorized')
    expect((await get(t, '/healthz')).status).toBe(200)
    expect((await get(t, '/', await token(t, 'reader', 'read'))).text).toContain('<html')
  })

  it('over TCP: holds a bearer token to the listener’s rate limit, as on the API', async () => {
    t = await startTestDaemon(http({ rateLimitPerSecond: 1 }))
    const secret = await token(t, 'scraper', 'read')
    expect((await get(t, '/metrics', secret)).status).toBe(200)
    const limited = await get(t, '/metrics', secret)
    expect(limited.status).toBe(429)
    expect(limited.headers['retry-after']).toBe('1')
  })

  it('counts pushes, runs by result and their durations on /metrics (public with public_metrics)', async () => {
    t = await startTestDaemon(http({ publicMetrics: true }))
    ;(await t.client.pushProbe({ code: 'web.api', health: 'healthy' }))._unsafeUnwrap()
    ;(await t.client.pushProbe({ code: 'web.api', health: 'warning' }))._unsafeUnwrap()
    const { uid } = (await t.client.startJob({ code: 'db.backup' }))._unsafeUnwrap().run
    ;(await t.client.endJob({ code: 'db.backup', uid }))._unsafeUnwrap()
    const metrics = await get(t, '/metrics')
    expect(metrics.status).toBe(200)
    expect(sample(metrics.text, 'timon_pushes_total', { kind: 'probe' })).toBe('2')
    expect(sample(metrics.text, 'timon_pushes_total', { kind: 'job' })).toBe('2')
    expect(sample(metrics.text, 'timon_runs_total', { result: 'healthy' })).toBe('1')
    // The parser drops a histogram's labels and count: read from the text.
    expect(metrics.text).toContain('timon_run_duration_seconds_count{code="db.backup"} 1')
    expect(sample(metrics.text, 'timon_health', { code: 'web.api', kind: 'probe' })).toBe('1')
  })

  it('in Chromium over the TCP listener: signs in with a token, shows a probe, and a push live', async () => {
    t = await startTestDaemon(http())
    ;(await t.client.pushProbe({ code: 'web.api', health: 'healthy' }))._unsafeUnwrap()
    const secret = await token(t, 'browser', 'read')
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    try {
      const page = await browser.newPage()
      await page.goto(`${baseUrl(t)}/`)
      expect(new URL(page.url()).pathname).toBe('/login')
      await page.getByLabel('Access token').fill(secret)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('link', { name: 'web.api' }).waitFor()
      await page.locator('body[data-live="on"]').waitFor()
      await page.evaluate('window.notReloaded = true')
      ;(await t.client.pushProbe({ code: 'db.main', health: 'critical' }))._unsafeUnwrap()
      await page.getByRole('link', { name: 'db.main' }).waitFor({ timeout: 5000 })
      expect(await page.locator('tr[data-code="db.main"] .health').innerText()).toBe('critical')
      expect(await page.evaluate('window.notReloaded')).toBe(true)
      // A push of a code on the page: its row alone is swapped in (the mark on another row stays).
      await page.evaluate('document.querySelector(\'tr[data-code="db.main"]\').setAttribute("data-mark", "kept")')
      ;(await t.client.pushProbe({ code: 'web.api', health: 'warning' }))._unsafeUnwrap()
      await expect.poll(() => page.locator('tr[data-code="web.api"] .health').innerText()).toBe('warning')
      expect(await page.locator('tr[data-code="db.main"]').getAttribute('data-mark')).toBe('kept')
    } finally {
      await browser.close()
    }
  })
})
