import type { Run } from '@timon/core'
import { duration } from './format.js'
import { html, type SafeHtml } from './html.js'

/**
 * An inline SVG bar chart of run durations, oldest left, coloured by health; each bar has a
 * `<title>` (hover and screen readers) and the chart a summary label. Needs no script.
 */
export function durationChart(runs: readonly Run[], now: Date): SafeHtml {
  if (runs.length === 0) return html`<p class="muted">No runs yet.</p>`
  const oldestFirst = [...runs].reverse()
  const millis = oldestFirst.map((run) => (run.endedAt ?? now).getTime() - run.startedAt.getTime())
  const longest = Math.max(1, ...millis)
  const bar = WIDTH / oldestFirst.length
  const bars = oldestFirst.map((run, i) => {
    const ms = millis[i] ?? 0
    const height = Math.max(1, Math.round((ms / longest) * (HEIGHT - 2)))
    const state = run.endedAt === null ? 'running' : run.health
    return html`<rect class="bar h-${state}" x="${(i * bar).toFixed(1)}" y="${HEIGHT - height}" width="${Math.max(1, bar - 1).toFixed(1)}" height="${height}"><title>${run.uid}: ${duration(ms)}, ${state}</title></rect>`
  })
  const label = `Durations of the last ${runs.length} runs; longest ${duration(longest)}`
  return html`<figure class="chart"><svg viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${label}">${bars}</svg><figcaption>${label}</figcaption></figure>`
}

// --- internal ---

const WIDTH = 600
const HEIGHT = 120
