import { Monitor, type MonitorOptions } from '../src/monitor.js'
import { MemoryStore } from '../src/memory-store.js'
import { FakeClock } from '../src/testing/fake-clock.js'

/** A monitor on a fresh MemoryStore and a FakeClock at 2025-01-01T00:00:00Z, with predictable uids. */
export function setup(options: Partial<MonitorOptions> = {}) {
  const clock = new FakeClock('2025-01-01T00:00:00Z')
  const store = new MemoryStore()
  let n = 0
  let d = 0
  const monitor = new Monitor({
    store,
    clock,
    ids: { uid: () => (++n).toString(16).padStart(12, '0'), deliveryId: () => `delivery-${++d}` },
    ...options,
  })
  return { clock, store, monitor }
}

/** A monitor whose deliveries all go to one target, so the outbox shows what was notified. */
export function setupNotified(options: Partial<MonitorOptions> = {}) {
  return setup({ notifications: { targetsFor: () => ['hook'] }, ...options })
}

/** The outbox, oldest first: `<event> INC-<id>` and the note. */
export async function notified(monitor: Monitor): Promise<string[]> {
  const list = (await monitor.deliveries())._unsafeUnwrap()
  return [...list]
    .reverse()
    .map(
      (delivery) =>
        `${delivery.event.name} INC-${delivery.event.incident?.id ?? '?'}${delivery.event.note === undefined ? '' : `: ${delivery.event.note}`}`,
    )
}

/** The timeline notes of an incident, in order. */
export async function notes(monitor: Monitor, id: number): Promise<string[]> {
  const view = (await monitor.showIncident(id))._unsafeUnwrap()
  return view.timeline.map((e) => `${e.type}: ${e.note}`)
}
