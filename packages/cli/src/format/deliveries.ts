import type { Delivery, DeliveryStatus } from '@timon/core'
import { formatHumanDuration, formatIncidentCode } from '@timon/core/lite'
import { ago, plural, quoted } from './common.js'
import { PLAIN, type Style } from './style.js'
import { formatTable, type Row } from './tabwriter.js'

/**
 * The human output of `timon deliveries`: one row per webhook delivery, newest first.
 *
 * ```
 * DELIVERIES (2)
 *   #7  failed   incident.open      INC-3  gotify  6 attempts  created 2h ago       "HTTP 500"
 *   #9  pending  incident.resolved  INC-3  gotify  1 attempt   next try in 25s      "connect ECONNREFUSED"
 * ```
 */
export function formatDeliveries(deliveries: readonly Delivery[], now: Date, style: Style = PLAIN): string {
  const rows: Row[] = [`DELIVERIES (${deliveries.length})`]
  if (deliveries.length === 0) rows.push('  None')
  for (const delivery of deliveries) {
    const incident = delivery.event.incident
    rows.push([
      `  #${delivery.id}`,
      statusText(delivery.status, style),
      delivery.event.name,
      incident === undefined ? '' : formatIncidentCode(incident.id),
      delivery.target,
      plural(delivery.attempts, 'attempt'),
      when(delivery, now),
      quoted(delivery.lastError),
    ])
  }
  return formatTable(rows)
}

// --- internal ---

function statusText(status: DeliveryStatus, style: Style): string {
  switch (status) {
    case 'failed':
      return style.red(status)
    case 'pending':
      return style.yellow(status)
    case 'delivered':
      return style.green(status)
  }
}

function when(delivery: Delivery, now: Date): string {
  if (delivery.status === 'pending') {
    const wait = delivery.nextAttemptAt.getTime() - now.getTime()
    return wait > 0 ? `next try in ${formatHumanDuration(wait)}` : 'next try now'
  }
  return `${delivery.status} ${ago(delivery.finishedAt ?? delivery.createdAt, now)}`
}
