// Issue 15: the dashboard's overview of 10,000 probes and jobs against `timon status --json` for the
// same data, and the time until a push shows in an open page.
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import { Monitor } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { createDashboard, type Dashboard } from '@timon/dashboard'
import { SqliteStore } from '@timon/store-sqlite'
import { median, result, timeMs, type BenchResult } from './lib.js'

const SUBJECTS = 10_000
/** Samples per probe and runs per job, so every history strip has something to draw. */
const REPORTS_EACH = 3
const ROUNDS = 5
const CHROMIUM = '/usr/bin/chromium'

/**
 * - `overview of 10,000 subjects`: GET / over HTTP on 127.0.0.1 (every status page, the recent
 *   reports of every subject in one batched query, the HTML), against GET of what `timon status
 *   --json` does for the same data on the same server (every status page, JSON.stringify). Median
 *   of {@link ROUNDS} alternated rounds each, SQLite in memory. Target ≤ 2×.
 * - `push to open page`: a probe pushed while Chromium shows that overview, until its row is in the
 *   page (the default 50 ms coalescing, SSE `rows` event, fetch of that row and the open incidents,
 *   insertion in its group), against the plain reload of the same page. Limit 1000 ms.
 */
export async function runDashboardBench(): Promise<BenchResult[]> {
  const clock = new FakeClock('2025-06-01T00:00:00Z')
  const store = new SqliteStore({ database: ':memory:' })
  const monitor = new Monitor({ store, clock })
  await seed(monitor, clock)
  const dashboard = createDashboard({ monitor, authorize: async () => undefined })
  const server = await serve(dashboard, monitor)
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  try {
    const get = async (path: string) => {
      const response = await fetch(url + path)
      if (!response.ok) throw new Error(`GET ${path}: ${response.status}`)
      return response.text()
    }
    await get('/')
    await get('/status.json')
    const page: number[] = []
    const json: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      page.push(await timeMs(() => get('/')))
      json.push(await timeMs(() => get('/status.json')))
    }
    const results = [
      result({
        name: `overview of ${SUBJECTS.toLocaleString('en')} subjects (${((await get('/')).length / 1e6).toFixed(1)} MB HTML)`,
        value: Number(median(page).toFixed(1)),
        unit: 'ms',
        baseline: Number(median(json).toFixed(1)),
        baselineName: 'status --json',
        ratio: median(page) / median(json),
        target: 2,
        better: 'lower',
      }),
    ]
    if (existsSync(CHROMIUM)) results.push(await pushToPage(url, monitor, dashboard))
    else console.log(`(push to open page skipped: no ${CHROMIUM})`)
    return results
  } finally {
    dashboard.close()
    server.closeAllConnections()
    server.close()
    await store.close()
  }
}

// --- internal ---

async function seed(monitor: Monitor, clock: FakeClock): Promise<void> {
  for (let n = 0; n < SUBJECTS; n++) {
    const code = `group${n % 50}.subject-${n}`
    for (let r = 0; r < REPORTS_EACH; r++) {
      if (n % 2 === 0) {
        await monitor.pushProbe({ code, health: r === 2 && n % 100 === 0 ? 'critical' : 'healthy' })
      } else {
        const run = (await monitor.startJob({ code }))._unsafeUnwrap().run
        await monitor.endJob({ code, uid: run.uid })
      }
    }
  }
  clock.advance('5m')
}

/** The dashboard on the "socket" (admin) and a route doing what `timon status --json` does. */
async function serve(dashboard: Dashboard, monitor: Monitor): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/status.json') {
      void statusJson(monitor).then((body) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body))
      return
    }
    void dashboard.handle(req, res, { via: 'socket' }).then((answered) => {
      if (!answered) res.writeHead(404).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

async function statusJson(monitor: Monitor): Promise<string> {
  const pages: string[] = []
  let after: { kind: 'probe' | 'job'; code: string } | undefined
  do {
    const page = (await monitor.status(after === undefined ? {} : { after }))._unsafeUnwrap()
    pages.push(JSON.stringify(page))
    after = page.next
  } while (after !== undefined)
  return pages.join('\n')
}

async function pushToPage(url: string, monitor: Monitor, dashboard: Dashboard): Promise<BenchResult> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  try {
    const page = await browser.newPage()
    await page.goto(`${url}/`)
    await page.locator('body[data-live="on"]').waitFor()
    const reload = await timeMs(() => page.reload({ waitUntil: 'load' }))
    await page.locator('body[data-live="on"]').waitFor()
    const shown = await timeMs(async () => {
      await monitor.pushProbe({ code: 'group0.pushed-now', health: 'critical' })
      dashboard.notifyChange(['group0.pushed-now'])
      await page.locator('tr[data-code="group0.pushed-now"]').waitFor({ state: 'attached', timeout: 30_000 })
    })
    return result({
      name: 'push to open page (10,000 subjects)',
      value: Number(shown.toFixed(0)),
      unit: 'ms',
      baseline: Number(reload.toFixed(0)),
      baselineName: 'page reload',
      ratio: shown / reload,
      limit: 1000,
    })
  } finally {
    await browser.close()
  }
}
