import {
  TRANSPORT_HEADERS,
  caFileField,
  headersField,
  httpUrlProblem,
  parseTableArray,
  readCaFile,
} from '@timon/http-common'
import type { CaFile, HeaderRules } from '@timon/http-common'
import { ok, type Result } from 'neverthrow'
import { z } from 'zod'
import {
  checkRemindEvery,
  createNamer,
  eventPatternsField,
  nameField,
  remindEveryField,
  retryField,
  templateField,
  type NotifierRetry,
} from './notifier-fields.js'
import { PRESET_NAMES, type PresetName, type TelegramChatId } from './presets.js'
import type { BodyTemplate } from './render-body.js'

/**
 * How a webhook's deliveries are retried (`[webhook.retry]`): the timeout covers the whole request
 * and response, and Retry-After replaces the delay when the endpoint sends it.
 */
export type WebhookRetry = NotifierRetry

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
  /** `chat_id` of the telegram preset: a chat's number or a channel's `@username`. */
  readonly chatId?: TelegramChatId
  /** `thread_id` of the telegram preset: the forum topic to post in. */
  readonly threadId?: number
  readonly retry: WebhookRetry
  /** `remind_every` in milliseconds: how often an incident still open or relapsed is reminded (`incident.reminder`); none when absent. */
  readonly remindEveryMs?: number
}

/** Headers Timon sets itself, or that depend on the body: a config cannot set them. */
const HEADER_RULES: HeaderRules = {
  reserved: [...TRANSPORT_HEADERS, 'x-timon-event', 'x-timon-delivery'],
  setBy: 'Timon',
}

const CHAT_ID = 'must be a chat number or a channel "@username"'

const webhookShape = {
  name: nameField(),
  on: eventPatternsField(),
  url: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .superRefine((url, ctx) => {
      const problem = httpUrlProblem(url)
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
    }),
  cert: caFileField().optional(),
  headers: headersField(HEADER_RULES).default({}),
  body: templateField().optional(),
  preset: z.enum(PRESET_NAMES, { error: `must be one of: ${PRESET_NAMES.join(', ')}` }).optional(),
  chat_id: z.union([z.number().int(CHAT_ID), z.string().regex(/^@\w+$/, CHAT_ID)], { error: CHAT_ID }).optional(),
  thread_id: z
    .number({ error: 'must be a forum topic number' })
    .int('must be a forum topic number')
    .positive('must be a forum topic number')
    .optional(),
  retry: retryField(),
  remind_every: remindEveryField(),
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
    checkTelegramKeys(entry, ctx)
    checkRemindEvery(entry, ctx)
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
  .transform(({ chat_id, thread_id, remind_every, ...entry }) => ({
    ...entry,
    remindEveryMs: remind_every,
    ...(chat_id === undefined ? {} : { chatId: chat_id }),
    ...(thread_id === undefined ? {} : { threadId: thread_id }),
  }))

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
  const nameOf = createNamer('webhook')
  return parseTableArray('webhook', input, webhookSchema, ({ name: givenName, cert: certPath, ...entry }, prefix, i) =>
    nameOf(givenName, prefix, i).andThen((name) => {
      if (certPath === undefined) return ok([{ name, ...entry }])
      return readCaFile(certPath, options)
        .map((cert): WebhookConfig[] => [{ name, ...entry, cert }])
        .mapErr((problem) => [`${prefix}.cert: ${problem}`])
    }),
  )
}

// --- internal ---

/**
 * `chat_id` and `thread_id` belong to the telegram preset, which needs `chat_id` (unless a `body`
 * replaces the preset) and the Bot API's `sendMessage` URL, whose path holds the bot token.
 */
function checkTelegramKeys(
  entry: {
    readonly preset?: PresetName | undefined
    readonly body?: BodyTemplate | undefined
    readonly url: string
    readonly chat_id?: unknown
    readonly thread_id?: unknown
  },
  ctx: z.RefinementCtx,
): void {
  if (entry.preset !== 'telegram') {
    for (const key of ['chat_id', 'thread_id'] as const) {
      if (entry[key] !== undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: 'is only used with preset = "telegram"' })
    }
    return
  }
  if (entry.body !== undefined) return
  if (entry.chat_id === undefined)
    ctx.addIssue({ code: 'custom', path: ['chat_id'], message: 'is required by the telegram preset' })
  if (httpUrlProblem(entry.url) === undefined && !/\/bot[^/]+\/sendMessage$/.test(new URL(entry.url).pathname)) {
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message: 'the telegram preset needs the sendMessage URL, e.g. "https://api.telegram.org/bot<token>/sendMessage"',
    })
  }
}
