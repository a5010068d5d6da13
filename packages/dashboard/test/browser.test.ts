import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { LogChunk } from '../src/index.js'
import { serveDashboard, type Served } from './serve.js'

// A real headless Chromium: Debian's, never one downloaded by Playwright (.ci/run installs it).
const CHROMIUM = '/usr/bin/chromium'
/** Screenshots for a person to look at; git-ignored. */
const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url))

let browser: Browser
let served: Served | undefined
let page: Page

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
})
afterAll(async () => {
  await browser.close()
})
afterEach(async () => {
  await page.close()
  await served?.close()
  served = undefined
})

async function open(options: Parameters<typeof serveDashboard>[0], path: string): Promise<Served> {
  served = await serveDashboard(options)
  page = await browser.newPage()
  await page.goto(served.url + path)
  return served
}

describe('the dashboard in Chromium', () => {
  it('renders an overview of 1,000 probes and jobs, grouped and readable', async () => {
    served = await serveDashboard({ via: 'socket' })
    const { monitor, clock } = served
    for (let g = 0; g < 10; g++) {
      for (let n = 0; n < 100; n++) {
        const code = `group${g}.subject-${n}`
        if (n % 2 === 0) {
          for (const health of ['healthy', 'warning', n % 10 === 0 ? 'critical' : 'healthy'] as const)
            await monitor.pushProbe({ code, health, host: `Host-${n % 8}` })
        } else {
          const run = (await monitor.startJob({ code }))._unsafeUnwrap().run
          await monitor.endJob({ code, uid: run.uid })
        }
      }
      clock.advance('1m')
    }
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${served.url}/`)
    expect(await page.locator('tr[data-code]').count()).toBe(1000)
    expect(await page.locator('section.group').count()).toBe(10)
    await expect.poll(() => page.getByRole('heading', { name: 'Open incidents (100)' }).isVisible()).toBe(true)
    const row = page.locator('tr[data-code="group9.subject-10"]')
    // Groups off screen are not rendered (content-visibility): scroll there as a person would, again
    // while the groups above take their real height.
    const readHealth = async () => {
      await row.scrollIntoViewIfNeeded()
      return row.locator('.health').innerText()
    }
    await expect.poll(readHealth).toBe('critical')
    expect(await row.isVisible()).toBe(true)
    expect(await row.locator('.strip').getAttribute('aria-label')).toBe('Last 3: 1 healthy, 1 warning, 1 critical')
    mkdirSync(OUTPUT, { recursive: true })
    await page.screenshot({ path: join(OUTPUT, 'overview-1000.png') })

    // The filter works as you type, without a round trip.
    await page.getByLabel('Filter by code or host').fill('host-4')
    // The probes with n ≡ 4 (mod 8): 12 in each of the 10 groups.
    expect(await page.locator('tr[data-code]:visible').count()).toBe(120)
    await page.getByLabel('Filter by code or host').fill('group3.subject-1')
    expect(await page.locator('tr[data-code]:visible').count()).toBe(11)
    await page.getByLabel('State').selectOption('critical')
    expect(await page.locator('tr[data-code]:visible').count()).toBe(1)
    expect(await page.locator('section.group:visible').count()).toBe(1)
    expect(new URL(page.url()).search).toBe('?q=group3.subject-1&state=critical')
  })

  it('shows a push live, without a reload', async () => {
    const { monitor, dashboard } = await open({ via: 'socket' }, '/')
    await page.locator('body[data-live="on"]').waitFor()
    // Strings, not functions: this file is type-checked without the DOM's types. A reload would lose the marker.
    await page.evaluate('window.notReloaded = true')
    await monitor.pushProbe({ code: 'web.new', health: 'critical' })
    dashboard.notifyChange()
    await page.getByRole('link', { name: 'web.new' }).waitFor()
    expect(await page.locator('tr[data-code="web.new"] .health').innerText()).toBe('critical')
    expect(await page.evaluate('window.notReloaded')).toBe(true)
  })

  it('swaps in just the rows of the codes a push changed, and the open incidents', async () => {
    served = await serveDashboard({ via: 'socket' })
    const { monitor, dashboard } = served
    for (const code of ['web.a', 'web.b', 'web.d']) await monitor.pushProbe({ code, health: 'healthy' })
    page = await browser.newPage()
    await page.goto(`${served.url}/`)
    await page.locator('body[data-live="on"]').waitFor()
    // A full refresh would replace the whole region, and this mark with it.
    await page.evaluate('document.querySelector(\'tr[data-code="web.b"]\').setAttribute("data-mark", "kept")')
    await monitor.pushProbe({ code: 'web.a', health: 'critical' })
    await monitor.pushProbe({ code: 'web.c', health: 'warning' })
    dashboard.notifyChange(['web.a', 'web.c'])
    await expect.poll(() => page.locator('tr[data-code="web.a"] .health').innerText()).toBe('critical')
    expect(
      await page
        .locator('section.group[data-group="web"] tr[data-code]')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-code'))),
    ).toEqual(['web.a', 'web.b', 'web.c', 'web.d'])
    expect(await page.locator('section.group[data-group="web"] h3').innerText()).toBe('web (4)')
    expect(await page.getByRole('heading', { name: 'Open incidents (1)' }).isVisible()).toBe(true)
    expect(await page.locator('tr[data-code="web.b"]').getAttribute('data-mark')).toBe('kept')
    // A code of a group the page does not have yet: the page is laid out again.
    await monitor.pushProbe({ code: 'db.main', health: 'healthy' })
    dashboard.notifyChange(['db.main'])
    await page.locator('section.group[data-group="db"] tr[data-code="db.main"]').waitFor()
  })

  it('follows the log of a live run until it ends', async () => {
    let log = 'starting\n'
    let running = true
    const readLog = async (_run: unknown, from: number): Promise<LogChunk> => ({
      text: log.slice(from),
      next: log.length,
      complete: !running,
    })
    served = await serveDashboard({ via: 'socket', readLog })
    const run = (await served.monitor.startJob({ code: 'nightly.backup' }))._unsafeUnwrap().run
    await served.monitor.recordRunLog({ code: 'nightly.backup', uid: run.uid, path: '/var/log/timon/run.log' })
    page = await browser.newPage()
    await page.goto(`${served.url}/jobs/nightly.backup`)
    const viewer = page.locator('pre#log')
    expect(await viewer.innerText()).toBe('starting\n')
    log += 'copied 10 files\n'
    await expect.poll(() => viewer.innerText(), { timeout: 5000 }).toContain('copied 10 files')
    running = false
    log += 'done\n'
    await expect.poll(() => viewer.getAttribute('data-complete'), { timeout: 5000 }).toBe('true')
    expect(await viewer.innerText()).toBe('starting\ncopied 10 files\ndone\n')
  })

  it('signs in with a token and resolves an incident', async () => {
    served = await serveDashboard({ via: 'tcp' })
    const id = (await served.monitor.pushProbe({ code: 'db.backup', health: 'critical' }))._unsafeUnwrap().opened[0]?.id
    page = await browser.newPage()
    await page.goto(`${served.url}/incidents/${id}`)
    expect(new URL(page.url()).pathname).toBe('/login')
    await page.getByLabel('Access token').fill('admin-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: `INC-${id}: db.backup is critical` }).waitFor()
    expect(await page.context().cookies()).toMatchObject([
      { name: 'timon_session', httpOnly: true, sameSite: 'Strict' },
    ])
    await page.getByLabel('Resolve note').fill('restarted the backup')
    await page.getByRole('button', { name: `Resolve INC-${id}` }).click()
    await page.getByText('restarted the backup').waitFor()
    expect(await page.locator('dl.facts dd').first().innerText()).toBe('resolved')
  })

  it('keeps private text off the public status page', async () => {
    served = await serveDashboard({ via: 'tcp', publicStatus: true, publicCodes: ['web.*'] })
    await served.monitor.pushProbe({ code: 'web.api', health: 'critical', comment: 'password=hunter2' })
    await served.monitor.pushProbe({ code: 'db.main', health: 'healthy', comment: 'internal host db-7' })
    await served.monitor.openIncident({ title: 'customer data exposure', description: 'details' })
    page = await browser.newPage()
    await page.goto(`${served.url}/status`)
    const text = await page.locator('body').innerText()
    expect(text).toContain('web.api')
    for (const secret of ['hunter2', 'db.main', 'db-7', 'customer data exposure', 'details'])
      expect(text).not.toContain(secret)
    expect(await page.locator('a[href^="/probes"], a[href^="/incidents"]').count()).toBe(0)
  })

  it('reaches the filter and the subject links with the keyboard', async () => {
    const { monitor } = await open({ via: 'socket' }, '/')
    await monitor.pushProbe({ code: 'web.api', health: 'healthy' })
    await page.reload()
    const focused = async () =>
      String(await page.evaluate("document.activeElement.id || document.activeElement.textContent || ''"))
    const seen: string[] = []
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab')
      seen.push(await focused())
    }
    expect(seen[0]).toBe('Skip to content')
    expect(seen).toContain('q')
    expect(seen).toContain('state')
    expect(seen).toContain('web.api')
    expect(seen.indexOf('q')).toBeLessThan(seen.indexOf('web.api'))
  })
})
