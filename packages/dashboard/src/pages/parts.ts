import type { ReportHealth, ReportMark } from '@timon/core'
import { html, trusted, type SafeHtml } from '../html.js'
import type { SubjectFlag, SubjectRow } from '../overview-model.js'

/** A health as a coloured dot and a word (never colour alone). */
export function healthLabel(health: ReportHealth | 'none' | 'running'): SafeHtml {
  return trusted(`<span class="health h-${health}">${health === 'none' ? 'no data' : health}</span>`)
}

/** The state flags of a probe/job as small labelled pills. */
export function flagPills(flags: readonly SubjectFlag[]): SafeHtml {
  return trusted(flags.map((flag) => `<span class="flag flag-${flag}">${flag}</span>`).join(''))
}

/**
 * Recent samples/runs as a strip of coloured cells, oldest first, with a text summary for screen
 * readers. Built from fixed class names only, so it needs no escaping (and stays fast for 10,000 rows).
 */
export function historyStrip(recent: readonly ReportMark[]): SafeHtml {
  const counts = new Map<string, number>()
  let cells = ''
  for (const mark of recent) {
    const state = mark.running ? 'running' : mark.health
    counts.set(state, (counts.get(state) ?? 0) + 1)
    cells += `<i class="h-${state}"></i>`
  }
  const summary = [...counts].map(([state, n]) => `${n} ${state}`).join(', ')
  return trusted(
    `<span class="strip" role="img" aria-label="Last ${recent.length}: ${summary || 'none'}">${cells}</span>`,
  )
}

/** The page of a probe or job. */
export function subjectHref(row: Pick<SubjectRow, 'kind' | 'code'>): string {
  return `/${row.kind === 'probe' ? 'probes' : 'jobs'}/${encodeURIComponent(row.code)}`
}

/** A link to an incident's page. */
export function incidentLink(id: number): SafeHtml {
  return html`<a href="/incidents/${id}">INC-${id}</a>`
}
