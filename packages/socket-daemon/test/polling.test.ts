import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseChecks } from '@timon/poll-http'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfig } from '@timon/socket-daemon'
import { startTestDaemon, type TestDaemon } from './helpers.js'

/** A health endpoint whose answer the test switches. */
async function startHealthServer(): Promise<{
  url: string
  setStatus: (status: number) => void
  hits: () => number
  close: () => Promise<void>
}> {
  let status = 200
  let hits = 0
  const server: Server = createServer((_req, res) => {
    hits += 1
    res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ready' : 'not ready')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/ready`,
    setStatus: (next) => void (status = next),
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** Polls `read` until `done` holds, at most `tries` times 25 ms apart. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 200): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read()
    if (done(value) || i >= tries) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function checks(url: string, code: string, extra: Record<string, unknown> = {}) {
  return parseChecks([{ code, url, interval: '100ms', timeout: '50ms', failure_threshold: 2, ...extra }], {
    baseDir: '/',
    minIntervalMs: 0,
  })._unsafeUnwrap()
}

describe('HTTP checks polled by the daemon', () => {
  let daemon: TestDaemon | undefined
  const servers: { close: () => Promise<void> }[] = []
  afterEach(async () => {
    await daemon?.cleanup()
    daemon = undefined
    for (const server of servers.splice(0)) await server.close()
  })

  it('feeds a probe that status shows as polled, and opens a critical incident once the threshold is reached', async () => {
    const health = await startHealthServer()
    servers.push(health)
    daemon = await startTestDaemon({ checks: checks(health.url, 'app.ready') })
    const client = daemon.client

    const healthy = await eventually(
      () => client.status(),
      (r) => r.isOk() && r.value.contracts.length === 1,
    )
    const overview = healthy._unsafeUnwrap().contracts[0]
    expect(overview).toMatchObject({
      contract: { code: 'app.ready', kind: 'probe' },
      lastReport: { health: 'healthy' },
    })
    const raw = await client.request('GET', '/v1/status')
    expect(raw._unsafeUnwrap().json).toMatchObject({ contracts: [{ polled_from: health.url }] })

    health.setStatus(503)
    const status = await eventually(
      () => client.status(),
      (r) => r.isOk() && r.value.activeIncidents.length === 1,
    )
    expect(status._unsafeUnwrap().activeIncidents).toMatchObject([
      { title: 'app.ready is critical', triggerType: 'critical' },
    ])
    const history = (await client.show('app.ready', { all: true }))._unsafeUnwrap()
    if (history.kind !== 'contract') throw new Error('expected a probe')
    const healths = history.reports.map((r) => r.report.health).reverse()
    // A failure below the threshold is a warning sample; reaching it is critical.
    expect(healths.slice(healths.indexOf('warning'))).toEqual(expect.arrayContaining(['warning', 'critical']))
    expect(healths.indexOf('warning')).toBeLessThan(healths.indexOf('critical'))
  })

  it('adds and removes checks on reload without a restart', async () => {
    const a = await startHealthServer()
    const b = await startHealthServer()
    servers.push(a, b)
    daemon = await startTestDaemon({ checks: checks(a.url, 'svc.a') })
    await eventually(
      async () => a.hits(),
      (hits) => hits > 0,
    )

    const next = parseConfig(
      { daemon: { data_dir: daemon.config.dataDir, socket: daemon.config.socket } },
      { baseDir: '/' },
    )
    const update = await daemon.daemon.reload({ ...next._unsafeUnwrap(), checks: checks(b.url, 'svc.b') })
    expect(update).toMatchObject({ added: ['svc.b'], removed: ['svc.a'] })
    await eventually(
      async () => b.hits(),
      (hits) => hits > 0,
    )
    const hitsOfA = a.hits()
    const sampled = await eventually(
      () => daemon!.client.show('svc.b'),
      (r) => r.isOk(),
    )
    expect(sampled.isOk()).toBe(true)
    await eventually(
      async () => b.hits(),
      (hits) => hits > 3,
    )
    expect(a.hits()).toBe(hitsOfA)
  })

  it('rejects a bad [[check]] table at start-up, naming the key', () => {
    const result = parseConfig({ check: [{ code: 'x.y', url: 'ftp://nope', interval: 'soon' }] }, { baseDir: '/' })
    const issues = result._unsafeUnwrapErr()
    expect(issues.some((issue) => issue.startsWith('check[0].url'))).toBe(true)
    expect(issues.some((issue) => issue.startsWith('check[0].interval'))).toBe(true)
  })
})
