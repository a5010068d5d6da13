import { errorMessage } from '@timon/core/lite'
import Mustache from 'mustache'
import { err, ok, type Result } from 'neverthrow'
import type { WebhookPayload } from './payload.js'

/** Mustache's token tree: `[type, name, start, end, children?, …]`. */
type MustacheTokens = string[][]

/** A webhook `body` template, parsed once at load time by {@link compileBody}. */
export class BodyTemplate {
  /** The template as written in the config. */
  readonly source: string
  readonly #tokens: MustacheTokens

  /** Use {@link compileBody}, which validates the template; this constructor trusts its input. */
  constructor(source: string, tokens: MustacheTokens) {
    this.source = source
    this.#tokens = tokens
  }

  /** Renders the template with `payload` as the view (see {@link renderBody}). */
  render(payload: WebhookPayload): string {
    const view = { ...payload, json: jsonLambda, urlencode: urlencodeLambda }
    return writer.renderTokens(this.#tokens, new Mustache.Context(view), undefined, this.source, RAW)
  }
}

/**
 * Parses a webhook `body` as a Mustache template, so that a template that does not parse is a
 * configuration error found at load time, not a failure at send time.
 *
 * Besides Mustache's own parse errors (an unclosed tag or section), it rejects what would render
 * garbage: the lambdas used as plain variables (`{{json}}` instead of `{{#json}}…{{/json}}`) and
 * partials (`{{> name}}`, there are none).
 *
 * @returns the parsed template, or a message such as `Unclosed section "json" at 25`.
 */
export function compileBody(source: string): Result<BodyTemplate, string> {
  let tokens: MustacheTokens
  try {
    tokens = writer.parse(source) as MustacheTokens
  } catch (error) {
    return err(errorMessage(error))
  }
  const problem = findMisuse(tokens)
  return problem === undefined ? ok(new BodyTemplate(source, tokens)) : err(problem)
}

/**
 * Renders a webhook body.
 *
 * With a template: Mustache with the payload as the view and **no HTML escaping** (`{{x}}` and
 * `{{{x}}}` are the same), plus two section lambdas that act on their rendered inner text:
 * `{{#json}}…{{/json}}` JSON-encodes it as a string (quotes, newlines, non-ASCII and emoji come
 * out as valid JSON), and `{{#urlencode}}…{{/urlencode}}` query-escapes it (spaces become `+`, as
 * Go's `url.QueryEscape`). A missing key renders as nothing.
 *
 * Without a template: the payload itself as JSON.
 */
export function renderBody(payload: WebhookPayload, template?: BodyTemplate): string {
  return template === undefined ? JSON.stringify(payload) : template.render(payload)
}

/**
 * Query-escapes a string as Go's `url.QueryEscape` does: every byte but `A–Z a–z 0–9 - _ . ~` is
 * percent-encoded (UTF-8), and a space becomes `+`.
 */
export function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')
}

// --- internal ---

/** A private writer, so the template cache and settings are not shared with other Mustache users. */
const writer = new Mustache.Writer()

/** Identity escaping: bodies are JSON or text, never HTML. */
const RAW: Mustache.RenderOptions = { escape: (value: unknown) => String(value) }

const LAMBDAS = new Set(['json', 'urlencode'])

type SubRender = (text: string) => string

// mustache.js calls a function found in the view first, and uses what it returns as the section
// lambda: hence the function returning a function.
const jsonLambda = () => (text: string, render: SubRender) => JSON.stringify(render(text))
const urlencodeLambda = () => (text: string, render: SubRender) => queryEscape(render(text))

function findMisuse(tokens: readonly (readonly unknown[])[]): string | undefined {
  for (const token of tokens) {
    const [type, name, start] = token as [string, string, number]
    if ((type === 'name' || type === '&') && LAMBDAS.has(name)) {
      return `"${name}" is a section lambda: write {{#${name}}}…{{/${name}}} (at ${start})`
    }
    if (type === '>') return `partials are not supported: {{> ${name}}} (at ${start})`
    const children = token[4]
    if (Array.isArray(children)) {
      const inner = findMisuse(children as readonly (readonly unknown[])[])
      if (inner !== undefined) return inner
    }
  }
  return undefined
}
