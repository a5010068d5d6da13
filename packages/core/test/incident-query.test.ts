import { describe, expect, it } from 'vitest'
import { setup } from './helpers.js'

describe('Monitor.queryIncidents', () => {
  /** db.main critical (at 0, then resolved), web.api critical (at 1m), db.replica critical (at 2m, recovered), a manual one (at 3m). */
  async function history() {
    const s = setup()
    const { monitor, clock } = s
    await monitor.pushProbe({ code: 'db.main', health: 'critical' })
    ;(await monitor.resolve({ id: 1 }))._unsafeUnwrap()
    clock.advance('1m')
    await monitor.pushProbe({ code: 'web.api', health: 'critical' })
    clock.advance('1m')
    await monitor.pushProbe({ code: 'db.replica', health: 'critical' })
    await monitor.pushProbe({ code: 'db.replica', health: 'healthy' })
    clock.advance('1m')
    await monitor.openIncident({ title: 'power cut' })
    return s
  }

  it('gives the history newest first with codes, filtered by state, trigger, code and time', async () => {
    const { monitor } = await history()
    const all = (await monitor.queryIncidents())._unsafeUnwrap()
    expect(all.incidents.map((i) => [i.id, i.code, i.state])).toEqual([
      [4, null, 'open'],
      [3, 'db.replica', 'recovered'],
      [2, 'web.api', 'open'],
      [1, 'db.main', 'resolved'],
    ])
    expect(all.next).toBeUndefined()
    const ids = async (query: Parameters<typeof monitor.queryIncidents>[0]) =>
      (await monitor.queryIncidents(query))._unsafeUnwrap().incidents.map((i) => i.id)
    expect(await ids({ state: ['open', 'relapsed'] })).toEqual([4, 2])
    expect(await ids({ code: ['db.*'] })).toEqual([3, 1])
    expect(await ids({ trigger: ['manual'] })).toEqual([4])
    expect(await ids({ since: new Date('2025-01-01T00:01:00Z'), until: new Date('2025-01-01T00:02:00Z') })).toEqual([
      3, 2,
    ])
  })

  it('pages with limit and cursor until the last page, which has no next', async () => {
    const { monitor } = await history()
    const first = (await monitor.queryIncidents({ limit: 3 }))._unsafeUnwrap()
    expect(first.incidents.map((i) => i.id)).toEqual([4, 3, 2])
    expect(first.next).toBeDefined()
    const second = (
      await monitor.queryIncidents({ limit: 3, ...(first.next === undefined ? {} : { cursor: first.next }) })
    )._unsafeUnwrap()
    expect(second).toEqual({ incidents: [expect.objectContaining({ id: 1 })] })
  })

  it('refuses an unknown state, a bad glob, a bad cursor, a bad limit and a window that ends before it starts', async () => {
    const { monitor } = setup()
    const message = async (query: object) => (await monitor.queryIncidents(query as never))._unsafeUnwrapErr().message
    expect(await message({ state: ['closed'] })).toContain('must be one of: open, recovered, relapsed, resolved')
    expect(await message({ code: ['db.**'] })).toContain('invalid code glob "db.**"')
    expect(await message({ cursor: 'abc' })).toContain('cursor must be the next of a previous page')
    expect(await message({ limit: 0 })).toContain('limit')
    expect(await message({ limit: 1001 })).toContain('must be at most 1000')
    expect(await message({ since: new Date(10), until: new Date(0) })).toContain('since must not be after until')
  })
})
