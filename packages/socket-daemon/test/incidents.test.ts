/** `GET /v1/incidents` through the real daemon: the wire's query, the client's method, its paging. */
import { afterEach, describe, expect, it } from 'vitest'
import { rawRequest, startTestDaemon, type TestDaemon } from './helpers.js'

let t: TestDaemon | undefined

afterEach(async () => {
  await t?.cleanup()
  t = undefined
})

describe('GET /v1/incidents', () => {
  it('answers the filtered history newest first, in snake_case, paged by cursor', async () => {
    t = await startTestDaemon()
    for (const code of ['db.main', 'db.replica', 'web.api'])
      (await t.client.pushProbe({ code, health: 'critical' }))._unsafeUnwrap()
    ;(await t.client.resolve({ id: 1 }))._unsafeUnwrap()
    const raw = await rawRequest(t.config.socket, {
      path: '/v1/incidents?state=open,relapsed&code=db.*&trigger=critical&limit=1',
    })
    expect(raw.status).toBe(200)
    expect(raw.json).toMatchObject({
      incidents: [
        { id: 2, code: 'db.replica', state: 'open', trigger_type: 'critical', opened_at: expect.any(String) },
      ],
    })
    expect((raw.json as { next?: string }).next).toBeUndefined()

    const first = (await t.client.incidents({ limit: 2 }))._unsafeUnwrap()
    expect(first.incidents.map((i) => i.id)).toEqual([3, 2])
    expect(first.incidents[0]?.openedAt).toBeInstanceOf(Date)
    const rest = (
      await t.client.incidents({ limit: 2, ...(first.next === undefined ? {} : { cursor: first.next }) })
    )._unsafeUnwrap()
    expect(rest).toMatchObject({ incidents: [{ id: 1, state: 'resolved', code: 'db.main' }] })
    expect(rest.next).toBeUndefined()
  })

  it('refuses an unknown state, parameter or instant, naming the wire’s key', async () => {
    const d = await startTestDaemon()
    t = d
    const answer = async (query: string) => (await rawRequest(d.config.socket, { path: `/v1/incidents?${query}` })).json
    expect(await answer('state=closed')).toMatchObject({
      error: {
        code: 'validation',
        message: expect.stringContaining('state[0]: must be one of: open, recovered, relapsed, resolved'),
      },
    })
    expect(await answer('since=yesterday')).toMatchObject({
      error: { code: 'validation', message: expect.stringContaining('since') },
    })
    expect(await answer('status=open')).toMatchObject({ error: { code: 'validation' } })
  })
})
