import { describe, expect, it } from 'vitest'
import { setup } from './helpers.js'

describe('what `timon exec` records through the Monitor', () => {
  it('keeps the exit, the log path and the output tail, which describes the critical incident', async () => {
    const { monitor } = setup()
    const { run } = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap()
    await monitor.recordRunLog({ code: 'backup', uid: run.uid, path: '/var/lib/timon/logs/backup/x.log' })
    const ended = await monitor.pushStep({
      code: 'backup',
      uid: run.uid,
      label: 'exit 2 after 3s',
      health: 'critical',
      end: true,
      detail: 'pg_dump: error: connection refused\n',
      exit: { code: 2, signal: null },
    })
    expect(ended._unsafeUnwrap().opened).toMatchObject([{ description: 'pg_dump: error: connection refused\n' }])
    const view = (await monitor.showReport('backup', run.uid))._unsafeUnwrap()
    expect(view.report).toMatchObject({ exit: { code: 2, signal: null }, logPath: '/var/lib/timon/logs/backup/x.log' })
    expect(view.steps).toMatchObject([{ detail: 'pg_dump: error: connection refused\n' }])

    const again = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap().run
    await monitor.pushStep({ code: 'backup', uid: again.uid, label: 'exit 0', health: 'healthy', end: true })
    const third = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap().run
    const relapsed = await monitor.pushStep({
      code: 'backup',
      uid: third.uid,
      label: 'killed by SIGTERM',
      health: 'critical',
      end: true,
      detail: 'terminated',
      exit: { code: null, signal: 'SIGTERM' },
    })
    expect(relapsed._unsafeUnwrap().relapsed).toMatchObject([{ description: 'terminated' }])
  })

  it('rejects an exit without end, a bad signal and an oversized detail', async () => {
    const { monitor } = setup()
    const { run } = (await monitor.startJob({ code: 'backup' }))._unsafeUnwrap()
    const step = { code: 'backup', uid: run.uid, label: 'x', health: 'healthy' } as const
    expect((await monitor.pushStep({ ...step, exit: { code: 0, signal: null } }))._unsafeUnwrapErr().message).toBe(
      'exit can only be given with end',
    )
    // @ts-expect-error a signal is typed `SIG${string}`; an untyped caller still gets the message
    const badSignal = await monitor.pushStep({ ...step, end: true, exit: { code: null, signal: 'TERM' } })
    expect(badSignal._unsafeUnwrapErr().message).toBe('exit.signal: invalid signal — must look like SIGTERM')
    expect((await monitor.pushStep({ ...step, detail: 'x'.repeat(16 * 1024 + 1) }))._unsafeUnwrapErr().message).toBe(
      'invalid detail — must be at most 16384 bytes',
    )
  })

  it('records a skipped run in the history without touching the running one or the overlap rule', async () => {
    const { monitor } = setup()
    const { run } = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap()
    const skipped = (
      await monitor.skipRun({ code: 'sync', comment: `skipped: run ${run.uid} still running` })
    )._unsafeUnwrap()
    expect(skipped.run).toMatchObject({ skipped: true, health: 'healthy', endedAt: expect.any(Date) })
    expect(skipped.opened).toEqual([])
    const view = (await monitor.showContract('sync'))._unsafeUnwrap()
    expect(view.lastReport?.uid).toBe(run.uid)
    expect(view.reports.map((r) => r.report.uid)).toEqual([skipped.run.uid, run.uid])
    // The run holding the lock may not have reached the store yet: the job is created.
    expect((await monitor.skipRun({ code: 'fresh.job' }))._unsafeUnwrap().run).toMatchObject({ skipped: true })
    expect((await monitor.showContract('fresh.job'))._unsafeUnwrap()).toMatchObject({
      contract: { kind: 'job' },
      lastReport: undefined,
    })
    await monitor.pushProbe({ code: 'a.probe', health: 'healthy' })
    expect((await monitor.skipRun({ code: 'a.probe' }))._unsafeUnwrapErr().message).toBe(
      'code "a.probe" is already used by a probe',
    )
  })

  it('finds a run, and the latest run that started whatever the number of skipped runs after it', async () => {
    const { monitor } = setup()
    const { run } = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap()
    for (let i = 0; i < 60; i++) (await monitor.skipRun({ code: 'sync' }))._unsafeUnwrap()
    expect((await monitor.latestRun('sync'))._unsafeUnwrap()).toEqual(run)
    expect((await monitor.findRun('sync', run.uid))._unsafeUnwrap()).toEqual(run)
    expect((await monitor.findRun('sync', '0123456789ab'))._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      subject: 'report',
    })
    expect((await monitor.latestRun('nope'))._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      subject: 'contract',
    })
    expect((await monitor.skipRun({ code: 'only.skips' })).isOk()).toBe(true)
    expect((await monitor.latestRun('only.skips'))._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      subject: 'report',
    })
    const sample = (await monitor.pushProbe({ code: 'a.probe', health: 'healthy' }))._unsafeUnwrap().sample
    expect((await monitor.latestRun('a.probe'))._unsafeUnwrapErr()).toMatchObject({
      code: 'validation',
      message: '"a.probe" is a probe, not a job',
    })
    expect((await monitor.findRun('a.probe', sample.uid))._unsafeUnwrapErr()).toMatchObject({ code: 'validation' })
  })

  it('hands back the log paths of what delete and truncate removed', async () => {
    const { monitor, clock } = setup()
    const old = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap().run
    await monitor.recordRunLog({ code: 'sync', uid: old.uid, path: '/logs/old.log' })
    await monitor.endJob({ code: 'sync', uid: old.uid })
    clock.advance('2d')
    const recent = (await monitor.startJob({ code: 'sync' }))._unsafeUnwrap().run
    await monitor.recordRunLog({ code: 'sync', uid: recent.uid, path: '/logs/recent.log' })
    expect((await monitor.truncate({ keep: '1d' }))._unsafeUnwrap()).toEqual({
      samples: 0,
      runs: 1,
      incidents: 0,
      deliveries: 0,
      logPaths: ['/logs/old.log'],
    })
    expect((await monitor.delete('sync'))._unsafeUnwrap()).toMatchObject({
      kind: 'contract',
      logPaths: ['/logs/recent.log'],
    })
  })
})
