import {
  formatHumanDuration,
  type ContractView,
  type Incident,
  type ReportView,
  type Rules,
  type Run,
  type Sample,
} from '@timon/core'
import { durationChart } from '../duration-chart.js'
import { ago, duration, runMillis } from '../format.js'
import { html, type SafeHtml } from '../html.js'
import type { LogChunk } from '../read-log.js'
import { flagPills, healthLabel, historyStrip, incidentLink } from './parts.js'
import { markOf, type SubjectFlag } from '../overview-model.js'

/** A probe's page: its facts, active incidents and recent samples with their comments. */
export function probePage(view: ContractView, flags: readonly SubjectFlag[], now: Date): SafeHtml {
  const samples = view.reports.map((r) => r.report).filter((r): r is Sample => r.kind === 'sample')
  const host = hostColumn(samples)
  return html`<h1>${view.contract.code} <span class="muted">probe</span></h1><div id="live">${facts(view, flags, now)}
<section aria-labelledby="samples-title"><h2 id="samples-title">Samples <span class="muted">(${samples.length} of ${view.reportCount})</span></h2>
<p>${historyStrip([...samples].reverse().map(markOf))}</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Sample</th><th scope="col">Health</th><th scope="col">Pushed</th>${host.head}<th scope="col">Comment</th></tr></thead><tbody>${samples.map(
    (s) =>
      html`<tr><td><code>${s.uid}</code></td><td>${healthLabel(s.health)}</td><td>${ago(now, s.pushedAt)}</td>${host.cell(s)}<td class="pre">${s.comment ?? ''}</td></tr>`,
  )}</tbody></table></div></section></div>`
}

/** What the job page shows of one selected run. */
export interface SelectedRun {
  readonly view: ReportView
  /** The first piece of its log, when it has one and the daemon can read it. */
  readonly log: LogChunk | undefined
}

/** A job's page: facts, a duration chart, its runs, and the selected run's steps and log. */
export function jobPage(
  view: ContractView,
  flags: readonly SubjectFlag[],
  selected: SelectedRun | undefined,
  now: Date,
): SafeHtml {
  const runs = view.reports.map((r) => r.report).filter((r): r is Run => r.kind === 'run')
  const base = `/jobs/${encodeURIComponent(view.contract.code)}`
  const host = hostColumn(runs)
  return html`<h1>${view.contract.code} <span class="muted">job</span></h1><div id="live">${facts(view, flags, now)}
<section aria-labelledby="runs-title"><h2 id="runs-title">Runs <span class="muted">(${runs.length} of ${view.reportCount})</span></h2>${durationChart(runs, now)}
<div class="table-wrap"><table><thead><tr><th scope="col">Run</th><th scope="col">Health</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Exit</th>${host.head}<th scope="col">Comment</th></tr></thead><tbody>${runs.map(
    (run) =>
      html`<tr><td><a href="${base}?run=${run.uid}"${run.uid === selected?.view.report.uid ? html` aria-current="true"` : ''}><code>${run.uid}</code></a></td><td>${healthLabel(run.endedAt === null ? 'running' : run.health)}${run.skipped ? html` <span class="flag">skipped</span>` : ''}</td><td>${ago(now, run.startedAt)}</td><td>${duration(runMillis(run, now) ?? 0)}</td><td>${exitText(run)}</td>${host.cell(run)}<td class="pre">${[run.startComment, run.endComment].filter((c) => c !== null).join(' — ')}</td></tr>`,
  )}</tbody></table></div></section>
${selected === undefined ? '' : steps(selected.view, now)}</div>
${selected === undefined ? '' : logViewer(base, selected)}`
}

// --- internal ---

function facts(view: ContractView, flags: readonly SubjectFlag[], now: Date): SafeHtml {
  const last = view.lastReport
  const health = last === undefined ? 'none' : last.kind === 'run' && last.endedAt === null ? 'running' : last.health
  return html`<dl class="facts"><dt>Health</dt><dd>${healthLabel(health)} ${flagPills(flags)}</dd>
<dt>Last report</dt><dd>${last === undefined ? '—' : ago(now, last.kind === 'sample' ? last.pushedAt : (last.endedAt ?? last.startedAt))}</dd>
${last?.host == null ? '' : html`<dt>Host</dt><dd>${last.host}</dd>`}
<dt>Rules</dt><dd>${rulesText(view.rules)}</dd></dl>${activeIncidents(view.activeIncidents, now)}`
}

/** A Host column for a table of reports, shown only when they came from more than one machine (as `timon show`). */
function hostColumn(reports: readonly (Sample | Run)[]): {
  readonly head: SafeHtml
  readonly cell: (report: Sample | Run) => SafeHtml
} {
  const hosts = new Set(reports.flatMap(({ host }) => (host == null ? [] : [host])))
  if (hosts.size < 2) return { head: html``, cell: () => html`` }
  return { head: html`<th scope="col">Host</th>`, cell: (report) => html`<td>${report.host ?? '—'}</td>` }
}

function activeIncidents(incidents: readonly Incident[], now: Date): SafeHtml {
  if (incidents.length === 0) return html``
  return html`<h2>Active incidents</h2><ul>${incidents.map(
    (i) => html`<li>${incidentLink(i.id)} ${i.state} · ${i.triggerType} · ${ago(now, i.openedAt)} — ${i.title}</li>`,
  )}</ul>`
}

function rulesText(rules: Rules): string {
  const parts = [
    rules.staleAfter === null ? undefined : `stale after ${formatHumanDuration(rules.staleAfter)}`,
    rules.staleIncidentAfter === null
      ? undefined
      : `stale incident after ${formatHumanDuration(rules.staleIncidentAfter)}`,
    rules.overtimeIncidentAfter === null
      ? undefined
      : `overtime incident after ${formatHumanDuration(rules.overtimeIncidentAfter)}`,
  ].filter((p) => p !== undefined)
  return parts.length === 0 ? 'none' : parts.join(', ')
}

function exitText(run: Run): string {
  if (run.exit === null) return '—'
  return run.exit.signal ?? String(run.exit.code ?? '—')
}

function steps(view: ReportView, now: Date): SafeHtml {
  return html`<section aria-labelledby="steps-title"><h2 id="steps-title">Steps of <code>${view.report.uid}</code></h2>${
    view.steps.length === 0
      ? html`<p class="muted">No steps.</p>`
      : html`<ol>${view.steps.map(
          (s) =>
            html`<li>${healthLabel(s.health)} ${s.label} <span class="muted">${ago(now, s.at)}</span>${s.detail === null ? '' : html`<details><summary>Detail</summary><pre class="log">${s.detail}</pre></details>`}</li>`,
        )}</ol>`
  }</section>`
}

function logViewer(base: string, selected: SelectedRun): SafeHtml {
  const run = selected.view.report
  const log = selected.log
  if (log === undefined)
    return html`<section aria-labelledby="log-title"><h2 id="log-title">Log</h2><p class="muted">No log recorded for this run.</p></section>`
  return html`<section aria-labelledby="log-title"><h2 id="log-title">Log of <code>${run.uid}</code></h2><pre id="log" class="log" tabindex="0" data-log-src="${base}/runs/${run.uid}/log" data-next="${log.next}" data-complete="${String(log.complete)}">${log.text}</pre></section>`
}
