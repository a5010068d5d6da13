import { html, trusted, type SafeHtml } from '../html.js'
import { ago } from '../format.js'
import { FILTER_STATES, matchesFilter, rowStates, type OverviewQuery } from '../overview-filter.js'
import type { IncidentRow, Overview, SubjectRow } from '../overview-model.js'
import { flagPills, healthLabel, historyStrip, incidentLink, subjectHref } from './parts.js'

/**
 * The overview's content: the filter, then (in the live region) active incidents and every
 * probe/job grouped by the first segment of its code. Rows the server-side filter drops are not sent.
 */
export function overviewPage(overview: Overview, query: OverviewQuery, now: Date): SafeHtml {
  const rows = overview.subjects.filter((row) => matchesFilter(row, query))
  return html`<h1>Overview</h1>
<form id="filter" class="filter" role="search" method="get" action="/">
<div><label for="q">Filter by code or host</label><input id="q" name="q" type="search" value="${query.q}" autocomplete="off"></div>
<div><label for="state">State</label><select id="state" name="state"><option value="">any</option>${FILTER_STATES.map(
    (state) => html`<option value="${state}"${state === query.state ? trusted(' selected') : ''}>${state}</option>`,
  )}</select></div>
<button type="submit">Apply</button></form>
<div id="live" data-rows="/live/rows">${incidentSection(overview.incidents, now)}
<section aria-labelledby="subjects-title"><h2 id="subjects-title">Probes and jobs <span class="muted" id="subjects-count">(${overview.subjects.length})</span></h2>
${rows.length === 0 ? html`<p class="muted">Nothing matches.</p>` : groups(rows, now)}</section></div>`
}

/**
 * What the overview's script swaps in after a change of some codes: the open incidents' section,
 * and the rows of those probes/jobs (`tbody#rows`), each placed by the script by its `data-code`.
 */
export function liveRowsFragment(incidents: readonly IncidentRow[], rows: readonly SubjectRow[], now: Date): SafeHtml {
  return html`${incidentSection(incidents, now)}<table><tbody id="rows">${rows.map((row) => subjectRow(row, now))}</tbody></table>`
}

// --- internal ---

function incidentSection(incidents: readonly IncidentRow[], now: Date): SafeHtml {
  return html`<section id="incidents" aria-labelledby="incidents-title"><h2 id="incidents-title">Open incidents <span class="muted">(${incidents.length})</span></h2>${
    incidents.length === 0
      ? html`<p class="muted">No open incidents.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Incident</th><th scope="col">State</th><th scope="col">Trigger</th><th scope="col">Age</th><th scope="col">Title</th></tr></thead><tbody>${incidents.map(
          ({ incident }) =>
            html`<tr><td>${incidentLink(incident.id)}</td><td>${incident.state}</td><td>${incident.triggerType}</td><td>${ago(now, incident.openedAt)}</td><td>${incident.title}</td></tr>`,
        )}</tbody></table></div>`
  }</section>`
}

function groups(rows: readonly SubjectRow[], now: Date): SafeHtml {
  const byGroup = new Map<string, SubjectRow[]>()
  for (const row of rows) {
    const list = byGroup.get(row.group)
    if (list === undefined) byGroup.set(row.group, [row])
    else list.push(row)
  }
  return html`${[...byGroup].map(
    ([group, members]) =>
      html`<section class="group" data-group="${group}" aria-label="${group}"><h3>${group} <span class="muted count">(${members.length})</span></h3><div class="table-wrap"><table><thead><tr><th scope="col">Code</th><th scope="col">Health</th><th scope="col">Flags</th><th scope="col">Last report</th><th scope="col" class="wide">Recent</th></tr></thead><tbody>${trusted(
        members.map((row) => subjectRow(row, now).text).join(''),
      )}</tbody></table></div></section>`,
  )}`
}

function subjectRow(row: SubjectRow, now: Date): SafeHtml {
  const href = subjectHref(row)
  const host = row.host === undefined ? '' : html` <span class="muted">on ${row.host}</span>`
  return html`<tr data-code="${row.code}" data-host="${row.host?.toLowerCase() ?? ''}" data-state="${rowStates(row)}"><td><a href="${href}">${row.code}</a> <span class="muted">${row.kind}</span></td><td>${healthLabel(row.health)}</td><td>${flagPills(row.flags)}</td><td>${row.lastReportAt === undefined ? '—' : ago(now, row.lastReportAt)}${host}</td><td class="wide">${historyStrip(row.recent)}</td></tr>`
}
