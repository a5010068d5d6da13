import { formatHumanDuration, type Report } from '@timon/core'
import { html, type SafeHtml } from './html.js'

/** `4m 12s ago` as a `<time>` element carrying the exact instant (whole seconds, so pages stay calm). */
export function ago(now: Date, at: Date): SafeHtml {
  const seconds = Math.max(0, Math.floor((now.getTime() - at.getTime()) / 1000))
  return html`<time datetime="${at.toISOString()}">${formatHumanDuration(seconds * 1000)} ago</time>`
}

/** A duration in milliseconds for people: `1m 5s`, `350ms`. */
export function duration(ms: number): string {
  return formatHumanDuration(ms >= 1000 ? Math.round(ms / 1000) * 1000 : ms)
}

/** How long a run took, or has been going at `now`; `undefined` for samples. */
export function runMillis(report: Report, now: Date): number | undefined {
  if (report.kind !== 'run') return undefined
  return (report.endedAt ?? now).getTime() - report.startedAt.getTime()
}
