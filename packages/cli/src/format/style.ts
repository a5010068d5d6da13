import type { ReportHealth } from '@timon/core'

/**
 * Terminal colours for the human output. A {@link Style} either wraps text in ANSI SGR sequences or
 * returns it unchanged; formatters call it for every coloured part and never test for colour
 * themselves. The table writer measures visible text, so colours never shift columns.
 */
export interface Style {
  /** Whether this style writes escape sequences. */
  readonly enabled: boolean
  readonly red: (text: string) => string
  readonly yellow: (text: string) => string
  readonly green: (text: string) => string
  readonly cyan: (text: string) => string
  readonly dim: (text: string) => string
  readonly bold: (text: string) => string
}

/** The style that writes no escape sequences. */
export const PLAIN: Style = {
  enabled: false,
  red: identity,
  yellow: identity,
  green: identity,
  cyan: identity,
  dim: identity,
  bold: identity,
}

/** The style that colours (ANSI SGR). */
export const COLOR: Style = {
  enabled: true,
  red: sgr(31, 39),
  yellow: sgr(33, 39),
  green: sgr(32, 39),
  cyan: sgr(36, 39),
  dim: sgr(2, 22),
  bold: sgr(1, 22),
}

/**
 * Decides whether to colour: never when `NO_COLOR` is set to a non-empty value
 * (https://no-color.org); always when `FORCE_COLOR` is set to a non-empty value other than `0`;
 * otherwise only when the output stream is a terminal that is not `TERM=dumb` (one that shows
 * escape sequences as text, such as Emacs' shell buffers).
 */
export function pickStyle(
  stream: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): Style {
  if (nonEmpty(env['NO_COLOR'])) return PLAIN
  const force = env['FORCE_COLOR']
  if (nonEmpty(force) && force !== '0') return COLOR
  return stream.isTTY === true && env['TERM'] !== 'dumb' ? COLOR : PLAIN
}

/** The status icon of a health: `✓` healthy, `⚠` warning, `✗` critical, `?` unknown. */
export function healthIcon(health: ReportHealth): string {
  return ICONS[health]
}

/** `<icon> <health>` in the health's colour: `✓ healthy` green, `⚠ warning` yellow, `✗ critical` red. */
export function formatHealth(health: ReportHealth, style: Style): string {
  return colourOf(health, style)(`${ICONS[health]} ${health}`)
}

/** The marker of a run that has not ended: `●` (U+25CF). */
export const RUNNING_MARK = '\u25cf'

/** The colour function for a health (unknown is not coloured). */
export function colourOf(health: ReportHealth, style: Style): (text: string) => string {
  switch (health) {
    case 'healthy':
      return style.green
    case 'warning':
      return style.yellow
    case 'critical':
      return style.red
    case 'unknown':
      return identity
  }
}

// --- internal ---

const ICONS: Record<ReportHealth, string> = {
  healthy: '\u2713',
  warning: '\u26a0',
  critical: '\u2717',
  unknown: '?',
}

function identity(text: string): string {
  return text
}

function sgr(open: number, close: number): (text: string) => string {
  return (text) => (text === '' ? text : `\x1b[${open}m${text}\x1b[${close}m`)
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== ''
}
