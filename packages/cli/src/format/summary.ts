import type { CodeCount, SummaryView } from '@timon/core'
import { plural } from './common.js'
import { PLAIN, type Style } from './style.js'

/** Options of {@link formatSummary}. */
export interface SummaryFormatOptions {
  /** Leave out the code lists (`summary --short`). */
  readonly short?: boolean
  readonly style?: Style
}

/**
 * The one line of `timon summary` (reference §6.9, with pluralised counts):
 *
 * `Timon — 1 active incident · 1 critical (db.backup) · 0 stale · 0 warning · 2 healthy · 0 running jobs`
 *
 * Critical and stale list up to 3 codes, then `+<rest>` (`(a, b, c +2)`); `--short` leaves the
 * lists out. Each probe/job is counted once (the view's categories are disjoint). Ends with a newline.
 */
export function formatSummary(view: SummaryView, options: SummaryFormatOptions = {}): string {
  const style = options.style ?? PLAIN
  const withCodes = (category: CodeCount) => (options.short === true ? '' : codeList(category))
  const when = (count: number, colour: (text: string) => string) => (text: string) => (count > 0 ? colour(text) : text)
  const parts = [
    when(view.activeIncidents, style.red)(plural(view.activeIncidents, 'active incident')),
    when(view.critical.count, style.red)(`${view.critical.count} critical`) + withCodes(view.critical),
    when(view.stale.count, style.yellow)(`${view.stale.count} stale`) + withCodes(view.stale),
    when(view.warning.count, style.yellow)(`${view.warning.count} warning`),
    when(view.healthy.count, style.green)(`${view.healthy.count} healthy`),
    when(view.running.count, style.cyan)(plural(view.running.count, 'running job')),
  ]
  return `Timon \u2014 ${parts.join(' \u00b7 ')}\n`
}

// --- internal ---

/** ` (a, b, c +2)`: the first three codes and how many more; `''` when there are none. */
function codeList({ count, codes }: CodeCount): string {
  if (count === 0 || codes.length === 0) return ''
  const shown = codes.slice(0, 3)
  const rest = count - shown.length
  return ` (${shown.join(', ')}${rest > 0 ? ` +${rest}` : ''})`
}
