import { describe, expect, it } from 'vitest'
import { TRANSITIONS, transitionFor } from '../src/incident/transitions.js'
import { INCIDENT_STATES } from '../src/domain.js'
import { notes, setup } from './helpers.js'

describe('the incident state machine', () => {
  it('is one table in which resolving is allowed from every non-resolved state and resolved is terminal', () => {
    for (const state of INCIDENT_STATES) {
      expect(transitionFor(state, 'resolve')?.to).toBe(state === 'resolved' ? undefined : 'resolved')
    }
    expect(TRANSITIONS.resolved).toEqual({})
    expect(transitionFor('none', 'degrade')).toEqual({ to: 'open', entry: 'opened', event: 'incident.open' })
    expect(transitionFor('none', 'recover')).toBeUndefined()
    expect(transitionFor('open', 'degrade')).toBeUndefined()
    expect(transitionFor('recovered', 'degrade')?.to).toBe('relapsed')
    expect(transitionFor('recovered', 'recover')).toBeUndefined()
    expect(transitionFor('relapsed', 'recover')?.to).toBe('recovered')
    expect(transitionFor('relapsed', 'degrade')).toBeUndefined()
  })
})

describe('manual incidents', () => {
  it('opens with an opened entry, never moves by itself, and can be annotated and resolved', async () => {
    const { monitor, clock } = setup()
    const { incident } = (
      await monitor.openIncident({ title: ' Payment gateway down ', description: 'Stripe returning 503' })
    )._unsafeUnwrap()
    expect(incident).toMatchObject({
      id: 1,
      state: 'open',
      triggerType: 'manual',
      title: 'Payment gateway down',
      contractId: null,
    })
    clock.advance('5m')
    await monitor.annotate({ id: 1, note: 'Contacted Stripe support, ticket #8821' })
    clock.advance('5m')
    const resolved = (await monitor.resolve({ id: 1, note: 'Fixed by rolling back' }))._unsafeUnwrap()
    expect(resolved.incident).toMatchObject({ state: 'resolved', resolvedAt: clock.now() })
    expect(await notes(monitor, 1)).toEqual([
      'opened: opened manually',
      'annotation: Contacted Stripe support, ticket #8821',
      'resolved: Fixed by rolling back',
    ])
    expect((await monitor.resolve({ id: 1 }))._unsafeUnwrapErr()).toMatchObject({
      code: 'conflict',
      message: 'incident is already resolved',
    })
    expect((await monitor.annotate({ id: 1, note: 'post-mortem written' })).isOk()).toBe(true)
  })

  it('validates titles, descriptions and notes with the reference messages', async () => {
    const { monitor } = setup()
    expect((await monitor.openIncident({ title: 'x'.repeat(51) }))._unsafeUnwrapErr().message).toBe(
      'invalid title — must be 1–50 characters',
    )
    expect((await monitor.openIncident({ title: 'ok', description: 'é'.repeat(126) }))._unsafeUnwrapErr().message).toBe(
      'invalid description — must be 1–250 characters',
    )
    expect((await monitor.annotate({ id: 9, note: 'hello' }))._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      message: 'incident does not exist',
    })
    expect((await monitor.annotate({ id: 1, note: '  ' }))._unsafeUnwrapErr().message).toBe(
      'invalid note — must be 1–250 characters',
    )
    expect((await monitor.resolve({ id: 9 }))._unsafeUnwrapErr().message).toBe('incident does not exist')
  })
})

describe('resolving automatic incidents', () => {
  it('lets the next degrade open a new incident with a new id', async () => {
    const { monitor } = setup()
    await monitor.pushProbe({ code: 'web', health: 'critical' })
    await monitor.pushProbe({ code: 'web', health: 'healthy' })
    await monitor.resolve({ id: 1 })
    expect((await monitor.pushProbe({ code: 'web', health: 'healthy' }))._unsafeUnwrap().recovered).toEqual([])
    expect((await monitor.pushProbe({ code: 'web', health: 'critical' }))._unsafeUnwrap().opened).toMatchObject([
      { id: 2 },
    ])
  })

  it('keeps the stale flag after the stale incident is resolved, until the next push', async () => {
    const { monitor, clock } = setup()
    await monitor.pushProbe({ code: 'web', health: 'healthy', staleIncidentAfter: '1m' })
    clock.advance('1m')
    await monitor.check()
    await monitor.resolve({ id: 1 })
    expect((await monitor.summary())._unsafeUnwrap().stale.count).toBe(1)
    await monitor.pushProbe({ code: 'web', health: 'healthy' })
    expect((await monitor.summary())._unsafeUnwrap().stale.count).toBe(0)
  })
})

describe('the outbox', () => {
  const router = { targetsFor: (event: string) => (event.startsWith('incident.') ? ['hook-a', 'hook-b'] : ['hook-a']) }

  it('writes one delivery per subscribed target, with the incident as it is after the transition', async () => {
    const { monitor, store } = setup({ notifications: router })
    await monitor.pushProbe({ code: 'web', health: 'critical', comment: 'down' })
    await monitor.pushProbe({ code: 'web', health: 'healthy' })
    await monitor.pushProbe({ code: 'web', health: 'critical' })
    const deliveries = (await monitor.deliveries({ limit: 10 }))._unsafeUnwrap()
    expect(deliveries.map((d) => `${d.target} ${d.event.name}`).reverse()).toEqual([
      'hook-a incident.open',
      'hook-b incident.open',
      'hook-a incident.recovered',
      'hook-b incident.recovered',
      'hook-a incident.relapsed',
      'hook-b incident.relapsed',
    ])
    const relapsed = deliveries[0]
    expect(relapsed?.event.incident).toMatchObject({ state: 'relapsed', relapsedAt: expect.any(Date) })
    expect(relapsed).toMatchObject({ status: 'pending', orderingKey: 'incident:1', deliveryId: 'delivery-6' })
    expect(deliveries.at(-1)?.event.note).toBe('web turned critical (sample 000000000001): down')
    await store.close()
  })

  it('carries the resolve note on incident.resolved and the annotation text on incident.annotated', async () => {
    const { monitor } = setup({ notifications: router })
    await monitor.openIncident({ title: 'Gateway down' })
    await monitor.annotate({ id: 1, note: 'on it' })
    await monitor.resolve({ id: 1, note: 'rolled back' })
    const [resolved, annotated, opened] = (await monitor.deliveries({ limit: 10 }))
      ._unsafeUnwrap()
      .filter((d) => d.target === 'hook-b')
    expect(opened?.event).toMatchObject({ name: 'incident.open', incident: { state: 'open' } })
    expect(opened?.event.note).toBeUndefined()
    expect(annotated?.event).toMatchObject({ name: 'incident.annotated', note: 'on it' })
    expect(resolved?.event).toMatchObject({
      name: 'incident.resolved',
      note: 'rolled back',
      incident: { state: 'resolved' },
    })
  })

  it('writes nothing when a push is refused', async () => {
    const { monitor } = setup({ notifications: router })
    await monitor.pushProbe({ code: 'web', health: 'critical', staleIncidentAfter: '10m' })
    await monitor.pushProbe({ code: 'web', health: 'healthy', staleAfter: '1h' })
    expect((await monitor.deliveries())._unsafeUnwrap()).toHaveLength(2)
  })

  it('refuses a delivery listing limit that is not a positive integer', async () => {
    const { monitor } = setup({ notifications: router })
    expect((await monitor.deliveries({ limit: 0 }))._unsafeUnwrapErr()).toMatchObject({
      code: 'validation',
      message: 'limit must be a positive integer',
    })
  })

  it('queues a failed delivery again, refusing one that is unknown or has not failed', async () => {
    const { monitor, store, clock } = setup({ notifications: router })
    await monitor.emit('timon.started')
    const [delivery] = (await monitor.deliveries())._unsafeUnwrap()
    if (delivery === undefined) throw new Error('no delivery')
    expect((await monitor.retryDeliveries({ id: delivery.id }))._unsafeUnwrapErr()).toMatchObject({
      code: 'conflict',
      message: `delivery #${delivery.id} is pending, not failed`,
    })
    expect((await monitor.retryDeliveries({ id: delivery.id + 1 }))._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      message: 'delivery does not exist',
    })
    expect((await monitor.retryDeliveries({ id: 0 }))._unsafeUnwrapErr()).toMatchObject({ code: 'validation' })

    await store.transaction((tx) =>
      tx.updateDelivery(delivery.id, { status: 'failed', attempts: 6, lastError: 'HTTP 500', finishedAt: clock.now() }),
    )
    clock.advance('1h')
    expect((await monitor.retryDeliveries({ id: delivery.id }))._unsafeUnwrap()).toEqual({ requeued: 1 })
    const [requeued] = (await monitor.deliveries())._unsafeUnwrap()
    expect(requeued).toMatchObject({
      deliveryId: delivery.deliveryId,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: clock.now(),
      finishedAt: null,
    })
    expect((await monitor.retryDeliveries('failed'))._unsafeUnwrap()).toEqual({ requeued: 0 })
  })

  it('records timon.started and timon.ping for their subscribers only', async () => {
    const { monitor } = setup({ notifications: router })
    expect((await monitor.emit('timon.started'))._unsafeUnwrap().deliveries).toBe(1)
    const [delivery] = (await monitor.deliveries())._unsafeUnwrap()
    expect(delivery?.event).toEqual({ name: 'timon.started', at: new Date('2025-01-01T00:00:00Z') })
    expect(delivery?.orderingKey).toBeNull()
  })
})
