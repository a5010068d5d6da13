import type {
  ContractOverview,
  DaemonLiveness,
  DeliveryStatus,
  Incident,
  IncidentHold,
  MaintenanceInForce,
  Silence,
  StatusView,
} from '@timon/core'
import { formatIncidentCode, formatSilenceCode, matchCodeGlob, matchesAnyCodeGlob } from '@timon/core/lite'
import {
  ago,
  contractHealth,
  incidentCodes,
  incidentState,
  isManual,
  plural,
  quoted,
  reportComment,
  reportTime,
} from './common.js'
import { PLAIN, type Style } from './style.js'
import { formatTable, type Row } from './tabwriter.js'

/**
 * The human output of `timon status` (reference §6.8, without trailing spaces):
 *
 * ```
 * ACTIVE INCIDENTS (1)
 *   INC-3  open  "db.backup is critical"  1h 2m ago
 *
 * PROBES & JOBS (2)
 *   myapp.health  ✓ healthy — 4m 12s ago  "All good"
 *   db.backup     ✗ critical — 1h 5m ago               INC-3
 * ```
 *
 * Incidents come in the view's order (ascending id), contracts too (probes first, then jobs, each
 * by code). Once the latest reports come from more than one machine, a column after the code says
 * which (`host`, `-` when a push did not say). A probe the daemon polls itself (`[[check]]`) ends with `polled <url>`. When webhook
 * deliveries have failed, a section says how many and where to look. When several daemons serve
 * the database, a last line names them: `DAEMONS (2)  alpha, beta`. A probe or job a silence or
 * maintenance window in force covers ends with `silenced SIL-3` (or `silenced maintenance`), and a
 * section lists those in force; one whose incident is held by something else (its dependency
 * failing) ends with `held: depends on db.main`.
 *
 * @param now the instant "… ago" is measured from.
 */
export function formatStatus(
  view: Pick<StatusView, 'activeIncidents'> & {
    readonly contracts: readonly (ContractOverview & { readonly polledFrom?: string })[]
    readonly deliveries?: Readonly<Record<DeliveryStatus, number>>
    readonly daemons?: readonly DaemonLiveness[]
    readonly silences?: readonly Silence[]
    readonly maintenance?: readonly MaintenanceInForce[]
    readonly holds?: readonly IncidentHold[]
  },
  now: Date,
  style: Style = PLAIN,
): string {
  const rows: Row[] = [`ACTIVE INCIDENTS (${view.activeIncidents.length})`]
  if (view.activeIncidents.length === 0) rows.push('  None')
  for (const incident of view.activeIncidents) {
    rows.push([
      `  ${formatIncidentCode(incident.id)}`,
      incidentState(incident.state, style),
      quoted(incident.title),
      ago(incident.openedAt, now),
      isManual(incident) ? '(manual)' : '',
    ])
  }

  rows.push('', `PROBES & JOBS (${view.contracts.length})`)
  if (view.contracts.length === 0) rows.push('  None')
  const missed = missedIds(view.activeIncidents)
  const hosts = new Set(view.contracts.flatMap(({ lastReport }) => (lastReport?.host == null ? [] : [lastReport.host])))
  for (const { contract, lastReport, activeIncidentIds, polledFrom } of view.contracts) {
    const reported = contractHealth(contract, lastReport, style)
    const health = activeIncidentIds.some((id) => missed.has(id)) ? `${style.red('missed')} (${reported})` : reported
    const row = [
      `  ${contract.code}`,
      ...(hosts.size > 1 ? [lastReport?.host ?? '-'] : []),
      lastReport === undefined ? health : `${health} \u2014 ${ago(reportTime(lastReport), now)}`,
      quoted(lastReport === undefined ? null : reportComment(lastReport)),
      style.red(incidentCodes(activeIncidentIds)),
    ]
    const silencedBy = silencer(contract.code, view.silences ?? [], view.maintenance ?? [])
    const heldBy = view.holds?.find((hold) => activeIncidentIds.includes(hold.incidentId))?.heldBy
    const polled = polledFrom === undefined ? '' : `polled ${polledFrom}`
    const hold =
      silencedBy !== undefined ? `silenced ${silencedBy}` : heldBy !== undefined ? `held: ${heldBy}` : undefined
    const tail = hold === undefined ? [polled].filter((cell) => cell !== '') : [polled, style.yellow(hold)]
    rows.push([...row, ...tail])
  }

  const silenceRows = silencesInForce(view.silences ?? [], view.maintenance ?? [])
  if (silenceRows.length > 0) rows.push('', `SILENCES (${silenceRows.length})`, ...silenceRows)

  const failed = view.deliveries?.failed ?? 0
  if (failed > 0) {
    rows.push(
      '',
      'WEBHOOKS',
      `  ${style.red(plural(failed, 'failed delivery', 'failed deliveries'))} \u2014 see "timon deliveries"`,
    )
  }
  const daemons = view.daemons ?? []
  if (daemons.length > 1)
    rows.push('', `DAEMONS (${daemons.length})  ${daemons.map((daemon) => daemon.name).join(', ')}`)
  return formatTable(rows)
}

// --- internal ---

/** What silences `code` now: the first silence in force that matches it (`SIL-3`), else `maintenance`. */
function silencer(
  code: string,
  silences: readonly Silence[],
  maintenance: readonly MaintenanceInForce[],
): string | undefined {
  const silence = silences.find((candidate) => matchCodeGlob(candidate.pattern, code))
  if (silence !== undefined) return formatSilenceCode(silence.id)
  return maintenance.some((window) => matchesAnyCodeGlob(window.codes, code)) ? 'maintenance' : undefined
}

/** One row per silence and maintenance window in force, with its end. */
function silencesInForce(silences: readonly Silence[], maintenance: readonly MaintenanceInForce[]): Row[] {
  return [
    ...silences.map(
      (silence): Row => [
        `  ${formatSilenceCode(silence.id)}`,
        silence.pattern,
        `until ${silence.endsAt.toISOString()}`,
        quoted(silence.comment),
      ],
    ),
    ...maintenance.map(
      (window): Row => [
        '  maintenance',
        window.codes.join(','),
        `until ${window.endsAt.toISOString()}`,
        `"${window.schedule}"`,
      ],
    ),
  ]
}

/** The ids of the open or relapsed `missed` incidents: their probe/job is marked missed. */
function missedIds(incidents: readonly Incident[]): ReadonlySet<number> {
  return new Set(
    incidents
      .filter(
        (incident) => incident.triggerType === 'missed' && (incident.state === 'open' || incident.state === 'relapsed'),
      )
      .map((incident) => incident.id),
  )
}
