import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { validateHeaderName, validateHeaderValue } from 'node:http'
import { resolve } from 'node:path'
import { EVENT_NAMES, parseDuration } from '@timon/core'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'
import { matchEvent } from './match-event.js'
import { PRESET_NAMES, type PresetName } from './presets.js'
import { compileBody, type BodyTemplate } from './render-body.js'

/** How a webhook's deliveries are retried (`[webhook.retry]`). */
export interface WebhookRetry {
  /** Retries after the first attempt; 0 = none. Default 5. */
  readonly attempts: number
  /** Per-attempt timeout in milliseconds (the whole request and response). Default 10 s. */
  readonly timeoutMs: number
  /** Milliseconds between attempts, unless the endpoint sends Retry-After. Default 5 s. */
  readonly delayMs: number
}

/** The CA certificate(s) a webhook trusts in addition to the system's, read at load time. */
export interface WebhookCert {
  /** The file, resolved against the config file's directory. */
  readonly path: string
  /** Its PEM text (one or more certificates). */
  readonly pem: string
}

/** One `[[webhook]]` of the config, validated, with its body template compiled. */
export interface WebhookConfig {
  /** Its `name`, or `webhook[<i>]`; unique. The outbox addresses deliveries by it. */
  readonly name: string
  /** Event patterns (see `matchEvent`); never empty. */
  readonly on: readonly string[]
  /** An `http:` or `https:` URL. */
  readonly url: string
  readonly cert?: WebhookCert
  /** Extra request headers; they may override `Content-Type` and `User-Agent`. */
  readonly headers: Readonly<Record<string, string>>
  /** The body template; without one the preset's body, else the payload as JSON. */
  readonly body?: BodyTemplate
  readonly preset?: PresetName
  readonly retry: WebhookRetry
}

const webhookShape = {
  name: z
    .string({ error: 'must be a string' })
    .refine((name) => name.trim() !== '', 'must not be empty')
    .optional(),
  on: z
    .array(
      z
        .string({ error: 'must be a string' })
        .refine((pattern) => EVENT_NAMES.some((event) => matchEvent(pattern, event)), {
          message: `matches no event (events: ${EVENT_NAMES.join(', ')}; wildcards: "*", "incident.*", "*.open")`,
        }),
      { error: (issue) => (issue.input === undefined ? 'is required' : 'must be an array of event names') },
    )
    .min(1, 'must not be empty'),
  url: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .superRefine((url, ctx) => {
      const problem = checkUrl(url)
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
    }),
  cert: z
    .string({ error: 'must be a string (the path of a PEM CA file)' })
    .refine((path) => path !== '', 'must not be empty')
    .optional(),
  headers: z
    .record(z.string(), z.string({ error: 'must be a string' }), { error: 'must be a table of strings' })
    .superRefine(checkHeaders)
    .default({}),
  body: z
    .string({ error: 'must be a string' })
    .transform((source, ctx): BodyTemplate => {
      const compiled = compileBody(source)
      if (compiled.isOk()) return compiled.value
      ctx.addIssue({ code: 'custom', message: `template does not parse: ${compiled.error}` })
      return z.NEVER
    })
    .optional(),
  preset: z.enum(PRESET_NAMES, { error: `must be one of: ${PRESET_NAMES.join(', ')}` }).optional(),
  retry: z
    .strictObject(
      {
        attempts: z
          .number({ error: 'must be an integer >= 0' })
          .int('must be an integer >= 0')
          .min(0, 'must be an integer >= 0')
          .default(5),
        timeout: durationString({ positive: true }).default(10_000),
        delay: durationString({ positive: false }).default(5_000),
      },
      { error: 'must be a table' },
    )
    .transform(({ attempts, timeout, delay }): WebhookRetry => ({ attempts, timeoutMs: timeout, delayMs: delay }))
    .default({ attempts: 5, timeoutMs: 10_000, delayMs: 5_000 }),
}

/**
 * The schema of one `[[webhook]]` table as parsed from TOML (the one shared with the daemon's
 * config loader). Unknown keys are errors; durations are strings such as `"10s"`; the `body` is
 * compiled, so a template that does not parse is an issue here. It does not read `cert` nor give
 * names: {@link parseWebhooks} does, as they involve the file system and the whole list.
 */
export const webhookSchema = z
  .strictObject(webhookShape, { error: 'must be a table' })
  .superRefine((entry, ctx) => {
    if (entry.preset === 'ntfy' && entry.body === undefined && checkUrl(entry.url) === undefined) {
      if (!/\/[^/]+$/.test(new URL(entry.url).pathname)) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'the ntfy preset needs the topic URL, e.g. "https://ntfy.sh/my-topic"',
        })
      }
    }
  })

/** One `[[webhook]]` as {@link webhookSchema} outputs it: no name given yet, cert not read. */
export type WebhookEntry = z.output<typeof webhookSchema>

/** Options of {@link parseWebhooks}. */
export interface ParseWebhooksOptions {
  /** Relative `cert` paths are resolved against it (the config file's directory); default: cwd. */
  readonly baseDir?: string
  /** Reads a cert file (default `fs.readFileSync(path, 'utf8')`); throws when it cannot. */
  readonly readFile?: (path: string) => string | Buffer
}

/**
 * Validates the `webhook` array of a parsed TOML config (`undefined` = no webhooks) and loads what
 * it needs: body templates are compiled and `cert` files are read and checked, so every problem is
 * found at load time. Names default to `webhook[<i>]` and must be unique.
 *
 * @returns the webhooks in config order, or every issue found, each reading
 *   `webhook[<i>].<key>: <problem>` (e.g. `webhook[1].retry.timeout: invalid duration "x"`).
 */
export function parseWebhooks(input: unknown, options: ParseWebhooksOptions = {}): Result<WebhookConfig[], string[]> {
  if (input === undefined) return ok([])
  if (!Array.isArray(input)) return err(['webhook: must be an array of tables ([[webhook]])'])
  const issues: string[] = []
  const webhooks: WebhookConfig[] = []
  const seen = new Map<string, number>()
  input.forEach((raw: unknown, i) => {
    const prefix = `webhook[${i}]`
    const parsed = webhookSchema.safeParse(raw)
    if (!parsed.success) {
      issues.push(...parsed.error.issues.flatMap((issue) => formatIssue(prefix, issue)))
      return
    }
    const { name: givenName, cert: certPath, ...entry } = parsed.data
    const name = givenName ?? prefix
    const first = seen.get(name)
    if (first !== undefined) {
      issues.push(`${prefix}.name: "${name}" is already the name of webhook[${first}]`)
      return
    }
    seen.set(name, i)
    if (certPath === undefined) {
      webhooks.push({ name, ...entry })
      return
    }
    const cert = readCert(resolve(options.baseDir ?? process.cwd(), certPath), options.readFile)
    if (cert.isErr()) issues.push(`${prefix}.cert: ${cert.error}`)
    else webhooks.push({ name, ...entry, cert: cert.value })
  })
  return issues.length === 0 ? ok(webhooks) : err(issues)
}

// --- internal ---

/** Headers Timon sets itself, or that depend on the body: a config cannot set them. */
const RESERVED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'x-timon-event', 'x-timon-delivery'])

function durationString({ positive }: { positive: boolean }) {
  return z.string({ error: 'must be a duration string such as "10s"' }).transform((text, ctx): number => {
    const parsed = parseDuration(text)
    if (parsed.isErr()) {
      ctx.addIssue({ code: 'custom', message: parsed.error.message })
      return z.NEVER
    }
    if (positive && parsed.value <= 0) {
      ctx.addIssue({ code: 'custom', message: 'must be greater than 0' })
      return z.NEVER
    }
    return parsed.value
  })
}

function checkUrl(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `invalid url "${url}"`
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `must be an http:// or https:// URL, not ${parsed.protocol}`
  }
  return undefined
}

function checkHeaders(headers: Record<string, string>, ctx: z.RefinementCtx): void {
  const lower = new Map<string, string>()
  for (const [name, value] of Object.entries(headers)) {
    const problem = headerProblem(name, value, lower.get(name.toLowerCase()))
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: problem })
    lower.set(name.toLowerCase(), name)
  }
}

function headerProblem(name: string, value: string, sameName: string | undefined): string | undefined {
  try {
    validateHeaderName(name)
  } catch {
    return 'is not a valid header name'
  }
  try {
    validateHeaderValue(name, value)
  } catch {
    return 'has a value with invalid characters (such as a newline)'
  }
  if (RESERVED_HEADERS.has(name.toLowerCase())) return 'is set by Timon and cannot be configured'
  if (sameName !== undefined) return `is the same header as "${sameName}" (names are case-insensitive)`
  return undefined
}

function formatIssue(prefix: string, issue: z.core.$ZodIssue): string[] {
  const at = prefix + issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${at}.${key}: unknown key`)
  return [`${at}: ${issue.message}`]
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

function readCert(path: string, readFile: ParseWebhooksOptions['readFile']): Result<WebhookCert, string> {
  let pem: string
  try {
    pem = (readFile ?? ((file: string) => readFileSync(file, 'utf8')))(path).toString()
  } catch (error) {
    return err(`cannot read "${path}": ${error instanceof Error ? error.message : String(error)}`)
  }
  const blocks = pem.match(PEM_CERTIFICATE) ?? []
  if (blocks.length === 0) return err(`"${path}" holds no PEM certificate`)
  for (const block of blocks) {
    try {
      // Reading the key too: the constructor alone accepts some garbage, and so does TLS's `ca`.
      void new X509Certificate(block).publicKey
    } catch (error) {
      return err(`"${path}" holds an invalid certificate: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return ok({ path, pem })
}
