import { afterEach, describe, expect, it } from 'vitest'
import { startReceiver, startTestDaemon, webhooks, type TestDaemon, type WebhookReceiver } from './helpers.js'

let t: TestDaemon | undefined
let receiver: WebhookReceiver | undefined
afterEach(async () => {
  await t?.cleanup()
  await receiver?.close()
  t = undefined
  receiver = undefined
})

const event = (name: string) => (hook: { json: Record<string, unknown> }) => hook.json._event === name

describe('the scheduler', () => {
  it('sends timon.started, naming the daemon, once the daemon listens', async () => {
    receiver = await startReceiver()
    t = await startTestDaemon({ webhooks: webhooks([{ on: ['timon.*'], url: `${receiver.url}/started` }]) })
    const hook = await receiver.waitFor(event('timon.started'))
    expect(hook.json).toEqual({
      _event: 'timon.started',
      _hostname: 'test-host',
      _timestamp: expect.any(String),
      daemon: 'test-daemon',
    })
    expect(hook.headers['x-timon-event']).toBe('timon.started')
    expect(hook.headers['x-timon-delivery']).toEqual(expect.any(String))
  })

  it('opens a stale incident on time and delivers incident.open', async () => {
    receiver = await startReceiver()
    t = await startTestDaemon({ webhooks: webhooks([{ on: ['incident.open'], url: `${receiver.url}/open` }]) })
    const before = Date.now()
    const pushed = (
      await t.client.pushProbe({ code: 'cron.heartbeat', health: 'healthy', staleIncidentAfter: '300ms' })
    )._unsafeUnwrap()
    const hook = await receiver.waitFor(event('incident.open'), 3000)

    expect(hook.json.incident).toMatchObject({
      state: 'open',
      trigger_type: 'stale',
      code: expect.stringMatching(/^INC-\d+$/),
    })
    expect(hook.at - before).toBeLessThan(1000)

    const status = (await t.client.status())._unsafeUnwrap()
    expect(status.activeIncidents).toMatchObject([{ triggerType: 'stale' }])
    expect(status.contracts[0]?.contract.isStale).toBe(true)
    const openedAt = status.activeIncidents[0]?.openedAt.getTime() ?? 0
    const due = pushed.sample.pushedAt.getTime() + 300
    // Woken by its deadline, not by a polling tick: within a few tens of milliseconds.
    expect(openedAt).toBeGreaterThanOrEqual(due)
    expect(openedAt - due).toBeLessThan(150)
  })

  it('opens an overtime incident when a run lasts too long, and it recovers when the run ends', async () => {
    receiver = await startReceiver()
    t = await startTestDaemon({ webhooks: webhooks([{ on: ['incident.*'], url: `${receiver.url}/jobs` }]) })
    const { run } = (await t.client.startJob({ code: 'slow.job', overtimeIncidentAfter: '200ms' }))._unsafeUnwrap()
    const opened = await receiver.waitFor(event('incident.open'), 3000)
    expect(opened.json.incident).toMatchObject({ trigger_type: 'job_overtime' })
    const ended = (await t.client.endJob({ code: 'slow.job', uid: run.uid }))._unsafeUnwrap()
    expect(ended.recovered).toMatchObject([{ triggerType: 'job_overtime', state: 'recovered' }])
    await receiver.waitFor(event('incident.recovered'), 3000)
  })

  it('re-arms on every push: a later push moves the deadline', async () => {
    t = await startTestDaemon()
    await t.client.pushProbe({ code: 'moving.deadline', health: 'healthy', staleAfter: '250ms' })
    await new Promise((resolve) => setTimeout(resolve, 150))
    await t.client.pushProbe({ code: 'moving.deadline', health: 'healthy' })
    await new Promise((resolve) => setTimeout(resolve, 150))
    // 300 ms after the first push, but only 150 ms after the second: not stale yet.
    const show = (await t.client.show('moving.deadline'))._unsafeUnwrap()
    expect(show.kind === 'contract' && show.contract.isStale).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const later = (await t.client.show('moving.deadline'))._unsafeUnwrap()
    expect(later.kind === 'contract' && later.contract.isStale).toBe(true)
  })

  it('retries a failed delivery after the webhook retry delay (jittered)', async () => {
    receiver = await startReceiver()
    receiver.answer('/flaky', 503)
    t = await startTestDaemon({
      webhooks: webhooks([
        { on: ['incident.open'], url: `${receiver.url}/flaky`, retry: { attempts: 3, delay: '150ms' } },
      ]),
    })
    await t.client.openIncident({ title: 'retry me' })
    const firstFailure = await waitUntil(() => receiver?.attempts.find((a) => a.status === 503))
    receiver.answer('/flaky', 200)
    const delivered = await receiver.waitFor(event('incident.open'), 3000)
    // The first retry waits the delay, jittered down by up to half.
    expect(delivered.at - firstFailure.at).toBeGreaterThanOrEqual(70)
    expect(delivered.headers['x-timon-delivery']).toBe(firstFailure.headers['x-timon-delivery'])
    const deliveries = (await t.client.deliveries({ status: 'delivered' }))._unsafeUnwrap()
    expect(deliveries).toMatchObject([{ attempts: 2, status: 'delivered' }])
  })

  it('does not let a slow webhook delay another one, nor later events', async () => {
    receiver = await startReceiver()
    receiver.answer('/slow', 200, 800)
    t = await startTestDaemon({
      webhooks: webhooks([
        { on: ['incident.open'], url: `${receiver.url}/slow` },
        { on: ['incident.open'], url: `${receiver.url}/fast` },
      ]),
    })
    const first = (await t.client.openIncident({ title: 'first' }))._unsafeUnwrap().incident
    const start = Date.now()
    await receiver.waitFor((h) => h.path === '/fast' && (h.json.incident as { id: number }).id === first.id, 1000)
    const second = (await t.client.openIncident({ title: 'second' }))._unsafeUnwrap().incident
    await receiver.waitFor((h) => h.path === '/fast' && (h.json.incident as { id: number }).id === second.id, 1000)
    expect(Date.now() - start).toBeLessThan(700)
    await receiver.waitFor((h) => h.path === '/slow', 3000)
  })

  it('sends timon.ping every ping_interval', async () => {
    receiver = await startReceiver()
    t = await startTestDaemon({
      pingIntervalMs: 150,
      webhooks: webhooks([{ on: ['timon.ping'], url: `${receiver.url}/ping` }]),
    })
    await receiver.waitFor(event('timon.ping'), 2000)
    await waitUntil(() =>
      receiver !== undefined && receiver.received.filter(event('timon.ping')).length >= 2 ? true : undefined,
    )
  })
})

/** Resolves with the first truthy value of `probe`, checked every 20 ms, at most `tries` times. */
async function waitUntil<T>(probe: () => T | undefined, tries = 150): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('condition not met in time')
}
