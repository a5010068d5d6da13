// HttpPoller against real local HTTP servers on 127.0.0.1, with short intervals. Timing
// assertions use bounded windows (at least / at most), never exact sleeps.
import { HttpPoller, type HttpPollerOptions } from '@timon/poll-http'
import { afterEach, describe, expect, it } from 'vitest'
import { answer, checks, closedPort, collector, serve, sleep, waitFor, type TestServer } from './servers.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function server(handler: Parameters<typeof serve>[0]): Promise<TestServer> {
  const started = await serve(handler)
  cleanups.push(() => started.close())
  return started
}

/** A comment without the note of runs skipped (on a loaded machine a run may outlast these short intervals). */
const reason = (comment: string | undefined) => comment?.replace(/; \d+ runs? skipped, the check was still busy$/, '')

/** A poller whose first runs are immediate (no jitter), stopped after the test. */
function poller(options: HttpPollerOptions): HttpPoller {
  const created = new HttpPoller({ random: () => 0, ...options })
  cleanups.push(() => created.stop())
  return created
}

describe('HttpPoller against real servers', () => {
  it('records a healthy sample per run, with the stale rule of the check', async () => {
    const site = await server(answer(200, 'ok'))
    const { record, samples } = collector()
    poller({ checks: checks({ code: 'web', url: `${site.origin}/health`, interval: '100ms' }) }).start(record)
    await waitFor(() => samples.length >= 3)
    expect(samples[0]).toMatchObject({ code: 'web', health: 'healthy', staleIncidentAfter: 300 })
    expect(samples.every((s) => /^HTTP 200 in \d+ms$/.test(reason(s.comment) ?? ''))).toBe(true)
  })

  it('reuses one keep-alive connection from run to run', async () => {
    const site = await server(answer(200, 'ok'))
    const { record, samples } = collector()
    poller({ checks: checks({ code: 'web', url: site.origin, interval: '80ms' }) }).start(record)
    await waitFor(() => samples.length >= 5)
    expect(site.connections()).toBe(1)
  })

  it('records a wrong status as a warning, then critical at the failure threshold', async () => {
    const site = await server(answer(503, 'Ingester not ready'))
    const { record, samples } = collector()
    poller({ checks: checks({ code: 'web', url: site.origin, interval: '100ms' }) }).start(record)
    await waitFor(() => samples.length >= 3)
    expect(samples.slice(0, 3).map((s) => `${s.health}: ${reason(s.comment)}`)).toEqual([
      'warning: HTTP 503: Ingester not ready (failure 1/2)',
      'critical: HTTP 503: Ingester not ready (2 failures in a row)',
      'critical: HTTP 503: Ingester not ready (3 failures in a row)',
    ])
  })

  it('goes critical and back in both directions with the thresholds', async () => {
    const statuses = [200, 503, 503, 503, 200, 200, 200]
    const site = await server((req, res, i) => answer(statuses[i] ?? 200, '')(req, res))
    const { record, samples } = collector()
    poller({
      checks: checks({ code: 'web', url: site.origin, interval: '80ms', failure_threshold: 2, success_threshold: 2 }),
    }).start(record)
    await waitFor(() => samples.length >= 7)
    expect(samples.slice(0, 7).map((s) => `${s.health} ${reason(s.comment)?.replace(/ in \d+ms/, '')}`)).toEqual([
      'healthy HTTP 200',
      'warning HTTP 503 (failure 1/2)',
      'critical HTTP 503 (2 failures in a row)',
      'critical HTTP 503 (3 failures in a row)',
      'warning HTTP 200 (recovering 1/2)',
      'healthy HTTP 200 (recovered)',
      'healthy HTTP 200',
    ])
  })

  it('reports a body that lacks the expected text', async () => {
    const site = await server(answer(200, 'starting'))
    const { record, samples } = collector()
    poller({
      checks: checks({
        code: 'web',
        url: site.origin,
        interval: '100ms',
        body_contains: 'ready',
        failure_threshold: 1,
      }),
    }).start(record)
    await waitFor(() => samples.length >= 1)
    expect(samples[0]?.health).toBe('critical')
    expect(reason(samples[0]?.comment)).toBe('body does not contain "ready" (1 failure)')
  })

  it('reads at most 64 KiB of a body', async () => {
    const site = await server(answer(200, `${'x'.repeat(200_000)}ready`))
    const { record, samples } = collector()
    poller({
      checks: checks({
        code: 'web',
        url: site.origin,
        interval: '100ms',
        body_contains: 'ready',
        failure_threshold: 1,
      }),
    }).start(record)
    await waitFor(() => samples.length >= 1)
    expect(reason(samples[0]?.comment)).toBe('body does not contain "ready" (only its first 64 KiB read) (1 failure)')
  })

  it('reports a JSON value that differs, or is missing', async () => {
    const site = await server((req, res) =>
      answer(200, req.url === '/a' ? { database: 'failing' } : { version: '11' })(req, res),
    )
    const { record, of } = collector()
    poller({
      checks: checks(
        { code: 'alpha', url: `${site.origin}/a`, interval: '100ms', json: { database: 'ok' }, failure_threshold: 1 },
        { code: 'beta', url: `${site.origin}/b`, interval: '100ms', json: { database: 'ok' }, failure_threshold: 1 },
      ),
    }).start(record)
    await waitFor(() => of('alpha').length >= 1 && of('beta').length >= 1)
    expect(reason(of('alpha')[0]?.comment)).toBe('json database is "failing", expected "ok" (1 failure)')
    expect(reason(of('beta')[0]?.comment)).toBe('json database missing (1 failure)')
  })

  it('times out a request that gets no answer', async () => {
    const site = await server(() => undefined) // never answers
    const { record, samples } = collector()
    const started = performance.now()
    poller({
      checks: checks({ code: 'slow', url: site.origin, interval: '400ms', timeout: '150ms', failure_threshold: 1 }),
    }).start(record)
    await waitFor(() => samples.length >= 1)
    expect(samples[0]?.health).toBe('critical')
    expect(reason(samples[0]?.comment)).toBe('timeout after 150ms (1 failure)')
    const took = (samples[0]?.at ?? 0) - started
    expect(took).toBeGreaterThanOrEqual(145)
    expect(took).toBeLessThan(400)
  })

  it('times out a body that stops halfway', async () => {
    const site = await server((_req, res) => {
      res.writeHead(200)
      res.write('partial') // and never ends
    })
    const { record, samples } = collector()
    poller({
      checks: checks({ code: 'slow', url: site.origin, interval: '400ms', timeout: '100ms', failure_threshold: 1 }),
    }).start(record)
    await waitFor(() => samples.length >= 1)
    expect(reason(samples[0]?.comment)).toBe('timeout after 100ms (1 failure)')
  })

  it('reports a refused connection', async () => {
    const port = await closedPort()
    const { record, samples } = collector()
    poller({ checks: checks({ code: 'gone', url: `http://127.0.0.1:${port}/`, interval: '100ms' }) }).start(record)
    await waitFor(() => samples.length >= 2)
    expect(samples.slice(0, 2).map((s) => reason(s.comment))).toEqual([
      'connection refused (failure 1/2)',
      'connection refused (2 failures in a row)',
    ])
  })

  it('polls each of several URLs as its own probe', async () => {
    const up = await server(answer(200, 'ok'))
    const down = await server(answer(500, 'boom'))
    const { record, of } = collector()
    const polling = poller({
      checks: checks({ code: 'web', url: [`${up.origin}/`, `${down.origin}/`], interval: '100ms' }),
    })
    const upCode = `web.127-0-0-1-${up.port}`
    const downCode = `web.127-0-0-1-${down.port}`
    expect(polling.sources()).toEqual([
      { code: upCode, source: `${up.origin}/` },
      { code: downCode, source: `${down.origin}/` },
    ])
    polling.start(record)
    await waitFor(() => of(upCode).length >= 2 && of(downCode).length >= 2)
    expect(
      of(upCode)
        .map((s) => s.health)
        .slice(0, 2),
    ).toEqual(['healthy', 'healthy'])
    expect(
      of(downCode)
        .map((s) => s.health)
        .slice(0, 2),
    ).toEqual(['warning', 'critical'])
  })

  it('checks a fake Loki and a fake Grafana with the presets', async () => {
    let lokiReady = true
    const loki = await server((req, res) => {
      if (req.url !== '/ready') return answer(404, '404 page not found')(req, res)
      return lokiReady
        ? answer(200, 'ready\n')(req, res)
        : answer(503, 'Ingester not ready: waiting for 15s after being ready\n')(req, res)
    })
    const grafana = await server((req, res) =>
      req.url === '/api/health'
        ? answer(200, { commit: 'abc', database: 'ok', version: '11.0.0' })(req, res)
        : answer(404, 'not found')(req, res),
    )
    const { record, of } = collector()
    const polling = poller({
      checks: checks(
        { code: 'loki', url: loki.origin, preset: 'loki', interval: '100ms', failure_threshold: 1 },
        { code: 'grafana', url: grafana.origin, preset: 'grafana', interval: '100ms' },
      ),
    })
    expect(polling.sources().map((s) => s.source)).toEqual([`${loki.origin}/ready`, `${grafana.origin}/api/health`])
    polling.start(record)
    await waitFor(() => of('loki').length >= 1 && of('grafana').length >= 1)
    expect(of('loki')[0]?.health).toBe('healthy')
    expect(of('grafana')[0]?.health).toBe('healthy')

    lokiReady = false
    await waitFor(() => of('loki').some((s) => s.health === 'critical'))
    expect(reason(of('loki').find((s) => s.health === 'critical')?.comment)).toBe(
      'HTTP 503: Ingester not ready: waiting for 15s after being ready (1 failure)',
    )
  })

  it('keeps the schedule of a check while another endpoint hangs', async () => {
    const hanging = await server(() => undefined)
    const healthy = await server(answer(200, 'ok'))
    const { record, of } = collector()
    const late: number[] = []
    poller({
      checks: checks(
        { code: 'hangs', url: hanging.origin, interval: '1s', timeout: '1s' },
        { code: 'fine', url: healthy.origin, interval: '50ms' },
      ),
      onRunStart: (run) => {
        if (run.code === 'fine') late.push(run.lateMs)
      },
    }).start(record)
    await sleep(20)
    const from = of('fine').length
    await sleep(600)
    const runs = of('fine').length - from
    // 12 runs are due in 600 ms; allow for a loaded machine, but not for being held by the other check.
    expect(runs).toBeGreaterThanOrEqual(9)
    expect(runs).toBeLessThanOrEqual(13)
    expect(of('hangs')).toEqual([])
    expect(Math.max(...late)).toBeLessThan(200) // far below the 1 s the hanging check takes
  })

  it('skips a run while the previous one is still going, and says so in the next sample', async () => {
    const site = await server(answer(200, 'ok'))
    const samples: { comment?: string }[] = []
    poller({ checks: checks({ code: 'web', url: site.origin, interval: '40ms' }) }).start(async (sample) => {
      samples.push(sample)
      if (samples.length === 1) await sleep(130) // a slow store: three runs come due meanwhile
    })
    await waitFor(() => samples.length >= 2)
    expect(samples[1]?.comment).toMatch(/^HTTP 200 in \d+ms; \d+ runs? skipped, the check was still busy$/)
  })

  it('keeps polling when record fails, and logs it', async () => {
    const site = await server(answer(200, 'ok'))
    const errors: string[] = []
    let calls = 0
    poller({
      checks: checks({ code: 'web', url: site.origin, interval: '80ms' }),
      logger: { debug() {}, info() {}, warn() {}, error: (message) => errors.push(message) },
    }).start(async () => {
      calls += 1
      if (calls === 1) throw new Error('database is locked')
    })
    await waitFor(() => calls >= 3)
    expect(errors[0]).toBe('check web: cannot record the sample: database is locked')
  })

  it('masks credentials in its sources and sends them as Basic auth', async () => {
    let authorization: string | undefined
    const site = await server((req, res) => {
      authorization = req.headers.authorization
      answer(200)(req, res)
    })
    const { record, samples } = collector()
    const polling = poller({
      checks: checks({ code: 'web', url: `http://bob:secret@127.0.0.1:${site.port}/x`, interval: '100ms' }),
    })
    expect(polling.sources()).toEqual([{ code: 'web', source: `http://***@127.0.0.1:${site.port}/x` }])
    polling.start(record)
    await waitFor(() => samples.length >= 1)
    expect(authorization).toBe(`Basic ${Buffer.from('bob:secret').toString('base64')}`)
  })

  it('sends the method and headers of the check, and its own User-Agent by default', async () => {
    const seen: string[] = []
    const site = await server((req, res) => {
      seen.push(`${req.method} ${req.headers['user-agent']} ${req.headers['x-token']}`)
      answer(200)(req, res)
    })
    const { record, of } = collector()
    poller({
      checks: checks(
        { code: 'alpha', url: `${site.origin}/a`, interval: '100ms', method: 'HEAD', headers: { 'X-Token': 't' } },
        { code: 'beta', url: `${site.origin}/b`, interval: '100ms', method: 'POST', headers: { 'user-agent': 'mine' } },
      ),
    }).start(record)
    await waitFor(() => of('alpha').length >= 1 && of('beta').length >= 1)
    expect(seen).toContain('HEAD timon/0.1.0 t')
    expect(seen).toContain('POST mine undefined')
  })
})

describe('HttpPoller.update', () => {
  it('adds and removes checks without a restart, keeping the state of unchanged ones', async () => {
    const failing = await server(answer(503))
    const fine = await server(answer(200))
    const { record, of } = collector()
    const a = { code: 'alpha', url: failing.origin, interval: '100ms', failure_threshold: 5 }
    const b = { code: 'beta', url: fine.origin, interval: '80ms' }
    const polling = poller({ checks: checks(a) })
    polling.start(record)
    await waitFor(() => of('alpha').length >= 1)

    expect(polling.update(checks(a, b))).toEqual({ added: ['beta'], removed: [], changed: [], unchanged: 1 })
    expect(polling.sources().map((s) => s.code)).toEqual(['alpha', 'beta'])
    await waitFor(() => of('beta').length >= 2 && of('alpha').length >= 2)
    // a kept its failure count: its second sample goes on from the first.
    expect(reason(of('alpha')[1]?.comment)).toBe('HTTP 503 (failure 2/5)')

    expect(polling.update(checks(b))).toEqual({ added: [], removed: ['alpha'], changed: [], unchanged: 1 })
    const aSamples = of('alpha').length
    const bSamples = of('beta').length
    await sleep(150)
    expect(of('alpha').length).toBe(aSamples)
    expect(of('beta').length).toBeGreaterThan(bSamples)
    expect(polling.sources().map((s) => s.code)).toEqual(['beta'])
  })

  it('restarts a changed check with fresh counts', async () => {
    const failing = await server(answer(503))
    const { record, of } = collector()
    const polling = poller({
      checks: checks({ code: 'alpha', url: failing.origin, interval: '100ms', failure_threshold: 5 }),
    })
    polling.start(record)
    await waitFor(() => of('alpha').length >= 2)
    expect(
      polling.update(checks({ code: 'alpha', url: failing.origin, interval: '100ms', failure_threshold: 4 })),
    ).toEqual({
      added: [],
      removed: [],
      changed: ['alpha'],
      unchanged: 0,
    })
    const before = of('alpha').length
    await waitFor(() => of('alpha').length > before)
    expect(reason(of('alpha')[before]?.comment)).toBe('HTTP 503 (failure 1/4)')
  })

  it('aborts the request in flight of a removed check, recording nothing for it', async () => {
    const hanging = await server(() => undefined)
    const { record, samples } = collector()
    const polling = poller({ checks: checks({ code: 'alpha', url: hanging.origin, interval: '1s' }) })
    polling.start(record)
    await waitFor(() => hanging.requests() === 1)
    polling.update([])
    await waitFor(() => hanging.openConnections() === 0, 1_000, 'the connection to close')
    expect(samples).toEqual([])
  })

  it('rejects two checks with one code', () => {
    const polling = poller({ checks: [] })
    const [check] = checks({ code: 'alpha', url: 'http://127.0.0.1:9/' })
    expect(() => polling.update([check!, check!])).toThrow('HttpPoller: two checks feed the probe "alpha"')
  })
})

describe('HttpPoller.stop', () => {
  it('aborts requests in flight, waits for them, and leaves no timers or sockets behind', async () => {
    const before = resources()
    const hanging = await serve(() => undefined)
    const fine = await serve(answer(200, 'ok'))
    const { record, samples } = collector()
    const polling = new HttpPoller({
      random: () => 0,
      checks: checks(
        { code: 'hangs', url: hanging.origin, interval: '5s' },
        { code: 'fine', url: fine.origin, interval: '40ms' },
      ),
    })
    polling.start(record)
    await waitFor(() => hanging.requests() === 1 && samples.length >= 2)

    const stopping = performance.now()
    await polling.stop()
    expect(performance.now() - stopping).toBeLessThan(200) // the 5 s timeout was not waited for
    expect(polling.running).toBe(false)
    const recorded = samples.length
    expect(samples.some((s) => s.code === 'hangs')).toBe(false)

    await waitFor(
      () => hanging.openConnections() === 0 && fine.openConnections() === 0,
      1_000,
      'the connections to close',
    )
    await hanging.close()
    await fine.close()
    await sleep(100)
    expect(samples.length).toBe(recorded)
    const after = resources()
    expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0)
    expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0)
    expect(after.TCPServerWrap ?? 0).toBeLessThanOrEqual(before.TCPServerWrap ?? 0)
  })

  it('can start again after a stop, and refuses a second start', async () => {
    const site = await server(answer(200))
    const { record, samples } = collector()
    const polling = poller({ checks: checks({ code: 'web', url: site.origin, interval: '80ms' }) })
    polling.start(record)
    expect(() => polling.start(record)).toThrow('HttpPoller: already started')
    await waitFor(() => samples.length >= 1)
    await polling.stop()
    const stopped = samples.length
    polling.start(record)
    await waitFor(() => samples.length > stopped)
  })
})

describe('HttpPoller over TLS', () => {
  it('trusts the CA of its cert, and reports a TLS error without it', async () => {
    const { tlsServer } = await import('./tls-server.js')
    const site = await tlsServer()
    if (site === undefined) return // no openssl on this machine
    cleanups.push(() => site.close())
    const parsed = checks(
      { code: 'trusted', url: site.origin, interval: '1s', failure_threshold: 1 },
      { code: 'untrusted', url: `${site.origin}/x`, interval: '1s', failure_threshold: 1 },
    )
    const trusted = { ...parsed[0]!, cert: { path: 'ca.crt', pem: site.caPem } }
    const { record, of } = collector()
    poller({ checks: [trusted, parsed[1]!] }).start(record)
    await waitFor(() => of('trusted').length >= 1 && of('untrusted').length >= 1)
    expect(of('trusted')[0]).toMatchObject({ health: 'healthy' })
    expect(reason(of('untrusted')[0]?.comment)).toMatch(/^TLS error: .+ \(1 failure\)$/)
  })
})

// --- internal ---

/** Counts of the process's active handles by type (Timeout, TCPSocketWrap, …). */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1
  return counts
}
