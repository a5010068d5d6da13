import type { EventName } from '@timon/core'
import type { WebhookPayload } from './payload.js'

/** The services a webhook can target with `preset = "…"`. */
export const PRESET_NAMES = ['discord', 'slack', 'ntfy', 'gotify', 'telegram'] as const
/** One of {@link PRESET_NAMES}. */
export type PresetName = (typeof PRESET_NAMES)[number]

/** The request a preset makes of an event. */
export interface PresetRequest {
  /** Where to POST: the configured URL, except for ntfy (see {@link PRESETS}). */
  readonly url: string
  /** A JSON document in the service's format. */
  readonly body: string
}

/** A Telegram chat: its number (negative for groups) or a public channel's `@username`. */
export type TelegramChatId = number | string

/** What a preset reads of its webhook's config. */
export interface PresetTarget {
  readonly url: string
  /** The telegram preset's `chat_id` (required by it). */
  readonly chatId?: TelegramChatId
  /** The telegram preset's `thread_id`: a forum topic. */
  readonly threadId?: number
}

/** Builds the request a service expects. A webhook's own `body` replaces the whole preset. */
export interface Preset {
  /** The request for `payload`, given the webhook's config. */
  build(payload: WebhookPayload, target: PresetTarget): PresetRequest
}

/**
 * The built-in presets. Each turns an event into a title (`INC-3 opened: db.backup is critical`,
 * `Timon started on prod-1`), a message (the event's note, else the incident's description, else
 * its title) and a tone: alert for `incident.open` / `incident.relapsed`, ok for
 * `incident.recovered` / `incident.resolved`, info for `timon.started`, neutral for
 * `incident.annotated` / `timon.ping`.
 *
 * - `discord`: one embed coloured by tone (red, green, blue, grey, as Argus does), with state,
 *   trigger and host fields; mentions are disabled so a title cannot ping `@everyone`.
 * - `slack`: an incoming-webhook message with a coloured attachment (text escaped for Slack).
 * - `ntfy`: ntfy's JSON publishing. Configure the topic URL (`https://ntfy.sh/my-topic`): the JSON
 *   (with `topic`, `title`, `message`, `priority`, `tags`) is posted to the server's root
 *   (`https://ntfy.sh/`), as ntfy requires, with the URL's query kept.
 * - `gotify`: `{title, message, priority}` for `/message?token=…`; priority 8 for alerts.
 * - `telegram`: the Bot API's `sendMessage` (`https://api.telegram.org/bot<token>/sendMessage`) to
 *   `chat_id`, in the forum topic `thread_id` when set: the state's emoji and the title in bold,
 *   then the description and the note, then the incident code and host; HTML parse mode, every value
 *   escaped (`&`, `<`, `>`), link previews off.
 */
export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  discord: { build: (payload, { url }) => ({ url, body: JSON.stringify(discordBody(payload)) }) },
  slack: { build: (payload, { url }) => ({ url, body: JSON.stringify(slackBody(payload)) }) },
  ntfy: { build: (payload, { url }) => ntfyRequest(payload, url) },
  gotify: { build: (payload, { url }) => ({ url, body: JSON.stringify(gotifyBody(payload)) }) },
  telegram: { build: (payload, target) => ({ url: target.url, body: JSON.stringify(telegramBody(payload, target)) }) },
}

/**
 * What each event is, in a word, for titles and subjects: `opened`, `recovered`, `relapsed`,
 * `resolved`, `annotated`, `reminder`, `ping`, `started`, `test`.
 */
export const EVENT_VERBS: Readonly<Record<EventName, string>> = {
  'incident.open': 'opened',
  'incident.relapsed': 'relapsed',
  'incident.recovered': 'recovered',
  'incident.resolved': 'resolved',
  'incident.annotated': 'annotated',
  'incident.reminder': 'reminder',
  'timon.ping': 'ping',
  'timon.started': 'started',
  'timon.test': 'test',
}

/** The one-line title of a daemon event (`timon.*`): `Timon started on <host>` and the like. */
export function daemonNews(payload: WebhookPayload): string {
  switch (payload._event) {
    case 'timon.started':
      return `Timon started on ${payload._hostname}`
    case 'timon.test':
      return `Timon test notification from ${payload._hostname}`
    default:
      return `Timon ping from ${payload._hostname}`
  }
}

// --- internal ---

type Tone = 'alert' | 'ok' | 'info' | 'neutral'

const TONES: Readonly<Record<EventName, Tone>> = {
  'incident.open': 'alert',
  'incident.relapsed': 'alert',
  'incident.recovered': 'ok',
  'incident.resolved': 'ok',
  'incident.annotated': 'neutral',
  'incident.reminder': 'alert',
  'timon.ping': 'neutral',
  'timon.started': 'info',
  'timon.test': 'info',
}

/** Telegram shows emoji as they are: the state an event leaves the incident in, or the daemon's news. */
const TELEGRAM_EMOJI: Readonly<Record<EventName, string>> = {
  'incident.open': '🔴',
  'incident.relapsed': '🟠',
  'incident.recovered': '🟢',
  'incident.resolved': '✅',
  'incident.annotated': '📝',
  'incident.reminder': '⏰',
  'timon.ping': '🏓',
  'timon.started': '🚀',
  'timon.test': '🧪',
}

/** Telegram counts at most 4096 characters of text; values are cut below that before escaping. */
const TELEGRAM_VALUE_LIMIT = 1500

/** Discord embed colours (decimal RGB): red, green, blue as Argus uses them, and grey. */
const DISCORD_COLORS: Readonly<Record<Tone, number>> = {
  alert: 0xe74c3c,
  ok: 0x2ecc71,
  info: 0x3498db,
  neutral: 0x95a5a6,
}

const GOTIFY_PRIORITIES: Readonly<Record<Tone, number>> = { alert: 8, ok: 5, info: 3, neutral: 2 }

/** ntfy priorities: 1 min … 5 max; 3 is the default. */
const NTFY_PRIORITIES: Readonly<Record<Tone, number>> = { alert: 4, ok: 3, info: 2, neutral: 2 }

/** ntfy shows known tags as emoji. */
const NTFY_TAGS: Readonly<Record<EventName, string>> = {
  'incident.open': 'rotating_light',
  'incident.relapsed': 'warning',
  'incident.recovered': 'white_check_mark',
  'incident.resolved': 'heavy_check_mark',
  'incident.annotated': 'memo',
  'incident.reminder': 'alarm_clock',
  'timon.ping': 'ping_pong',
  'timon.started': 'rocket',
  'timon.test': 'test_tube',
}

interface Summary {
  readonly title: string
  readonly message: string
  readonly tone: Tone
}

function summarize(payload: WebhookPayload): Summary {
  const tone = TONES[payload._event]
  const incident = payload.incident
  if (incident !== undefined) {
    return {
      title: `${incident.code} ${EVENT_VERBS[payload._event]}: ${incident.title}`,
      message: payload.note ?? incident.description ?? incident.title,
      tone,
    }
  }
  const title = daemonNews(payload)
  return { title, message: payload.note ?? title, tone }
}

function discordBody(payload: WebhookPayload): unknown {
  const { title, message, tone } = summarize(payload)
  const fields = [{ name: 'Host', value: limit(payload._hostname, 1024), inline: true }]
  if (payload.incident !== undefined) {
    fields.unshift(
      { name: 'State', value: payload.incident.state, inline: true },
      { name: 'Trigger', value: payload.incident.trigger_type, inline: true },
    )
  }
  return {
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: limit(title, 256),
        description: limit(message, 4096),
        color: DISCORD_COLORS[tone],
        timestamp: payload._timestamp,
        fields,
        footer: { text: 'Timon' },
      },
    ],
  }
}

function slackBody(payload: WebhookPayload): unknown {
  const { title, message, tone } = summarize(payload)
  const fields = [{ title: 'Host', value: escapeHtml(payload._hostname), short: true }]
  if (payload.incident !== undefined) {
    fields.unshift(
      { title: 'State', value: payload.incident.state, short: true },
      { title: 'Trigger', value: payload.incident.trigger_type, short: true },
    )
  }
  return {
    text: escapeHtml(title),
    attachments: [
      {
        color: `#${DISCORD_COLORS[tone].toString(16).padStart(6, '0')}`,
        fallback: escapeHtml(title),
        text: escapeHtml(message),
        fields,
        footer: 'Timon',
        ts: Math.floor(Date.parse(payload._timestamp) / 1000),
      },
    ],
  }
}

function telegramBody(payload: WebhookPayload, target: PresetTarget): unknown {
  const { title } = summarize(payload)
  const text = (value: string) => escapeHtml(limit(value, TELEGRAM_VALUE_LIMIT))
  const lines = [`${TELEGRAM_EMOJI[payload._event]} <b>${text(title)}</b>`]
  const incident = payload.incident
  if (incident?.description != null) lines.push(text(incident.description))
  if (payload.note !== undefined && payload.note !== incident?.description) lines.push(`<i>${text(payload.note)}</i>`)
  const where = escapeHtml(payload._hostname)
  lines.push(incident === undefined ? where : `<code>${incident.code}</code> · ${incident.state} · ${where}`)
  return {
    chat_id: target.chatId,
    ...(target.threadId === undefined ? {} : { message_thread_id: target.threadId }),
    text: lines.join('\n'),
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  }
}

function ntfyRequest(payload: WebhookPayload, url: string): PresetRequest {
  const { title, message, tone } = summarize(payload)
  const target = new URL(url)
  const segments = target.pathname.split('/')
  const topic = decodeURIComponent(segments.pop() ?? '')
  target.pathname = `${segments.join('/')}/`
  const body = {
    topic,
    title,
    message: `${message}\n(${payload._hostname})`,
    priority: NTFY_PRIORITIES[tone],
    tags: [NTFY_TAGS[payload._event]],
  }
  return { url: target.toString(), body: JSON.stringify(body) }
}

function gotifyBody(payload: WebhookPayload): unknown {
  const { title, message, tone } = summarize(payload)
  return { title, message: `${message}\n(${payload._hostname})`, priority: GOTIFY_PRIORITIES[tone] }
}

/** Cuts to at most `max` UTF-16 units with an ellipsis, never inside a surrogate pair. */
function limit(text: string, max: number): string {
  if (text.length <= max) return text
  let cut = max - 1
  const last = text.charCodeAt(cut - 1)
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1
  return `${text.slice(0, cut)}…`
}

/** Slack's mrkdwn and Telegram's HTML both need `&`, `<` and `>` escaped (`&` first). */
function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
