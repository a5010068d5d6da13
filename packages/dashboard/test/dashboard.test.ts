import { afterEach, describe, expect, it } from 'vitest'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { csrfOf, serveDashboard, sessionFrom, type Served } from './serve.js'

let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

const start = async (options: Parameters<typeof serveDashboard>[0] = {}) => (served = await serveDashboard(options))

/** Signs in with a token over "TCP" and returns the session cookie. */
async function signIn(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ token, next: '/' }),
    redirect: 'manual',
  })
  expect(response.status).toBe(303)
  const cookie = sessionFrom(response)
  if (cookie === undefined) throw new Error('no session cookie')
  return cookie
}

describe('access over TCP', () => {
  it('sends a visitor without a token to the sign-in page, keeping where they wanted to go', async () => {
    const { url } = await start()
    const response = await fetch(`${url}/probes/db.backup?x=1`, { redirect: 'manual' })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/login?next=%2Fprobes%2Fdb.backup%3Fx%3D1')
  })

  it('exchanges a token for an HttpOnly, SameSite=Strict session cookie that does not contain the token', async () => {
    const { url } = await start()
    const response = await fetch(`${url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'read-token', next: '//evil.example/' }),
      redirect: 'manual',
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/')
    const [cookie] = response.headers.getSetCookie()
    expect(cookie).toMatch(/^timon_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/)
    expect(cookie).not.toContain('read-token')
    const page = await fetch(`${url}/`, { headers: { cookie: cookie?.split(';')[0] ?? '' } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<h1>Overview</h1>')
  })

  it('refuses an unknown token and a push-only token at sign-in', async () => {
    const { url } = await start()
    const unknown = await fetch(`${url}/login`, { method: 'POST', body: new URLSearchParams({ token: 'nope' }) })
    expect(unknown.status).toBe(401)
    expect(await unknown.text()).toContain('That token is not valid.')
    const push = await fetch(`${url}/login`, { method: 'POST', body: new URLSearchParams({ token: 'push-token' }) })
    expect(push.status).toBe(403)
    expect(sessionFrom(push)).toBeUndefined()
  })

  it('expires sessions after their lifetime', async () => {
    const { url, clock } = await start({ sessionTtlMs: 60_000 })
    const cookie = await signIn(url, 'read-token')
    expect((await fetch(`${url}/`, { headers: { cookie }, redirect: 'manual' })).status).toBe(200)
    clock.advance('1m')
    expect((await fetch(`${url}/`, { headers: { cookie }, redirect: 'manual' })).status).toBe(303)
  })

  it('limits a token with code globs to those codes', async () => {
    const { url, monitor } = await start()
    await monitor.pushProbe({ code: 'web.api', health: 'healthy' })
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    const cookie = await signIn(url, 'web-token')
    const page = await (await fetch(`${url}/`, { headers: { cookie } })).text()
    expect(page).toContain('web.api')
    expect(page).not.toContain('db.main')
    expect((await fetch(`${url}/probes/db.main`, { headers: { cookie } })).status).toBe(404)
  })

  it('leaves paths that are not the dashboard to the daemon', async () => {
    const { url } = await start()
    const response = await fetch(`${url}/v1/status`)
    expect(response.status).toBe(404)
    expect(await response.text()).toBe('not the dashboard\n')
  })
})

describe('incident actions', () => {
  async function criticalIncident(s: Served): Promise<number> {
    const pushed = await s.monitor.pushProbe({ code: 'db.backup', health: 'critical', comment: 'disk full' })
    const id = pushed._unsafeUnwrap().opened[0]?.id
    if (id === undefined) throw new Error('no incident opened')
    return id
  }

  it('resolves an incident from an admin session with its CSRF token', async () => {
    const s = await start()
    const id = await criticalIncident(s)
    const cookie = await signIn(s.url, 'admin-token')
    const page = await (await fetch(`${s.url}/incidents/${id}`, { headers: { cookie } })).text()
    const response = await fetch(`${s.url}/incidents/${id}/resolve`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ csrf: csrfOf(page), note: 'freed space' }),
      redirect: 'manual',
    })
    expect(response.status).toBe(303)
    const shown = (await s.monitor.showIncident(id))._unsafeUnwrap()
    expect(shown.incident.state).toBe('resolved')
    expect(shown.timeline.at(-1)?.note).toContain('freed space')
  })

  it('refuses an action without the session CSRF token, or from a read-only session', async () => {
    const s = await start()
    const id = await criticalIncident(s)
    const admin = await signIn(s.url, 'admin-token')
    const forged = await fetch(`${s.url}/incidents/${id}/annotate`, {
      method: 'POST',
      headers: { cookie: admin },
      body: new URLSearchParams({ csrf: 'guess', note: 'x' }),
    })
    expect(forged.status).toBe(403)
    const reader = await signIn(s.url, 'read-token')
    const page = await (await fetch(`${s.url}/incidents/${id}`, { headers: { cookie: reader } })).text()
    expect(page).not.toContain(`action="/incidents/${id}/annotate"`)
    const logout = /action="\/logout"><input type="hidden" name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? ''
    const refused = await fetch(`${s.url}/incidents/${id}/annotate`, {
      method: 'POST',
      headers: { cookie: reader },
      body: new URLSearchParams({ csrf: logout, note: 'x' }),
    })
    expect(refused.status).toBe(403)
    expect((await s.monitor.showIncident(id))._unsafeUnwrap().timeline.map((e) => e.type)).toEqual(['opened'])
  })

  it('gives a local socket caller forms without signing in', async () => {
    const s = await start({ via: 'socket' })
    const id = await criticalIncident(s)
    const response = await fetch(`${s.url}/incidents/${id}`)
    const cookie = sessionFrom(response)
    const page = await response.text()
    const annotated = await fetch(`${s.url}/incidents/${id}/annotate`, {
      method: 'POST',
      headers: { cookie: cookie ?? '' },
      body: new URLSearchParams({ csrf: csrfOf(page), note: 'on it' }),
      redirect: 'manual',
    })
    expect(annotated.status).toBe(303)
    expect((await s.monitor.showIncident(id))._unsafeUnwrap().timeline.at(-1)?.note).toBe('on it')
  })
})

describe('hosts', () => {
  it('shows the host of each last report, filters by it, and gives a probe pushed from two machines a Host column', async () => {
    const s = await start({ via: 'socket' })
    await s.monitor.pushProbe({ code: 'web.api', health: 'healthy', host: 'Web-01' })
    await s.monitor.pushProbe({ code: 'web.api', health: 'warning', host: 'web-02' })
    await s.monitor.pushProbe({ code: 'db.main', health: 'healthy', host: 'db-01' })
    await s.monitor.pushProbe({ code: 'mail.queue', health: 'healthy' })
    const overview = await (await fetch(`${s.url}/`)).text()
    expect(overview).toContain('<span class="muted">on web-02</span>')
    expect(overview).toContain('data-host="db-01"')
    const filtered = await (await fetch(`${s.url}/?q=DB-0`)).text()
    expect(filtered).toContain('data-code="db.main"')
    expect(filtered).not.toContain('data-code="web.api"')
    const probe = await (await fetch(`${s.url}/probes/web.api`)).text()
    expect(probe).toContain('<dt>Host</dt><dd>web-02</dd>')
    expect(probe).toContain('<th scope="col">Host</th>')
    expect(probe).toContain('<td>Web-01</td>')
    // One machine only: no column, as `timon show`.
    const db = await (await fetch(`${s.url}/probes/db.main`)).text()
    expect(db).not.toContain('<th scope="col">Host</th>')
  })
})

describe('held notifications', () => {
  it('flags a probe whose incident its failing dependency holds, on the overview and its page', async () => {
    const s = await start({ via: 'socket' })
    await s.monitor.pushProbe({ code: 'db.main', health: 'critical' })
    await s.monitor.pushProbe({ code: 'web.api', health: 'critical', dependsOn: 'db.main' })
    const overview = await (await fetch(`${s.url}/?state=held`)).text()
    expect(overview).toContain('data-code="web.api"')
    expect(overview).not.toContain('data-code="db.main"')
    expect(overview).toContain('<span class="flag flag-held">held</span>')
    const page = await (await fetch(`${s.url}/probes/web.api`)).text()
    expect(page).toContain('<span class="flag flag-held">held</span>')
  })
})

describe('escaping', () => {
  it('escapes incident titles, comments and codes on every page', async () => {
    const s = await start({ via: 'socket' })
    const opened = (
      await s.monitor.openIncident({
        title: '<script>alert(1)</script>',
        description: '"><img src=x onerror=alert(2)>',
      })
    )._unsafeUnwrap()
    await s.monitor.pushProbe({ code: 'web.api', health: 'warning', comment: '<b>bold</b> & "quoted"' })
    const overview = await (await fetch(`${s.url}/`)).text()
    expect(overview).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(overview).not.toContain('<script>alert')
    const incident = await (await fetch(`${s.url}/incidents/${opened.incident.id}`)).text()
    expect(incident).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;')
    const probe = await (await fetch(`${s.url}/probes/web.api`)).text()
    expect(probe).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;')
  })
})

describe('public status page and badges', () => {
  it('shows only public codes, without comments, descriptions or titles', async () => {
    const s = await start({ publicStatus: true, publicCodes: ['web.*'] })
    await s.monitor.pushProbe({ code: 'web.api', health: 'critical', comment: 'secret comment' })
    await s.monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    await s.monitor.openIncident({ title: 'private manual title', description: 'private description' })
    const page = await (await fetch(`${s.url}/status`)).text()
    expect(page).toContain('web.api')
    expect(page).toContain('critical')
    for (const secret of [
      'secret comment',
      'db.main',
      'private manual title',
      'private description',
      'web.api is critical',
    ])
      expect(page).not.toContain(secret)
  })

  it('does not serve /status unless public_status is on', async () => {
    const s = await start({ publicCodes: ['web.*'] })
    expect((await fetch(`${s.url}/status`)).status).toBe(404)
  })

  it('serves a public code’s badge as shields.io JSON and SVG, and others only with a token', async () => {
    const s = await start({ publicCodes: ['web.*'] })
    await s.monitor.pushProbe({ code: 'web.api', health: 'warning' })
    await s.monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    expect(await (await fetch(`${s.url}/badge/web.api.json`)).json()).toEqual({
      schemaVersion: 1,
      label: 'web.api',
      message: 'warning',
      color: 'yellow',
    })
    const svg = await fetch(`${s.url}/badge/web.api.svg`)
    expect(svg.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8')
    expect(await svg.text()).toContain('aria-label="web.api: warning"')
    expect((await fetch(`${s.url}/badge/db.main.json`)).status).toBe(401)
    const withToken = await fetch(`${s.url}/badge/db.main.json`, { headers: { authorization: 'Bearer read-token' } })
    expect((await withToken.json()) as unknown).toMatchObject({ message: 'healthy', color: 'brightgreen' })
    expect((await fetch(`${s.url}/badge/web.nope.json`)).status).toBe(404)
  })
})

describe('/metrics', () => {
  it('needs the read scope unless public_metrics is on', async () => {
    const s = await start()
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer push-token' } })).status).toBe(401)
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer read-token' } })).status).toBe(200)
  })

  it('exposes health, age, staleness, incidents, counters and process metrics in the Prometheus text format', async () => {
    const s = await start({ publicMetrics: true })
    await s.monitor.pushProbe({ code: 'web.api', health: 'critical', staleAfter: '1m' })
    await s.monitor.pushProbe({ code: 'db.main', health: 'warning' })
    s.clock.advance('90s')
    await s.monitor.check()
    s.dashboard.metrics.countPush('probe')
    s.dashboard.metrics.countPush('probe')
    s.dashboard.metrics.countRun('critical')
    s.dashboard.metrics.countDelivery('ops-hook', false)
    s.dashboard.metrics.observeRunDuration('nightly.backup', 42)
    const response = await fetch(`${s.url}/metrics`)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await response.text()
    const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]))
    const samples = (name: string) => families.get(name)?.metrics ?? []
    expect(samples('timon_health')).toEqual(
      expect.arrayContaining([
        { value: '2', labels: { code: 'web.api', kind: 'probe', host: '' } },
        { value: '1', labels: { code: 'db.main', kind: 'probe', host: '' } },
      ]),
    )
    expect(samples('timon_last_report_age_seconds')).toContainEqual({
      value: '90',
      labels: { code: 'web.api', kind: 'probe' },
    })
    expect(samples('timon_stale')).toEqual(
      expect.arrayContaining([
        { value: '1', labels: { code: 'web.api', kind: 'probe' } },
        { value: '0', labels: { code: 'db.main', kind: 'probe' } },
      ]),
    )
    expect(samples('timon_incidents')).toContainEqual({ value: '1', labels: { state: 'open', trigger: 'critical' } })
    expect(samples('timon_pushes_total')).toEqual([{ value: '2', labels: { kind: 'probe' } }])
    expect(samples('timon_runs_total')).toEqual([{ value: '1', labels: { result: 'critical' } }])
    expect(samples('timon_deliveries_total')).toEqual([
      { value: '1', labels: { target: 'ops-hook', result: 'failed' } },
    ])
    // The parser keeps a histogram's buckets but drops its labels, sum and count: those are read from the text.
    expect(samples('timon_run_duration_seconds')[0]?.buckets).toMatchObject({ '15': '0', '60': '1', '+Inf': '1' })
    expect(text).toContain('timon_run_duration_seconds_sum{code="nightly.backup"} 42')
    expect(families.get('process_cpu_user_seconds_total')?.type).toBe('COUNTER')
  })

  it('shows a token limited to some codes only their subject series', async () => {
    const s = await start()
    await s.monitor.pushProbe({ code: 'web.api', health: 'healthy' })
    await s.monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer web-token' } })).text()
    const names = parsePrometheusTextFormat(text).map((f) => f.name)
    expect(names).toContain('timon_health')
    expect(names).not.toContain('process_cpu_user_seconds_total')
    expect(text).not.toContain('db.main')
  })
})
