import { describe, expect, it } from 'vitest'
import { planTruncate } from '../src/truncate-policy.js'
import { setup, setupNotified } from './helpers.js'

describe('delete', () => {
  it('refuses targets linked to active incidents unless forced, and deletes a probe with its whole history', async () => {
    const { monitor } = setup()
    const { sample } = (await monitor.pushProbe({ code: 'web', health: 'critical' }))._unsafeUnwrap()
    await monitor.pushProbe({ code: 'web', health: 'healthy' })
    expect((await monitor.delete('web'))._unsafeUnwrapErr()).toMatchObject({
      code: 'conflict',
      message: 'cannot delete "web" — linked to active incidents: INC-1 — resolve them first',
    })
    expect((await monitor.delete(`web:${sample.uid}`))._unsafeUnwrapErr().message).toBe(
      `cannot delete "web:${sample.uid}" — linked to active incidents: INC-1 — resolve them first`,
    )
    expect((await monitor.delete('INC-1'))._unsafeUnwrapErr().message).toBe(
      'cannot delete INC-1 — the incident is not resolved',
    )
    expect((await monitor.delete('web', { force: true }))._unsafeUnwrap()).toMatchObject({ kind: 'contract' })
    expect((await monitor.show('web'))._unsafeUnwrapErr().message).toBe('probe or job does not exist')
    expect((await monitor.show('INC-1'))._unsafeUnwrapErr().message).toBe('incident does not exist')
  })

  it('answers not found for every kind of missing target and a parse error for bad ones', async () => {
    const { monitor } = setup()
    expect((await monitor.delete('INC-4'))._unsafeUnwrapErr().message).toBe('incident does not exist')
    expect((await monitor.delete('nope'))._unsafeUnwrapErr().message).toBe('probe or job does not exist')
    expect((await monitor.delete('nope:0123456789ab'))._unsafeUnwrapErr().message).toBe('sample or run does not exist')
    expect((await monitor.delete('Bad Code'))._unsafeUnwrapErr().code).toBe('validation')
  })

  it('deletes a resolved incident, and a sample whose incident is resolved', async () => {
    const { monitor } = setup()
    const { sample } = (await monitor.pushProbe({ code: 'web', health: 'critical' }))._unsafeUnwrap()
    await monitor.resolve({ id: 1 })
    expect((await monitor.delete(`web:${sample.uid}`)).isOk()).toBe(true)
    expect((await monitor.delete('INC-1')).isOk()).toBe(true)
  })

  it('points the probe at its newest remaining sample when the latest one is deleted', async () => {
    const { monitor } = setup()
    const first = (await monitor.pushProbe({ code: 'web', health: 'warning' }))._unsafeUnwrap().sample
    const second = (await monitor.pushProbe({ code: 'web', health: 'healthy' }))._unsafeUnwrap().sample
    await monitor.delete(`web:${second.uid}`)
    const view = (await monitor.showContract('web'))._unsafeUnwrap()
    expect(view.lastReport?.id).toBe(first.id)
    expect(view.reportCount).toBe(1)
  })
})

describe('truncate', () => {
  it('requires a flag, refuses --keep with health flags and unknown codes', async () => {
    const { monitor } = setup()
    expect((await monitor.truncate({}))._unsafeUnwrapErr().message).toBe('at least one keep flag is required')
    expect((await monitor.truncate({ keep: '1d', keepHealthy: '1d' }))._unsafeUnwrapErr().message).toBe(
      'keep cannot be combined with keep-healthy, keep-warning, or keep-critical',
    )
    expect((await monitor.truncate({ keep: 'x' }))._unsafeUnwrapErr().message).toBe(
      'invalid keep — invalid duration "x"',
    )
    expect((await monitor.truncate({ code: 'nope', keep: '1d' }))._unsafeUnwrapErr().message).toBe(
      'probe or job does not exist',
    )
  })

  it('makes health flags inherit from the next higher severity, as the README says', () => {
    const now = new Date('2025-02-01T00:00:00Z')
    const day = 86_400_000
    const plan = planTruncate({ keepHealthy: 7 * day, keepCritical: 90 * day }, now, null)._unsafeUnwrap()
    expect(plan.reportCutoffs).toEqual({
      healthy: new Date(now.getTime() - 7 * day),
      warning: new Date(now.getTime() - 90 * day),
      critical: new Date(now.getTime() - 90 * day),
    })
    const onlyWarning = planTruncate({ keepWarning: day }, now, null)._unsafeUnwrap()
    expect(onlyWarning.reportCutoffs).toEqual({
      healthy: new Date(now.getTime() - day),
      warning: new Date(now.getTime() - day),
      critical: null,
    })
  })

  it('deletes old reports by health, spares the latest of each probe/job and anything linked to an active incident', async () => {
    const { monitor, clock } = setup()
    const old = async (health: 'healthy' | 'warning' | 'critical') =>
      (await monitor.pushProbe({ code: 'web', health }))._unsafeUnwrap().sample
    const healthy = await old('healthy')
    const warning = await old('warning')
    const critical = await old('critical') // opens INC-1, which links this sample
    const recovering = await old('healthy') // recovers INC-1, linked to it until it is resolved
    await monitor.resolve({ id: 1 })
    const criticalAfterResolve = await old('critical') // opens INC-2, linked, active
    clock.advance('40d')
    const latest = await old('warning')

    const counts = (await monitor.truncate({ keepHealthy: '30d', keepCritical: '90d' }))._unsafeUnwrap()
    expect(counts).toEqual({ samples: 2, runs: 0, incidents: 0, deliveries: 0, logPaths: [] })
    const uids = (await monitor.showContract('web', { all: true }))._unsafeUnwrap().reports.map((r) => r.report.uid)
    expect(uids).not.toContain(healthy.uid)
    expect(uids).not.toContain(recovering.uid)
    expect(uids).toEqual(expect.arrayContaining([warning.uid, critical.uid, criticalAfterResolve.uid, latest.uid]))

    const all = (await monitor.truncate({ keep: '30d' }))._unsafeUnwrap()
    expect(all.samples).toBe(2) // warning, and critical now that its incident is resolved
    const left = (await monitor.showContract('web', { all: true }))._unsafeUnwrap().reports.map((r) => r.report.uid)
    expect(left).toEqual([latest.uid, criticalAfterResolve.uid])
  })

  it('treats unfinished runs with no verdict as critical, judged by their start time', async () => {
    const { monitor, clock } = setup()
    const hung = (await monitor.startJob({ code: 'sync', overlapIncident: false }))._unsafeUnwrap().run
    clock.advance('10d')
    const recent = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap().run
    await monitor.endJob({ code: 'sync', uid: recent.uid })
    expect((await monitor.truncate({ keepHealthy: '1d' }))._unsafeUnwrap().runs).toBe(0)
    expect((await monitor.truncate({ keepCritical: '5d' }))._unsafeUnwrap().runs).toBe(1)
    expect((await monitor.showReport('sync', hung.uid))._unsafeUnwrapErr().message).toBe('sample or run does not exist')
  })

  it('deletes resolved incidents older than --keep-incidents, and with a code only that probe/job', async () => {
    const { monitor, clock } = setup()
    await monitor.pushProbe({ code: 'web', health: 'critical' })
    await monitor.pushProbe({ code: 'db', health: 'critical' })
    await monitor.openIncident({ title: 'manual' })
    for (const id of [1, 2, 3]) await monitor.resolve({ id })
    clock.advance('2d')
    expect((await monitor.truncate({ code: 'web', keepIncidents: '1d' }))._unsafeUnwrap().incidents).toBe(1)
    expect((await monitor.truncate({ keepIncidents: '3d' }))._unsafeUnwrap().incidents).toBe(0)
    expect((await monitor.truncate({ keepIncidents: '1d' }))._unsafeUnwrap().incidents).toBe(2)
  })

  it('deletes deliveries finished longer ago than --keep-deliveries, never a pending one, and not per code', async () => {
    const { monitor, clock, store } = setupNotified()
    await monitor.pushProbe({ code: 'web', health: 'critical' })
    await monitor.pushProbe({ code: 'web', health: 'healthy' })
    const [recovered, opened] = (await monitor.deliveries())._unsafeUnwrap()
    if (opened === undefined || recovered === undefined) throw new Error('expected two deliveries')
    await store.transaction((tx) => tx.updateDelivery(opened.id, { status: 'delivered', finishedAt: clock.now() }))
    clock.advance('2d')
    expect((await monitor.truncate({ code: 'web', keepDeliveries: '1d' }))._unsafeUnwrapErr().message).toBe(
      'keep-deliveries applies to every target and cannot be limited to a code',
    )
    expect((await monitor.truncate({ keepDeliveries: '3d' }))._unsafeUnwrap().deliveries).toBe(0)
    expect((await monitor.truncate({ keepDeliveries: '1d' }))._unsafeUnwrap().deliveries).toBe(1)
    expect((await monitor.deliveries())._unsafeUnwrap().map((d) => d.id)).toEqual([recovered.id])
  })
})

describe('status, summary and show', () => {
  it('lists probes first then jobs by code, with last report and active incidents, in pages', async () => {
    const { monitor } = setup()
    await monitor.startJob({ code: 'a.job' })
    await monitor.pushProbe({ code: 'z.probe', health: 'critical' })
    await monitor.pushProbe({ code: 'b.probe', health: 'healthy' })
    const first = (await monitor.status({ limit: 2 }))._unsafeUnwrap()
    expect(first.contracts.map((c) => c.contract.code)).toEqual(['b.probe', 'z.probe'])
    expect(first.contracts[1]?.activeIncidentIds).toEqual([1])
    expect(first.next).toEqual({ kind: 'probe', code: 'z.probe' })
    const second = (await monitor.status({ limit: 2, after: first.next }))._unsafeUnwrap()
    expect(second.contracts.map((c) => c.contract.code)).toEqual(['a.job'])
    expect(second.next).toBeUndefined()
    expect(second.activeIncidents).toMatchObject([{ id: 1 }])
  })

  it('counts each probe/job once in the summary', async () => {
    const { monitor } = setup()
    const { run } = (await monitor.startJob({ code: 'job.a' }))._unsafeUnwrap()
    await monitor.pushStep({ code: 'job.a', uid: run.uid, label: 'x', health: 'critical' })
    for (const code of ['p1', 'p2', 'p3', 'p4']) await monitor.pushProbe({ code, health: 'critical' })
    await monitor.pushProbe({ code: 'ok', health: 'healthy' })
    await monitor.pushProbe({ code: 'meh', health: 'warning' })
    expect((await monitor.summary())._unsafeUnwrap()).toEqual({
      activeIncidents: 4,
      critical: { count: 4, codes: ['p1', 'p2', 'p3'] },
      stale: { count: 0, codes: [] },
      warning: { count: 1, codes: ['meh'] },
      healthy: { count: 1, codes: ['ok'] },
      running: { count: 1, codes: ['job.a'] },
    })
  })

  it('shows the 20 most recent reports by default, more with a limit or all', async () => {
    const { monitor } = setup()
    for (let i = 0; i < 25; i++) await monitor.pushProbe({ code: 'web', health: 'healthy' })
    expect((await monitor.showContract('web'))._unsafeUnwrap().reports).toHaveLength(20)
    expect((await monitor.showContract('web', { limit: 3 }))._unsafeUnwrap().reports).toHaveLength(3)
    const all = (await monitor.showContract('web', { all: true }))._unsafeUnwrap()
    expect(all.reports).toHaveLength(25)
    expect(all.reportCount).toBe(25)
  })

  it('shows a run with its steps and the active incidents pointing at it', async () => {
    const { monitor } = setup()
    const { run } = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap()
    await monitor.pushStep({ code: 'backup', uid: run.uid, label: 'Dump', health: 'critical', end: true })
    const view = (await monitor.show(`backup:${run.uid}`))._unsafeUnwrap()
    expect(view).toMatchObject({
      kind: 'report',
      steps: [{ label: 'Dump', health: 'critical' }],
      activeIncidentIds: [1],
    })
    const incident = (await monitor.show('INC-1'))._unsafeUnwrap()
    expect(incident).toMatchObject({ kind: 'incident', contractCode: 'backup' })
  })
})
