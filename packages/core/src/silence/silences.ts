// Silences and maintenance windows: while one is in force for a code, its incidents change as
// usual but their notifications are held; when it ends, the held incidents still failing are
// notified once (docs/behaviour.md#silences).
import { matchesAnyCodeGlob, matchCodeGlob } from '../code-glob.js'
import type { Contract, IncidentHold, NotificationEvent, Silence } from '../domain.js'
import { formatHumanDuration } from '../duration.js'
import type { StoreTx } from '../ports/store.js'
import { dependencyHoldOf, heldParent } from '../rules/dependency.js'
import { parseSchedule, type Schedule } from '../schedule/cron-schedule.js'
import { validateCode } from '../validate.js'
import { formatSilenceCode } from './silence-code.js'

/** A `[[maintenance]]` table: the codes it silences, from each occurrence of `schedule` for `duration`. */
export interface MaintenanceWindow {
  /** Code globs (`db.*`). */
  readonly codes: readonly string[]
  /** A cron expression, as the `schedule` rule takes. */
  readonly schedule: string
  /** Its IANA zone; default: the monitor's. */
  readonly tz?: string
  /** Milliseconds each window lasts. */
  readonly duration: number
}

/** A maintenance window in force: its table and the occurrence it is in. */
export interface MaintenanceInForce {
  readonly codes: readonly string[]
  readonly schedule: string
  readonly startsAt: Date
  readonly endsAt: Date
}

/** A maintenance window with its schedule read. */
export interface ParsedMaintenance {
  readonly window: MaintenanceWindow
  readonly schedule: Schedule
}

/**
 * Checks a code glob: `*`, or dot-separated segments each `*` or a code's segment (`db.*`).
 * Returns the error message, or `undefined` when it is fine.
 */
export function checkCodeGlob(glob: string): string | undefined {
  if (glob === '*') return undefined
  const asCode = glob
    .split('.')
    .map((segment) => (segment === '*' ? 'x' : segment))
    .join('.')
  const checked = validateCode(asCode)
  return checked.isOk() && !glob.includes('**')
    ? undefined
    : `invalid code glob "${glob}" \u2014 segments are codes or *`
}

/**
 * Reads the maintenance windows' schedules in their zones (`defaultTz` for those without one).
 * @throws RangeError when one does not read: the daemon's config checks them first.
 */
export function parseMaintenance(
  windows: readonly MaintenanceWindow[],
  defaultTz: string,
): readonly ParsedMaintenance[] {
  return windows.map((window) => {
    const schedule = parseSchedule(window.schedule, window.tz ?? defaultTz)
    if (schedule.isErr()) throw new RangeError(schedule.error.message)
    return { window, schedule: schedule.value }
  })
}

/**
 * The maintenance windows in force at `now`: those whose latest occurrence at or before `now`
 * began less than `duration` ago. (An earlier occurrence still in force would mean the latest one
 * is too, so the latest is the one to look at.) A window that began before the daemon started counts.
 */
export function maintenanceInForce(windows: readonly ParsedMaintenance[], now: Date): readonly MaintenanceInForce[] {
  return windows.flatMap(({ window, schedule }) => {
    const start = schedule.latestAtOrBefore(now)
    if (start === undefined) return []
    const end = new Date(start.getTime() + window.duration)
    return end > now ? [{ codes: window.codes, schedule: window.schedule, startsAt: start, endsAt: end }] : []
  })
}

/** How a maintenance window is named in notes: `maintenance "0 2 * * SUN" for 2h (db.*)`. */
export function maintenanceName(window: MaintenanceInForce): string {
  return `maintenance "${window.schedule}" for ${formatHumanDuration(window.endsAt.getTime() - window.startsAt.getTime())} (${window.codes.join(', ')})`
}

/**
 * What holds a code's notifications inside one transaction: the stored silences and the
 * maintenance windows in force at `now` (loaded once on first use), then its dependency.
 */
export class Silencer {
  readonly #tx: StoreTx
  readonly #now: Date
  readonly #windows: readonly ParsedMaintenance[]
  #loaded: InForce | undefined

  constructor(tx: StoreTx, now: Date, windows: readonly ParsedMaintenance[]) {
    this.#tx = tx
    this.#now = now
    this.#windows = windows
  }

  /**
   * The name of what holds the contract's notifications now (`SIL-3`, a maintenance window, or
   * `depends on <code>` while that code is failing), or `undefined`. `contract` must carry the
   * rules in force.
   */
  async heldBy(contract: Contract): Promise<string | undefined> {
    const { silences, windows } = await this.#load()
    const silence = silences.find((s) => matchCodeGlob(s.pattern, contract.code))
    if (silence !== undefined) return formatSilenceCode(silence.id)
    const window = windows.find((w) => matchesAnyCodeGlob(w.codes, contract.code))
    if (window !== undefined) return maintenanceName(window)
    return dependencyHoldOf(this.#tx, contract)
  }

  async #load(): Promise<InForce> {
    if (this.#loaded === undefined) {
      const silences = (await this.#tx.listSilences(this.#now)).filter((silence) => silence.startsAt <= this.#now)
      this.#loaded = { silences, windows: maintenanceInForce(this.#windows, this.#now) }
    }
    return this.#loaded
  }
}

interface InForce {
  readonly silences: readonly Silence[]
  readonly windows: readonly MaintenanceInForce[]
}

/** The timeline note of a transition whose notification `heldBy` holds. */
export function heldNote(text: string, heldBy: string): string {
  return heldParent(heldBy) === undefined
    ? `${text} (silenced by ${heldBy}: not notified)`
    : `${text} (held: ${heldBy}: not notified)`
}

/** The holds of incidents not yet resolved, ascending incident id (`timon status` marks their probes/jobs). */
export async function activeHolds(tx: StoreTx): Promise<IncidentHold[]> {
  const holds: IncidentHold[] = []
  for (let afterId = 0; ; ) {
    const held = await tx.heldIncidents(afterId, RELEASE_BATCH)
    for (const { incident, heldBy } of held)
      if (incident.state !== 'resolved') holds.push({ incidentId: incident.id, heldBy })
    if (held.length < RELEASE_BATCH) return holds
    afterId = held.at(-1)?.incident.id ?? afterId
  }
}

/**
 * Releases the held incidents whose code is no longer held: each still open or relapsed is
 * notified once of its state (its note names what held it); the others are just forgotten. One
 * still held by something else is held by that instead. Returns how many were released.
 */
export async function releaseHeld(
  tx: StoreTx,
  silencer: Silencer,
  now: Date,
  notify: (event: NotificationEvent) => Promise<number>,
): Promise<number> {
  let released = 0
  for (let afterId = 0; ; ) {
    const held = await tx.heldIncidents(afterId, RELEASE_BATCH)
    for (const { incident, heldBy } of held) {
      const contract = incident.contractId === null ? undefined : await tx.getContract(incident.contractId)
      const still = contract === undefined ? undefined : await silencer.heldBy(contract)
      if (still !== undefined) {
        if (still !== heldBy) await tx.holdIncident(incident.id, still)
        continue
      }
      await tx.releaseIncident(incident.id)
      released += 1
      if (incident.state !== 'open' && incident.state !== 'relapsed') continue
      const parent = heldParent(heldBy)
      const ended = parent === undefined ? `${heldBy} has ended` : `${parent} is no longer failing`
      const note = `${ended} and ${contract?.code ?? 'the incident'} is still ${incident.state}: its notifications were held`
      await notify({ name: incident.state === 'open' ? 'incident.open' : 'incident.relapsed', at: now, incident, note })
    }
    if (held.length < RELEASE_BATCH) return released
    afterId = held[held.length - 1]?.incident.id ?? afterId
  }
}

const RELEASE_BATCH = 500
