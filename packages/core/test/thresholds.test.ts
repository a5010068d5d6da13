import { describe, expect, it } from 'vitest'
import type { Monitor } from '../src/monitor.js'
import { setup } from './helpers.js'

async function critical(monitor: Monitor): Promise<string | undefined> {
  return (await monitor.status())._unsafeUnwrap().activeIncidents.find((i) => i.triggerType === 'critical')?.state
}

async function progressOf(monitor: Monitor, code: string): Promise<(string | null)[]> {
  const view = (await monitor.showContract(code))._unsafeUnwrap()
  return view.reports
    .map(({ report }) =>
      report.progress === null ? null : `${report.health} ${report.progress.count} of ${report.progress.of}`,
    )
    .reverse()
}

describe('thresholds', () => {
  it('opens at the N-th critical sample in a row and recovers after M healthy ones, marking the progress', async () => {
    const { monitor } = setup()
    const push = (health: 'healthy' | 'warning' | 'critical') =>
      monitor.pushProbe({ code: 'web', health, failureThreshold: 3, successThreshold: 2 })
    await push('critical')
    await push('critical')
    expect(await critical(monitor)).toBeUndefined()
    expect((await push('critical'))._unsafeUnwrap().opened).toMatchObject([{ triggerType: 'critical' }])
    await push('critical') // already failing: counts, marks nothing
    expect((await push('healthy'))._unsafeUnwrap().recovered).toEqual([])
    expect(await critical(monitor)).toBe('open')
    expect((await push('healthy'))._unsafeUnwrap().recovered).toHaveLength(1)
    expect(await progressOf(monitor, 'web')).toEqual([
      'critical 1 of 3',
      'critical 2 of 3',
      'critical 3 of 3',
      null,
      'healthy 1 of 2',
      'healthy 2 of 2',
    ])
  })

  it('restarts the count at a report that breaks the row (a warning breaks both)', async () => {
    const { monitor } = setup()
    const push = (health: 'healthy' | 'warning' | 'critical') =>
      monitor.pushProbe({ code: 'web', health, failureThreshold: 2 })
    await push('critical')
    await push('healthy')
    await push('critical')
    await push('warning')
    await push('critical')
    expect(await critical(monitor)).toBeUndefined()
    await push('critical')
    expect(await critical(monitor)).toBe('open')
    expect(await progressOf(monitor, 'web')).toEqual([
      'critical 1 of 2',
      null,
      'critical 1 of 2',
      null,
      'critical 1 of 2',
      'critical 2 of 2',
    ])
  })

  it('needs N critical reports in a row again to relapse a recovered incident', async () => {
    const { monitor } = setup()
    const push = (health: 'healthy' | 'critical') => monitor.pushProbe({ code: 'web', health, failureThreshold: 2 })
    await push('critical')
    await push('critical')
    await push('healthy')
    expect(await critical(monitor)).toBe('recovered')
    expect((await push('critical'))._unsafeUnwrap().relapsed).toEqual([])
    expect((await push('critical'))._unsafeUnwrap().relapsed).toHaveLength(1)
  })

  it('counts job runs as they end', async () => {
    const { monitor } = setup()
    const run = async (health: 'healthy' | 'critical') => {
      const { run } = (await monitor.startJob({ code: 'db.backup', failureThreshold: 2 }))._unsafeUnwrap()
      return (
        await monitor.pushStep({ code: 'db.backup', uid: run.uid, label: 'done', health, end: true })
      )._unsafeUnwrap()
    }
    expect((await run('critical')).run.progress).toEqual({ count: 1, of: 2 })
    expect((await run('critical')).opened).toHaveLength(1)
    expect((await run('healthy')).recovered).toHaveLength(1)
  })

  it('defaults to 1, and `off` goes back to it; refuses 0 and fractions', async () => {
    const { monitor } = setup()
    await monitor.pushProbe({ code: 'web', health: 'healthy', failureThreshold: 5 })
    await monitor.pushProbe({ code: 'web', health: 'critical', failureThreshold: 'off' })
    expect(await critical(monitor)).toBe('open')
    expect(await progressOf(monitor, 'web')).toEqual([null, null])
    for (const bad of [0, 1.5]) {
      expect(
        (await monitor.pushProbe({ code: 'web', health: 'healthy', successThreshold: bad }))._unsafeUnwrapErr().message,
      ).toBe('invalid rule success-threshold — must be a whole number from 1 to 1000 (use "off" to remove it)')
    }
  })
})
