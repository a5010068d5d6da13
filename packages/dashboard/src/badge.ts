import { html, type SafeHtml } from './html.js'
import type { SubjectRow } from './overview-model.js'

/** A badge's words and colour, as in shields.io's endpoint format. */
export interface Badge {
  readonly label: string
  readonly message: string
  /** A shields.io colour name. */
  readonly color: BadgeColor
}

/** The shields.io endpoint JSON (https://shields.io/badges/endpoint-badge). */
export interface ShieldsEndpoint extends Badge {
  readonly schemaVersion: 1
}

type BadgeColor = 'brightgreen' | 'yellow' | 'red' | 'orange' | 'blue' | 'lightgrey'

/** The badge of a probe/job: stale wins over its health, then a run going shows `running`. */
export function badgeOf(row: SubjectRow): Badge {
  if (row.flags.includes('stale')) return { label: row.code, message: 'stale', color: 'orange' }
  if (row.flags.includes('running')) return { label: row.code, message: 'running', color: 'blue' }
  const color =
    row.health === 'healthy'
      ? 'brightgreen'
      : row.health === 'warning'
        ? 'yellow'
        : row.health === 'critical'
          ? 'red'
          : 'lightgrey'
  return { label: row.code, message: row.health === 'none' ? 'no data' : row.health, color }
}

/** The badge as shields.io endpoint JSON. */
export function shieldsEndpoint(badge: Badge): ShieldsEndpoint {
  return { schemaVersion: 1, ...badge }
}

/** The badge as a flat SVG image with a text alternative. */
export function badgeSvg(badge: Badge): SafeHtml {
  const left = textWidth(badge.label)
  const right = textWidth(badge.message)
  const width = left + right
  const label = `${badge.label}: ${badge.message}`
  return html`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${label}"><title>${label}</title><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${SVG_FILL[badge.color]}"/><g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11"><text x="${left / 2}" y="14">${badge.label}</text><text x="${left + right / 2}" y="14">${badge.message}</text></g></svg>`
}

// --- internal ---

/** Fills dark enough for white text (contrast ≥ 4.5:1), in the spirit of the shields.io names. */
const SVG_FILL: Readonly<Record<BadgeColor, string>> = {
  brightgreen: '#1a7f37',
  yellow: '#8a5a00',
  red: '#cf222e',
  orange: '#a94400',
  blue: '#0969da',
  lightgrey: '#6e7781',
}

/** Roughly the width of Verdana 11px text plus padding; badges need not be exact. */
function textWidth(text: string): number {
  return Math.round(text.length * 7 + 10)
}
