import { EVENT_NAMES } from '@timon/core'
import { TRANSPORT_HEADERS, caFileField, durationField, headersField, httpUrlProblem, parseTableArray, readCaFile } from '@timon/http-common'
import type { CaFile, HeaderRules } from '@timon/http-common'
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
export type WebhookCert = CaFile

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

/** Headers Timon sets itself, or that depend on the body: a config cannot set them. */
const HEADER_RULES: HeaderRules = { reserved: [...TRANSPORT_HEADERS, 'x-timon-event', 'x-timon-delivery'], setBy: 'Timon' }

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
      const problem = httpUrlProblem(url)
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
    }),
  cert: caFileField().optional(),
  headers: headersField(HEADER_RULES).default({}),
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
        timeout: durationField().default(10_000),
        delay: durationField({ allowZero: true }).default(5_000),
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
    if (entry.preset === 'ntfy' && entry.body === undefined && httpUrlProblem(entry.url) === undefined) {
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
  const seen = new Map<string, number>()
  return parseTableArray('webhook', input, webhookSchema, ({ name: givenName, cert: certPath, ...entry }, prefix, i) => {
    const name = givenName ?? prefix
    const first = seen.get(name)
    if (first !== undefined) return err([`${prefix}.name: "${name}" is already the name of webhook[${first}]`])
    seen.set(name, i)
    if (certPath === undefined) return ok([{ name, ...entry }])
    return readCaFile(certPath, options)
      .map((cert): WebhookConfig[] => [{ name, ...entry, cert }])
      .mapErr((problem) => [`${prefix}.cert: ${problem}`])
  })
}
