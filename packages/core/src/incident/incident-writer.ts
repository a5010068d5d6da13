import {
  isFailing,
  type AutomaticTrigger,
  type Contract,
  type Incident,
  type IncidentEventType,
  type NotificationEvent,
  type TriggerType,
} from '../domain.js'
import type { NotificationRouter } from '../ports/notifier.js'
import type { StoreTx } from '../ports/store.js'
import { heldNote } from '../silence/silences.js'
import { incidentTitle } from './notes.js'
import { stampsFor, transitionFor, type IncidentAction } from './transitions.js'

/** Collects what one transaction did to incidents. */
export interface ChangeLog {
  readonly opened: Incident[]
  readonly recovered: Incident[]
  readonly relapsed: Incident[]
}

/** A fresh, empty {@link ChangeLog}. */
export function emptyChangeLog(): ChangeLog {
  return { opened: [], recovered: [], relapsed: [] }
}

/** Names what holds a contract's notifications now, or `undefined` (see `Silencer`). */
export type HeldBy = (contract: Contract) => Promise<string | undefined>

/** Makes delivery ids; injected so tests are deterministic. */
export type IdSource = () => string

/**
 * Applies the transition table inside one store transaction: every transition writes its timeline
 * entry and its outbox deliveries together with the state change.
 */
export class IncidentWriter {
  readonly #tx: StoreTx
  readonly #router: NotificationRouter | undefined
  readonly #deliveryId: IdSource
  readonly #now: Date
  readonly #heldBy: HeldBy | undefined
  readonly changes: ChangeLog = emptyChangeLog()
  /** Set once an incident stopped failing (recovered or resolved): held dependents may be released. */
  #stoppedFailing = false
  /** Active incidents per contract and trigger, loaded once per contract (one query, not one per rule). */
  readonly #active = new Map<number, Map<TriggerType, Incident>>()

  constructor(tx: StoreTx, now: Date, router: NotificationRouter | undefined, deliveryId: IdSource, heldBy?: HeldBy) {
    this.#tx = tx
    this.#now = now
    this.#heldBy = heldBy
    this.#router = router
    this.#deliveryId = deliveryId
  }

  /**
   * Degrades or recovers the contract's incident of `trigger`. `note` receives the timeline entry
   * type, since opened and relapsed notes differ, and the incident as it was before (if any). A
   * `description`, when given, describes the incident it opens or relapses; a `title` replaces the
   * trigger's usual title of an incident it opens. Returns the incident after the transition, or `undefined` when the table says nothing
   * happens.
   */
  apply(
    contract: Contract,
    trigger: AutomaticTrigger,
    action: Exclude<IncidentAction, 'resolve'>,
    note: (entry: IncidentEventType, before: Incident | undefined) => string,
    reportId: number | null,
    options: { readonly description?: string | undefined; readonly title?: string } = {},
  ): Promise<Incident | undefined> {
    // Most calls change nothing (a healthy push recovers no incident): answered without suspending
    // an async frame, which every push paid twice or more (`replay` makes millions).
    const known = this.#active.get(contract.id)
    if (known !== undefined && transitionFor(known.get(trigger)?.state ?? 'none', action) === undefined) return NOTHING
    return this.#apply(contract, trigger, action, note, reportId, options)
  }

  async #apply(
    contract: Contract,
    trigger: AutomaticTrigger,
    action: Exclude<IncidentAction, 'resolve'>,
    note: (entry: IncidentEventType, before: Incident | undefined) => string,
    reportId: number | null,
    { description, title }: { readonly description?: string | undefined; readonly title?: string },
  ): Promise<Incident | undefined> {
    const current = await this.active(contract, trigger)
    const transition = transitionFor(current?.state ?? 'none', action)
    if (transition === undefined) return undefined
    const incident =
      current === undefined
        ? await this.#tx.insertIncident({
            triggerType: trigger,
            title: title ?? incidentTitle(contract.code, trigger),
            description: description ?? null,
            contractId: contract.id,
            openedAt: this.#now,
          })
        : await this.#move(current, transition.to, description)
    this.#remember(contract, incident)
    const silenced = await this.#heldBy?.(contract)
    const text = note(transition.entry, current)
    await this.#tx.insertIncidentEvent({
      incidentId: incident.id,
      type: transition.entry,
      reportId,
      note: silenced === undefined ? text : heldNote(text, silenced),
      isSystem: true,
      at: this.#now,
    })
    if (silenced === undefined) await this.notify({ name: transition.event, at: this.#now, incident, note: text })
    else await this.#hold(incident.id, silenced)
    this.#log(transition.entry, incident)
    return incident
  }

  /** The contract's non-resolved incident of `trigger`, as this transaction left it. */
  async active(contract: Contract, trigger: TriggerType): Promise<Incident | undefined> {
    let byTrigger = this.#active.get(contract.id)
    if (byTrigger === undefined) {
      const active = await this.#tx.activeIncidentsOfContract(contract.id)
      // Most contracts have none: they share one empty map, never written (see `#remember`).
      byTrigger =
        active.length === 0 ? NO_INCIDENTS : new Map(active.map((incident) => [incident.triggerType, incident]))
      this.#active.set(contract.id, byTrigger)
    }
    return byTrigger.get(trigger)
  }

  /** Resolves an incident (from any non-resolved state); the note goes on the resolve entry. */
  async resolve(incident: Incident, note: string | undefined): Promise<Incident | undefined> {
    const transition = transitionFor(incident.state, 'resolve')
    if (transition === undefined) return undefined
    const resolved = await this.#move(incident, transition.to)
    this.#stoppedFailing = true
    if (incident.contractId !== null) this.#active.get(incident.contractId)?.delete(incident.triggerType)
    await this.#tx.insertIncidentEvent({
      incidentId: incident.id,
      type: transition.entry,
      reportId: null,
      note: note ?? 'resolved',
      isSystem: false,
      at: this.#now,
    })
    const contract = incident.contractId === null ? undefined : await this.#tx.getContract(incident.contractId)
    const silenced = contract === undefined ? undefined : await this.#heldBy?.(contract)
    // A resolved incident is not notified when its silence ends: holding it is enough.
    if (silenced !== undefined) await this.#hold(incident.id, silenced)
    else
      await this.notify(
        note === undefined
          ? { name: transition.event, at: this.#now, incident: resolved }
          : { name: transition.event, at: this.#now, incident: resolved, note },
      )
    return resolved
  }

  /** Whether an incident stopped failing in this transaction (then held dependents may be released). */
  get stoppedFailing(): boolean {
    return this.#stoppedFailing
  }

  /**
   * Writes one outbox delivery per target subscribed to the event, naming the host of the latest
   * report of the incident's probe or job. An incident notified as open or relapsed arms its
   * reminders; one notified as recovered or resolved forgets them.
   */
  async notify(event: NotificationEvent): Promise<number> {
    const targets = this.#router?.targetsFor(event.name) ?? []
    if (targets.length > 0) {
      const host = await this.#subjectHost(event)
      if (host !== undefined) event = { ...event, host }
    }
    for (const target of targets) await this.#deliver(target, event)
    const { incident } = event
    if (incident === undefined || event.name === 'incident.annotated') return targets.length
    if (isFailing(incident)) {
      for (const target of this.#router?.targetsFor('incident.reminder') ?? [])
        await this.#armReminder(incident.id, target)
    } else await this.#tx.clearReminders(incident.id)
    return targets.length
  }

  /**
   * Sends a due reminder of an incident to its target and arms the next one. An incident no longer
   * failing is not reminded; one held now is held instead (its release notifies it and re-arms).
   */
  async remind(incident: Incident, target: string, contract: Contract | undefined): Promise<boolean> {
    const held = contract === undefined ? undefined : await this.#heldBy?.(contract)
    if (held !== undefined) await this.#hold(incident.id, held)
    if (!isFailing(incident)) await this.#tx.clearReminders(incident.id)
    if (held !== undefined || !isFailing(incident)) return false
    await this.#deliver(target, {
      name: 'incident.reminder',
      at: this.#now,
      incident,
      note: `${contract?.code ?? 'the incident'} is still ${incident.state}`,
    })
    await this.#armReminder(incident.id, target)
    return true
  }

  // --- internal ---

  async #subjectHost({ incident, host }: NotificationEvent): Promise<string | undefined> {
    if (host !== undefined || incident?.contractId == null) return host
    return (await this.#tx.latestReport(incident.contractId))?.host ?? undefined
  }

  async #deliver(target: string, event: NotificationEvent): Promise<void> {
    const orderingKey = event.incident === undefined ? null : `incident:${event.incident.id}`
    await this.#tx.insertDelivery({
      deliveryId: this.#deliveryId(),
      target,
      event,
      orderingKey,
      nextAttemptAt: event.at,
      createdAt: event.at,
    })
  }

  async #armReminder(incidentId: number, target: string): Promise<void> {
    const every = this.#router?.remindEvery?.(target)
    if (every !== undefined)
      await this.#tx.armReminder({ incidentId, target, remindAt: new Date(this.#now.getTime() + every) })
  }

  /** A held incident gets no reminder while held. */
  async #hold(incidentId: number, heldBy: string): Promise<void> {
    await this.#tx.holdIncident(incidentId, heldBy)
    await this.#tx.clearReminders(incidentId)
  }

  async #move(incident: Incident, to: Incident['state'], description?: string): Promise<Incident> {
    const stamps = stampsFor(incident, to, this.#now)
    const changes = description === undefined ? { state: to, ...stamps } : { state: to, ...stamps, description }
    await this.#tx.updateIncident(incident.id, changes)
    return { ...incident, ...changes }
  }

  #remember(contract: Contract, incident: Incident): void {
    const known = this.#active.get(contract.id)
    if (known === NO_INCIDENTS) this.#active.set(contract.id, new Map([[incident.triggerType, incident]]))
    else known?.set(incident.triggerType, incident)
  }

  #log(entry: IncidentEventType, incident: Incident): void {
    if (entry === 'opened') this.changes.opened.push(incident)
    else if (entry === 'recovered') {
      this.changes.recovered.push(incident)
      this.#stoppedFailing = true
    } else if (entry === 'relapsed') this.changes.relapsed.push(incident)
  }
}

/** The active incidents of a contract that has none; shared, so that it is never written to. */
const NO_INCIDENTS: Map<TriggerType, Incident> = new Map()

/** What an `apply` that changes nothing answers. */
const NOTHING: Promise<undefined> = Promise.resolve(undefined)
