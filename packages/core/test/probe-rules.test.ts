import { describe, expect, it } from 'vitest'
import { notes, setup } from './helpers.js'

describe('probe pushes', () => {
  it('creates the probe on its first push and records the sample', async () => {
    const { monitor } = setup()
    const { sample } = (
      await monitor.pushProbe({ code: 'myapp.health', health: 'healthy', comment: 'All good' })
    )._unsafeUnwrap()
    expect(sample).toMatchObject({ kind: 'sample', health: 'healthy', comment: 'All good', uid: '000000000001' })
    const view = (await monitor.showContract('myapp.health'))._unsafeUnwrap()
    expect(view.contract.kind).toBe('probe')
    expect(view.lastReport?.id).toBe(sample.id)
  })

  it('rejects bad input with the reference messages and stores nothing', async () => {
    const { monitor } = setup()
    const bad = [
      [{ code: 'A', health: 'healthy' }, 'invalid code "A" — must be 2–50 characters'],
      [{ code: 'ok.code', health: 'healthy', staleAfter: '5x' }, 'invalid rule stale-after — invalid duration "5x"'],
      [
        { code: 'ok.code', health: 'healthy', staleAfter: '-5m' },
        'invalid rule stale-after — invalid duration "-5m" — must not be negative',
      ],
      [{ code: 'ok.code', health: 'healthy', comment: 'x'.repeat(251) }, 'invalid comment — must be 1–250 characters'],
      [
        { code: 'ok.code', health: 'healthy', staleAfter: '1h', staleIncidentAfter: '30m' },
        'invalid rule stale-after — 1h must not be longer than stale-incident-after (30m)',
      ],
    ] as const
    for (const [input, message] of bad) {
      const error = (await monitor.pushProbe(input))._unsafeUnwrapErr()
      expect(error).toMatchObject({ code: 'validation', message })
    }
    expect((await monitor.status())._unsafeUnwrap().contracts).toEqual([])
  })

  it('refuses a code already used by a job', async () => {
    const { monitor } = setup()
    await monitor.startJob({ code: 'nightly.sync' })
    expect((await monitor.pushProbe({ code: 'nightly.sync', health: 'healthy' }))._unsafeUnwrapErr()).toMatchObject({
      code: 'conflict',
      message: 'code "nightly.sync" is already used by a job',
    })
    await monitor.pushProbe({ code: 'web', health: 'healthy' })
    expect((await monitor.startJob({ code: 'web' }))._unsafeUnwrapErr().message).toBe(
      'code "web" is already used by a probe',
    )
  })

  it('opens a critical incident, recovers it, relapses it and recovers it again', async () => {
    const { monitor, clock } = setup()
    const opened = (await monitor.pushProbe({ code: 'web', health: 'critical', comment: 'HTTP 503' }))._unsafeUnwrap()
    expect(opened.opened).toMatchObject([{ id: 1, state: 'open', triggerType: 'critical', title: 'web is critical' }])

    clock.advance('1m')
    expect((await monitor.pushProbe({ code: 'web', health: 'warning' }))._unsafeUnwrap().recovered).toEqual([])
    expect((await monitor.pushProbe({ code: 'web', health: 'critical' }))._unsafeUnwrap().opened).toEqual([])

    const recovered = (await monitor.pushProbe({ code: 'web', health: 'healthy' }))._unsafeUnwrap()
    expect(recovered.recovered).toMatchObject([{ id: 1, state: 'recovered', recoveredAt: clock.now() }])

    clock.advance('1m')
    const relapsed = (await monitor.pushProbe({ code: 'web', health: 'critical' }))._unsafeUnwrap()
    expect(relapsed.relapsed).toMatchObject([{ id: 1, state: 'relapsed', relapsedAt: clock.now() }])

    const again = (await monitor.pushProbe({ code: 'web', health: 'healthy' }))._unsafeUnwrap()
    expect(again.recovered).toMatchObject([{ id: 1, state: 'recovered', relapsedAt: null }])

    expect(await notes(monitor, 1)).toEqual([
      'opened: web turned critical (sample 000000000001): HTTP 503',
      'recovered: web back to healthy (sample 000000000004)',
      'relapsed: web turned critical again (sample 000000000005)',
      'recovered: web back to healthy (sample 000000000006)',
    ])
  })

  it('opens a new incident after the previous one was resolved', async () => {
    const { monitor } = setup()
    await monitor.pushProbe({ code: 'web', health: 'critical' })
    await monitor.resolve({ id: 1 })
    const { opened } = (await monitor.pushProbe({ code: 'web', health: 'critical' }))._unsafeUnwrap()
    expect(opened).toMatchObject([{ id: 2, state: 'open' }])
  })

  it('flags a probe stale exactly when stale-after passes, without an incident', async () => {
    const { monitor, clock } = setup()
    await monitor.pushProbe({ code: 'web', health: 'healthy', staleAfter: '5m' })
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-01T00:05:00Z'))
    clock.advance('4m59s')
    expect((await monitor.check())._unsafeUnwrap().markedStale).toEqual([])
    clock.advance('1s')
    const result = (await monitor.check())._unsafeUnwrap()
    expect(result).toMatchObject({ markedStale: ['web'], opened: [] })
    const summary = (await monitor.summary())._unsafeUnwrap()
    expect(summary.stale).toEqual({ count: 1, codes: ['web'] })
    expect(summary.healthy.count).toBe(0)
    expect(await monitor.nextDeadline()).toBeUndefined()
  })

  it('opens a stale incident when stale-incident-after passes and recovers it on the next push', async () => {
    const { monitor, clock } = setup()
    await monitor.pushProbe({ code: 'web', health: 'healthy', staleAfter: '5m', staleIncidentAfter: '15m' })
    clock.advance('15m')
    const { opened, markedStale } = (await monitor.check())._unsafeUnwrap()
    expect(markedStale).toEqual(['web'])
    expect(opened).toMatchObject([{ triggerType: 'stale', title: 'web is stale', state: 'open' }])

    clock.advance('1m')
    const pushed = (await monitor.pushProbe({ code: 'web', health: 'healthy' }))._unsafeUnwrap()
    expect(pushed.recovered).toMatchObject([{ triggerType: 'stale', state: 'recovered' }])
    expect(await notes(monitor, 1)).toEqual([
      'opened: web went stale, after 15m0s',
      'recovered: web reported again, 1m0s after going stale',
    ])
    const status = (await monitor.status())._unsafeUnwrap()
    expect(status.contracts[0]?.contract.isStale).toBe(false)
  })

  it('keeps rules in force when a push omits them, and removes one given as off', async () => {
    const { monitor, clock } = setup()
    await monitor.pushProbe({ code: 'web', health: 'healthy', staleIncidentAfter: '10m' })
    clock.advance('5m')
    await monitor.pushProbe({ code: 'web', health: 'healthy' })
    expect((await monitor.showContract('web'))._unsafeUnwrap().rules.staleIncidentAfter).toBe(600_000)
    expect(await monitor.nextDeadline()).toEqual(new Date('2025-01-01T00:15:00Z'))

    await monitor.pushProbe({ code: 'web', health: 'healthy', staleIncidentAfter: 'off' })
    expect((await monitor.showContract('web'))._unsafeUnwrap().rules.staleIncidentAfter).toBeNull()
    expect(await monitor.nextDeadline()).toBeUndefined()
  })

  it('refuses a health outside the vocabulary when compiling, and still when running (untyped callers)', async () => {
    const { monitor } = setup()
    // @ts-expect-error 'ok' is not a Health: 'healthy' | 'warning' | 'critical'
    const error = (await monitor.pushProbe({ code: 'web', health: 'ok' }))._unsafeUnwrapErr()
    expect(error.message).toBe('invalid health "ok" — must be one of: healthy, warning, critical')
    // @ts-expect-error the same for a step's health
    const step = await monitor.pushStep({ code: 'web', uid: '000000000001', label: 'x', health: 'fine' })
    expect(step._unsafeUnwrapErr().message).toBe('invalid health "fine" — must be one of: healthy, warning, critical')
  })

  it('checks stale-after against the stale-incident rule already in force', async () => {
    const { monitor } = setup()
    await monitor.pushProbe({ code: 'web', health: 'healthy', staleIncidentAfter: '10m' })
    const error = (await monitor.pushProbe({ code: 'web', health: 'healthy', staleAfter: '1h' }))._unsafeUnwrapErr()
    const message = 'invalid rule stale-after — 1h must not be longer than stale-incident-after (10m)'
    expect(error).toEqual({ code: 'validation', message, issues: [message] })
  })

  it('relapses a recovered stale incident when the probe goes stale again', async () => {
    const { monitor, clock } = setup()
    await monitor.pushProbe({ code: 'web', health: 'healthy', staleIncidentAfter: '10m' })
    clock.advance('10m')
    await monitor.check()
    await monitor.pushProbe({ code: 'web', health: 'healthy' })
    clock.advance('10m')
    const { relapsed } = (await monitor.check())._unsafeUnwrap()
    expect(relapsed).toMatchObject([{ id: 1, state: 'relapsed' }])
    expect((await notes(monitor, 1)).at(-1)).toBe('relapsed: web went stale again, after 10m0s')
  })

  it('follows the worked scenario of the reference (with sticky rules)', async () => {
    const { monitor, clock } = setup()
    await monitor.pushProbe({ code: 'web', health: 'healthy', staleAfter: '5m', staleIncidentAfter: '15m' })
    clock.advance('5m')
    expect((await monitor.check())._unsafeUnwrap().markedStale).toEqual(['web'])
    clock.advance('10m')
    expect((await monitor.check())._unsafeUnwrap().opened).toMatchObject([{ id: 1, title: 'web is stale' }])
    clock.advance('1m')
    const critical = (await monitor.pushProbe({ code: 'web', health: 'critical' }))._unsafeUnwrap()
    expect(critical.opened).toMatchObject([{ id: 2, title: 'web is critical' }])
    expect(critical.recovered).toMatchObject([{ id: 1, state: 'recovered' }])
    clock.advance('1m')
    expect((await monitor.pushProbe({ code: 'web', health: 'healthy' }))._unsafeUnwrap().recovered).toMatchObject([
      { id: 2 },
    ])
    clock.advance('1m')
    expect((await monitor.pushProbe({ code: 'web', health: 'critical' }))._unsafeUnwrap().relapsed).toMatchObject([
      { id: 2 },
    ])
  })
})

describe('rule durations', () => {
  const wholeMs = 'must be a whole number of milliseconds from 0 to 3153600000000 (100y)'
  it.each([
    ['1500us', 'invalid rule stale-after — invalid duration "1500us" — must be a whole number of milliseconds'],
    ['1us', 'invalid rule stale-after — invalid duration "1us" — must be a whole number of milliseconds'],
    ['1.5ms', 'invalid rule stale-after — invalid duration "1.5ms" — must be a whole number of milliseconds'],
    ['101y', 'invalid rule stale-after — invalid duration "101y" — must be at most 100y'],
    [1e300, `invalid rule stale-after — ${wholeMs}`],
    [0.5, `invalid rule stale-after — ${wholeMs}`],
    // biome-ignore lint/correctness/noPrecisionLoss: the wire value that cannot be an exact integer is the case under test
    [9007199254740993, `invalid rule stale-after — ${wholeMs}`],
    [9007199254740991, `invalid rule stale-after — ${wholeMs}`],
    [3153600000001, `invalid rule stale-after — ${wholeMs}`],
  ])('refuses %j as a validation error naming the rule', async (staleAfter, message) => {
    const { monitor } = setup()
    const error = (await monitor.pushProbe({ code: 'web', health: 'healthy', staleAfter }))._unsafeUnwrapErr()
    expect(error).toEqual({ code: 'validation', message, issues: [message] })
  })

  it('arms a rule of 100 years, the longest, as a real deadline', async () => {
    const { monitor, clock } = setup()
    await monitor.pushProbe({
      code: 'web',
      health: 'healthy',
      staleAfter: 3_153_600_000_000,
      staleIncidentAfter: '100y',
    })
    expect(await monitor.nextDeadline()).toEqual(new Date(clock.now().getTime() + 3_153_600_000_000))
  })
})

describe('input validation', () => {
  it('names the fields of an input as given, or as the caller names them (the daemon: snake_case)', async () => {
    const plain = setup().monitor
    const bad = { code: 'a.probe', overlapIncident: 'yes' } as unknown as Parameters<typeof plain.startJob>[0]
    expect(
      (await plain.pushProbe({ code: 'a.probe' } as Parameters<typeof plain.pushProbe>[0]))._unsafeUnwrapErr(),
    ).toMatchObject({ message: 'health: is required' })
    expect((await plain.startJob(bad))._unsafeUnwrapErr()).toMatchObject({
      message: 'overlapIncident: must be a boolean',
    })
    const wire = setup({ fieldName: (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) }).monitor
    expect((await wire.startJob(bad))._unsafeUnwrapErr()).toMatchObject({
      code: 'validation',
      message: 'overlap_incident: must be a boolean',
      issues: ['overlap_incident: must be a boolean'],
    })
  })
})
