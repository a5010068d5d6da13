import type { IncidentView } from '@timon/core'
import { ago } from '../format.js'
import { html, type SafeHtml } from '../html.js'

/** What the viewer may do on the incident page. */
export interface IncidentActions {
  /** The session's CSRF token when the viewer is an admin with a session; forms are shown only then. */
  readonly csrf: string | undefined
  /** A refused action's message, shown above the forms. */
  readonly error?: string
}

/** The probe/job of an automatic incident, linked from its page. */
export interface IncidentSubject {
  readonly code: string
  readonly href: string
}

/** An incident: its facts, description, timeline and, for an admin session, resolve and annotate forms. */
export function incidentPage(
  view: IncidentView,
  subject: IncidentSubject | undefined,
  actions: IncidentActions,
  now: Date,
): SafeHtml {
  const i = view.incident
  const at = (label: string, when: Date | null) =>
    when === null ? '' : html`<dt>${label}</dt><dd>${ago(now, when)}</dd>`
  return html`<h1>INC-${i.id}: ${i.title}</h1><div id="live"><dl class="facts"><dt>State</dt><dd>${i.state}</dd><dt>Trigger</dt><dd>${i.triggerType}</dd>
${subject === undefined ? '' : html`<dt>Subject</dt><dd><a href="${subject.href}">${subject.code}</a></dd>`}
${at('Opened', i.openedAt)}${at('Recovered', i.recoveredAt)}${at('Relapsed', i.relapsedAt)}${at('Resolved', i.resolvedAt)}</dl>
${i.description === null ? '' : html`<h2>Description</h2><p class="pre">${i.description}</p>`}
<section aria-labelledby="timeline-title"><h2 id="timeline-title">Timeline</h2><ol class="timeline">${view.timeline.map(
    (e) =>
      html`<li class="${e.isSystem ? 'system' : 'person'}"><strong>${e.type}</strong> <span class="muted">${ago(now, e.at)}${e.isSystem ? '' : ' · by a person'}</span><div class="pre">${e.note}</div></li>`,
  )}</ol></section></div>
${actions.csrf === undefined ? '' : forms(view, actions.csrf, actions.error)}`
}

// --- internal ---

function forms(view: IncidentView, csrf: string, error: string | undefined): SafeHtml {
  const id = view.incident.id
  const token = html`<input type="hidden" name="csrf" value="${csrf}">`
  return html`<section aria-labelledby="actions-title"><h2 id="actions-title">Actions</h2>${error === undefined ? '' : html`<p class="alert" role="alert">${error}</p>`}
${
  view.incident.state === 'resolved'
    ? ''
    : html`<form class="stack" method="post" action="/incidents/${id}/resolve">${token}<label for="resolve-note">Resolve note (optional)</label><textarea id="resolve-note" name="note"></textarea><button type="submit" class="danger">Resolve INC-${id}</button></form>`
}
<form class="stack" method="post" action="/incidents/${id}/annotate">${token}<label for="annotate-note">Note</label><textarea id="annotate-note" name="note" required></textarea><button type="submit">Add note</button></form></section>`
}
