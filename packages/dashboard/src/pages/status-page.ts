import { html, type SafeHtml } from '../html.js'
import { ago } from '../format.js'
import type { Overview } from '../overview-model.js'
import { healthLabel, historyStrip } from './parts.js'
import { badgeOf } from '../badge.js'

/**
 * The public status page: health, age and history of the public codes, and their active incidents
 * by state and trigger only. No titles, comments, descriptions, logs or links to private pages.
 */
export function statusPage(overview: Overview, now: Date): SafeHtml {
  const degraded = overview.subjects.filter(
    (s) => s.health === 'warning' || s.health === 'critical' || s.flags.includes('stale'),
  ).length
  return html`<h1>Status</h1><div id="live"><p class="${degraded === 0 ? 'h-healthy' : 'h-critical'}"><strong>${
    degraded === 0 ? 'All systems operational' : `${degraded} of ${overview.subjects.length} degraded`
  }</strong></p>
${
  overview.incidents.length === 0
    ? ''
    : html`<h2>Active incidents</h2><ul>${overview.incidents.map(
        ({ incident, code }) =>
          html`<li>${code ?? ''}: ${incident.triggerType}, ${incident.state} since ${ago(now, incident.relapsedAt ?? incident.openedAt)}</li>`,
      )}</ul>`
}
<div class="table-wrap"><table><caption class="sr-only">Public probes and jobs</caption><thead><tr><th scope="col">Service</th><th scope="col">Status</th><th scope="col">Last report</th><th scope="col" class="wide">Recent</th></tr></thead><tbody>${overview.subjects.map(
    (row) => {
      const badge = badgeOf(row)
      return html`<tr><td>${row.code}</td><td>${badge.message === row.health ? healthLabel(row.health) : html`<span class="health h-warning">${badge.message}</span>`}</td><td>${row.lastReportAt === undefined ? '—' : ago(now, row.lastReportAt)}</td><td class="wide">${historyStrip(row.recent)}</td></tr>`
    },
  )}</tbody></table></div></div>`
}
