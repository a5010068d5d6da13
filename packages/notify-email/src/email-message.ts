import { EVENT_VERBS, daemonNews, type BodyTemplate, type WebhookPayload } from '@timon/notify-webhook'

/** The text parts of one email. */
export interface EmailText {
  /** One line. */
  readonly subject: string
  /** Plain text. */
  readonly text: string
}

/**
 * The subject and body of an event's email: the `subject` and `body` templates with the payload
 * as their view (the webhook payload: `_event`, `_hostname`, `_timestamp`, `incident.*`, `note`),
 * else the defaults — `[timon] INC-7 db.backup is critical` when an incident opens,
 * `[timon] INC-7 recovered: db.backup is critical` for its later events, `[timon] Timon started on
 * prod-1` — and a plain-text body with the incident, its timeline, the note, and the `timon show`
 * command that tells the rest. A subject is always one line (line breaks become spaces).
 */
export function composeEmail(
  payload: WebhookPayload,
  templates: { readonly subject?: BodyTemplate; readonly body?: BodyTemplate },
): EmailText {
  const subject = templates.subject?.render(payload) ?? defaultSubject(payload)
  return {
    subject: subject.replace(/\s*[\r\n]+\s*/g, ' ').trim(),
    text: templates.body?.render(payload) ?? defaultBody(payload),
  }
}

// --- internal ---

function defaultSubject(payload: WebhookPayload): string {
  const incident = payload.incident
  if (incident === undefined) return `[timon] ${daemonNews(payload)}`
  const verb = payload._event === 'incident.open' ? '' : `${EVENT_VERBS[payload._event]}: `
  return `[timon] ${incident.code} ${verb}${incident.title}`
}

function defaultBody(payload: WebhookPayload): string {
  const incident = payload.incident
  const lines: string[] = []
  if (incident === undefined) {
    lines.push(`${daemonNews(payload)} at ${payload._timestamp}.`)
    if (payload.note !== undefined) lines.push('', payload.note)
    return `${lines.join('\n')}\n`
  }
  lines.push(`${incident.code} ${EVENT_VERBS[payload._event]}: ${incident.title}`, '')
  lines.push(`State:    ${incident.state}`, `Trigger:  ${incident.trigger_type}`, `Host:     ${payload._hostname}`)
  if (incident.description !== null) lines.push('', incident.description)
  if (payload.note !== undefined) lines.push('', `Note (${payload._timestamp}): ${payload.note}`)
  const moments: [string, string | null][] = [
    ['opened', incident.opened_at],
    ['relapsed', incident.relapsed_at],
    ['recovered', incident.recovered_at],
    ['resolved', incident.resolved_at],
  ]
  // RFC 3339 instants in UTC to the second sort as text.
  const timeline = moments
    .flatMap(([what, at]) => (at === null ? [] : [[what, at] as const]))
    .sort((a, b) => a[1].localeCompare(b[1]))
  lines.push('', 'Timeline:', ...timeline.map(([what, at]) => `  ${at}  ${what}`))
  lines.push('', `The whole timeline and its notes: timon show ${incident.code}`)
  return `${lines.join('\n')}\n`
}
