/** Markup that is safe to insert as is: built by {@link html} (which escapes) or {@link trusted}. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

/** What {@link html} accepts: escaped text, numbers, safe markup, lists of them; `null`/`undefined`/`false` print nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[]

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return ESCAPABLE.test(text) ? text.replace(ESCAPABLE_ALL, (c) => ENTITIES[c] ?? c) : text
}

/**
 * A template tag that escapes every interpolated value unless it is already {@link SafeHtml}, so a
 * value can only become markup by passing through here.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '')
  return new SafeHtml(out)
}

/** Marks a constant of this package (never user data) as markup. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup)
}

// --- internal ---

const ESCAPABLE = /[&<>"']/
const ESCAPABLE_ALL = /[&<>"']/g
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.text
  if (typeof value === 'string') return escapeHtml(value)
  if (typeof value === 'number') return String(value)
  if (value === null || value === undefined || typeof value === 'boolean') return ''
  let out = ''
  for (const item of value) out += render(item)
  return out
}
