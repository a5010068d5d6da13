import type { CodedIncident } from '@timon/core'
import { formatIncidentCode } from '@timon/core/lite'
import { ago, incidentState } from './common.js'
import { PLAIN, type Style } from './style.js'
import { formatTable, type Row } from './tabwriter.js'

/**
 * The human output of `timon incidents`: one row per incident, newest first.
 *
 * ```
 * INCIDENTS (2)
 *   INC-4  open       manual    -           opened 2m ago   power cut
 *   INC-3  recovered  critical  db.replica  opened 1h ago   db.replica is critical
 * ```
 */
export function formatIncidents(incidents: readonly CodedIncident[], now: Date, style: Style = PLAIN): string {
  const rows: Row[] = [`INCIDENTS (${incidents.length})`]
  if (incidents.length === 0) rows.push('  None')
  for (const incident of incidents) {
    rows.push([
      `  ${formatIncidentCode(incident.id)}`,
      incidentState(incident.state, style),
      incident.triggerType,
      incident.code ?? '-',
      `opened ${ago(incident.openedAt, now)}`,
      incident.title,
    ])
  }
  return formatTable(rows)
}
