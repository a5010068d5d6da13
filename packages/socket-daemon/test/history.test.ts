/** `GET /v1/history` through the real daemon: the plain page, the columns, and the client's decoding. */
import { historyColumnsOf, type HistoryCursor } from '@timon/core'
import { toWireJson } from '@timon/client'
import { afterEach, describe, expect, it } from 'vitest'
import { rawRequest, startTestDaemon, type TestDaemon } from './helpers.js'

let t: TestDaemon | undefined

afterEach(async () => {
  await t?.cleanup()
  t = undefined
})

describe('GET /v1/history', () => {
  it('answers the same page plain and as columns, which the client decodes', async () => {
    t = await startTestDaemon()
    for (const [code, health] of [
      ['db.main', 'healthy'],
      ['web.api', 'critical'],
      ['db.main', 'warning'],
    ] as const)
      (await t.client.pushProbe({ code, health, staleAfter: '5m' }))._unsafeUnwrap()
    const window = `since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z`
    const plain = await rawRequest(t.config.socket, { path: `/v1/history?${window}&limit=2` })
    expect(plain.json).toMatchObject({
      reports: [
        { id: 1, code: 'db.main', kind: 'sample', health: 'healthy', pushed_at: expect.any(String) },
        { id: 2, code: 'web.api', kind: 'sample', health: 'critical' },
      ],
      next: { report_id: 2 },
    })
    const columns = await rawRequest(t.config.socket, { path: `/v1/history?${window}&limit=2&format=columns` })
    expect(columns.json).toMatchObject({
      format: 'columns',
      contracts: [
        { id: 1, code: 'db.main' },
        { id: 2, code: 'web.api' },
      ],
      rules: [{ stale_after: 300_000 }],
      samples: {
        id: [1, 2],
        contract: [0, 1],
        health: ['healthy', 'critical'],
        pushed_at: [expect.any(Number), expect.any(Number)],
      },
      runs: [],
      next: { report_id: 2 },
    })
    const page = (
      await t.client.history({ from: new Date('2000-01-01'), to: new Date('2100-01-01'), limit: 5000 })
    )._unsafeUnwrap()
    expect(page.reports.map((r) => [r.id, r.code, r.health])).toEqual([
      [1, 'db.main', 'healthy'],
      [2, 'web.api', 'critical'],
      [3, 'db.main', 'warning'],
    ])
    expect(page.reports[0]?.kind === 'sample' && page.reports[0].pushedAt).toBeInstanceOf(Date)
    expect(page.incidents.map((i) => i.code)).toEqual(['web.api'])
  })

  it('answers the columns of the Monitor page, to the byte, page after page', async () => {
    t = await startTestDaemon()
    const { client } = t
    for (const [code, health, staleAfter] of [
      ['db.main', 'healthy', '5m'],
      ['web.api', 'critical', '10m'],
      ['db.main', 'warning', '10m'],
      ['db.main', 'healthy', '5m'],
    ] as const)
      (await client.pushProbe({ code, health, staleAfter, comment: `${code} ${health}` }))._unsafeUnwrap()
    const { run } = (await client.startJob({ code: 'job.sync', comment: 'go' }))._unsafeUnwrap()
    ;(await client.pushStep({ code: 'job.sync', uid: run.uid, label: 'dump', health: 'healthy' }))._unsafeUnwrap()
    ;(await client.pushProbe({ code: 'web.api', health: 'healthy', staleAfter: '10m' }))._unsafeUnwrap()
    ;(await client.endJob({ code: 'job.sync', uid: run.uid, comment: 'done' }))._unsafeUnwrap()
    const since = '2000-01-01T00:00:00Z'
    const until = '2100-01-01T00:00:00Z'
    let after: string | undefined
    let pages = 0
    do {
      const path = `/v1/history?since=${since}&until=${until}&limit=2&format=columns${after === undefined ? '' : `&after=${after}`}`
      const answer = await rawRequest(t.config.socket, { path })
      const page = (
        await t.daemon.monitor.exportHistory({
          from: new Date(since),
          to: new Date(until),
          limit: 2,
          ...(after === undefined ? {} : { after: cursorOf(after) }),
        })
      )._unsafeUnwrap()
      expect(answer.text).toBe(`${toWireJson(historyColumnsOf(page))}\n`)
      after =
        page.next === undefined ? undefined : `${page.next.reportId},${page.next.incidentId},${page.next.deliveryId}`
      pages++
    } while (after !== undefined)
    expect(pages).toBeGreaterThanOrEqual(3)
  })

  it('refuses a window that ends before it starts, in either form', async () => {
    t = await startTestDaemon()
    for (const format of ['', '&format=columns']) {
      const answer = await rawRequest(t.config.socket, {
        path: `/v1/history?since=2100-01-01T00:00:00Z&until=2000-01-01T00:00:00Z${format}`,
      })
      expect([answer.status, answer.json]).toEqual([
        400,
        { error: { code: 'validation', message: 'since must not be after until' } },
      ])
    }
  })

  it('refuses a format it does not know', async () => {
    t = await startTestDaemon()
    const answer = await rawRequest(t.config.socket, {
      path: '/v1/history?since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&format=csv',
    })
    expect(answer.json).toMatchObject({ error: { code: 'validation', message: expect.stringContaining('format') } })
  })
})

function cursorOf(after: string): HistoryCursor {
  const [reportId = 0, incidentId = 0, deliveryId = 0] = after.split(',').map(Number)
  return { reportId, incidentId, deliveryId }
}
