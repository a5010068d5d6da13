import { describe, expect, it } from 'vitest'
import { notes, setup } from './helpers.js'

describe('job runs', () => {
  it('keeps a run unknown until its first warning or critical step, then takes the worst health at the end', async () => {
    const { monitor } = setup()
    const { run } = (await monitor.startJob({ code: 'backup', comment: 'Starting' }))._unsafeUnwrap()
    expect(run).toMatchObject({ kind: 'run', health: 'unknown', startComment: 'Starting', endedAt: null })
    const step = (h: 'healthy' | 'warning' | 'critical', label: string) =>
      monitor.pushStep({ code: 'backup', uid: run.uid, label, health: h })
    expect((await step('healthy', 'one'))._unsafeUnwrap().run.health).toBe('unknown')
    expect((await step('warning', 'two'))._unsafeUnwrap().run.health).toBe('warning')
    expect((await step('critical', 'three'))._unsafeUnwrap().run.health).toBe('critical')
    expect((await step('warning', 'four'))._unsafeUnwrap().run.health).toBe('critical')
    const ended = (await monitor.endJob({ code: 'backup', uid: run.uid }))._unsafeUnwrap()
    expect(ended.run).toMatchObject({ health: 'critical', endComment: null })
    expect(ended.opened).toMatchObject([{ triggerType: 'critical', title: 'backup is critical' }])
    expect(await notes(monitor, 1)).toEqual([`opened: backup turned critical (run ${run.uid}) at step: three`])
  })

  it('ends healthy without steps, and with --end the step label becomes the end comment', async () => {
    const { monitor } = setup()
    const a = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap().run
    expect((await monitor.endJob({ code: 'sync', uid: a.uid }))._unsafeUnwrap().run.health).toBe('healthy')
    const b = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap().run
    const ended = (
      await monitor.pushStep({ code: 'sync', uid: b.uid, label: 'Sent report', health: 'healthy', end: true })
    )._unsafeUnwrap()
    expect(ended.run).toMatchObject({ health: 'healthy', endComment: 'Sent report' })
    const c = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap().run
    const custom = await monitor.pushStep({
      code: 'sync',
      uid: c.uid,
      label: 'Last',
      health: 'healthy',
      end: true,
      endComment: 'All done',
    })
    expect(custom._unsafeUnwrap().run.endComment).toBe('All done')
  })

  it('does not open a critical incident for a critical step in the middle of a run', async () => {
    const { monitor } = setup()
    const { run } = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap()
    const step = (
      await monitor.pushStep({ code: 'backup', uid: run.uid, label: 'Dump failed', health: 'critical' })
    )._unsafeUnwrap()
    expect(step.opened).toEqual([])
    expect((await monitor.status())._unsafeUnwrap().activeIncidents).toEqual([])
  })

  it('uses the first critical step label in the note of step --end, unless an end comment is given', async () => {
    const { monitor } = setup()
    const a = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap().run
    await monitor.pushStep({ code: 'backup', uid: a.uid, label: 'Dump failed', health: 'critical' })
    await monitor.pushStep({ code: 'backup', uid: a.uid, label: 'Cleanup', health: 'healthy', end: true })
    const b = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap().run
    await monitor.endJob({ code: 'backup', uid: b.uid, comment: 'Backup OK' })
    const c = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap().run
    await monitor.pushStep({
      code: 'backup',
      uid: c.uid,
      label: 'Upload',
      health: 'critical',
      end: true,
      endComment: 'S3 down',
    })
    expect(await notes(monitor, 1)).toEqual([
      `opened: backup turned critical (run ${a.uid}) at step: Dump failed`,
      `recovered: backup back to healthy (run ${b.uid}): Backup OK`,
      `relapsed: backup turned critical again (run ${c.uid}): S3 down`,
    ])
  })

  it('rejects steps on unknown or ended runs and end-comment without end', async () => {
    const { monitor } = setup()
    const { run } = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap()
    expect(
      (
        await monitor.pushStep({ code: 'backup', uid: 'aaaaaaaaaaaa', label: 'x', health: 'healthy' })
      )._unsafeUnwrapErr(),
    ).toMatchObject({
      code: 'not_found',
      message: 'run does not exist',
    })
    expect(
      (
        await monitor.pushStep({ code: 'backup', uid: run.uid, label: 'x', health: 'healthy', endComment: 'y' })
      )._unsafeUnwrapErr().message,
    ).toBe('end-comment can only be given with end')
    await monitor.endJob({ code: 'backup', uid: run.uid })
    expect((await monitor.endJob({ code: 'backup', uid: run.uid }))._unsafeUnwrapErr()).toMatchObject({
      code: 'conflict',
      message: 'job has already ended',
    })
    expect(
      (await monitor.pushStep({ code: 'backup', uid: run.uid, label: 'x', health: 'healthy' }))._unsafeUnwrapErr()
        .message,
    ).toBe('job has already ended')
  })

  it('a probe sample is not a run', async () => {
    const { monitor } = setup()
    const { sample } = (await monitor.pushProbe({ code: 'web', health: 'healthy' }))._unsafeUnwrap()
    expect((await monitor.endJob({ code: 'web', uid: sample.uid }))._unsafeUnwrapErr().message).toBe(
      'run does not exist',
    )
  })
})

describe('overtime', () => {
  it('opens an overtime incident exactly when a run passes its limit, and recovers it when that run ends', async () => {
    const { monitor, clock } = setup()
    const { run } = (await monitor.startJob({ code: 'sync', overtimeIncidentAfter: '30m' }))._unsafeUnwrap()
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-01T00:30:00Z'))
    clock.advance('29m59s')
    expect((await monitor.check())._unsafeUnwrap().opened).toEqual([])
    clock.advance('1s')
    expect((await monitor.check())._unsafeUnwrap().opened).toMatchObject([
      { triggerType: 'job_overtime', title: 'sync is overtime' },
    ])
    expect((await monitor.check())._unsafeUnwrap().opened).toEqual([])
    clock.advance('5m')
    const ended = (await monitor.endJob({ code: 'sync', uid: run.uid }))._unsafeUnwrap()
    expect(ended.recovered).toMatchObject([{ triggerType: 'job_overtime', state: 'recovered' }])
    expect(await notes(monitor, 1)).toEqual([
      `opened: sync went overtime, after 30m0s (run ${run.uid})`,
      `recovered: sync finished in 35m0s, overtime was 30m0s (run ${run.uid})`,
    ])
  })

  it('is not recovered by another run finishing in time, and relapses when a later run goes overtime', async () => {
    const { monitor, clock } = setup()
    const slow = (
      await monitor.startJob({ code: 'sync', overtimeIncidentAfter: '10m', overlapIncident: false })
    )._unsafeUnwrap().run
    clock.advance('10m')
    await monitor.check()
    const quick = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap().run
    clock.advance('1m')
    expect((await monitor.endJob({ code: 'sync', uid: quick.uid }))._unsafeUnwrap().recovered).toEqual([])
    expect((await monitor.endJob({ code: 'sync', uid: slow.uid }))._unsafeUnwrap().recovered).toMatchObject([{ id: 1 }])
    const later = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap().run
    clock.advance('10m')
    expect((await monitor.check())._unsafeUnwrap().relapsed).toMatchObject([{ id: 1, state: 'relapsed' }])
    expect((await notes(monitor, 1)).at(-1)).toBe(`relapsed: sync went overtime again, after 10m0s (run ${later.uid})`)
  })

  it('fires an overdue deadline when the run ends before any check ran, then recovers', async () => {
    const { monitor, clock } = setup()
    const { run } = (await monitor.startJob({ code: 'sync', overtimeIncidentAfter: '10m' }))._unsafeUnwrap()
    clock.advance('12m')
    const ended = (await monitor.endJob({ code: 'sync', uid: run.uid }))._unsafeUnwrap()
    expect(ended.opened).toMatchObject([{ triggerType: 'job_overtime' }])
    expect(ended.recovered).toMatchObject([{ triggerType: 'job_overtime' }])
  })
})

describe('overlap', () => {
  it('opens an overlap incident when a run starts while another is going, and recovers once none overlaps', async () => {
    const { monitor } = setup()
    const a = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap().run
    const b = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap()
    expect(b.opened).toMatchObject([{ triggerType: 'job_overlap', title: 'sync is overlapping' }])
    // A is still going after B ends: starting C still overlaps A (the Go original compared with the latest run only).
    await monitor.endJob({ code: 'sync', uid: b.run.uid })
    expect((await monitor.status())._unsafeUnwrap().activeIncidents).toMatchObject([{ state: 'recovered' }])
    const c = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap()
    expect(c.relapsed).toMatchObject([{ triggerType: 'job_overlap', state: 'relapsed' }])
    await monitor.endJob({ code: 'sync', uid: a.uid })
    expect((await monitor.status())._unsafeUnwrap().activeIncidents).toMatchObject([{ state: 'recovered' }])
    expect(await notes(monitor, 1)).toEqual([
      `opened: sync started overlapping (run ${b.run.uid})`,
      `recovered: sync stopped overlapping (run ${b.run.uid})`,
      `relapsed: sync started overlapping again (run ${c.run.uid})`,
      `recovered: sync stopped overlapping (run ${a.uid})`,
    ])
  })

  it('with overlap disabled opens nothing, but an open overlap incident still recovers when no run overlaps', async () => {
    const { monitor } = setup()
    const a = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap().run
    const b = (await monitor.startJob({ code: 'sync', overlapIncident: false }))._unsafeUnwrap()
    expect(b.opened).toEqual([])
    await monitor.endJob({ code: 'sync', uid: a.uid })
    await monitor.endJob({ code: 'sync', uid: b.run.uid })
    const c = (await monitor.startJob({ code: 'sync', overlapIncident: true }))._unsafeUnwrap()
    const d = (await monitor.startJob({ code: 'sync', overlapIncident: false }))._unsafeUnwrap()
    expect(c.opened).toEqual([])
    expect(d.opened).toEqual([])
    expect((await monitor.showContract('sync'))._unsafeUnwrap().rules.overlapIncident).toBe(false)
  })
})

describe('job staleness', () => {
  it('counts from the start while a run is going, so a hung run makes the job stale', async () => {
    const { monitor, clock } = setup()
    await monitor.startJob({ code: 'nightly', staleIncidentAfter: '26h' })
    clock.advance('26h')
    expect((await monitor.check())._unsafeUnwrap().opened).toMatchObject([
      { triggerType: 'stale', title: 'nightly is stale' },
    ])
  })

  it('counts from the end of the latest run once it ended, and the end recovers a stale incident', async () => {
    const { monitor, clock } = setup()
    const { run } = (
      await monitor.startJob({ code: 'nightly', staleAfter: '1h', staleIncidentAfter: '2h' })
    )._unsafeUnwrap()
    clock.advance('2h')
    expect((await monitor.check())._unsafeUnwrap().opened).toHaveLength(1)
    clock.advance('30m')
    const ended = (await monitor.endJob({ code: 'nightly', uid: run.uid }))._unsafeUnwrap()
    expect(ended.recovered).toMatchObject([{ triggerType: 'stale' }])
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-01T03:30:00Z'))
    clock.advance('1h')
    expect((await monitor.check())._unsafeUnwrap().markedStale).toEqual(['nightly'])
  })

  it('steps do not re-arm the stale deadlines', async () => {
    const { monitor, clock } = setup()
    const { run } = (await monitor.startJob({ code: 'nightly', staleAfter: '1h' }))._unsafeUnwrap()
    clock.advance('59m')
    await monitor.pushStep({ code: 'nightly', uid: run.uid, label: 'still going', health: 'healthy' })
    clock.advance('1m')
    expect((await monitor.check())._unsafeUnwrap().markedStale).toEqual(['nightly'])
  })
})
