// @timon/notify-webhook: the webhook adapter of the core's Notifier port.

export { WebhookNotifier, parseRetryAfter } from './webhook-notifier.js'
export type { WebhookLogger, WebhookNotifierOptions } from './webhook-notifier.js'

export { parseWebhooks, webhookSchema } from './webhook-config.js'
export type { ParseWebhooksOptions, WebhookCert, WebhookConfig, WebhookEntry, WebhookRetry } from './webhook-config.js'

export { matchEvent, matchesAny } from './match-event.js'
export { buildPayload, formatRfc3339 } from './payload.js'
export type { IncidentPayload, WebhookPayload } from './payload.js'
export { BodyTemplate, compileBody, queryEscape, renderBody } from './render-body.js'
export { EVENT_VERBS, PRESETS, PRESET_NAMES, daemonNews } from './presets.js'
export type { Preset, PresetName, PresetRequest, PresetTarget, TelegramChatId } from './presets.js'

// The keys every notifier table shares, for the other notifiers (@timon/notify-email, @timon/notify-command).
export {
  RETRY_DEFAULTS,
  createNamer,
  eventPatternsField,
  nameField,
  checkRemindEvery,
  remindEveryField,
  retryField,
  retryWithoutTimeoutField,
  templateField,
} from './notifier-fields.js'
export type { NotifierRetry } from './notifier-fields.js'
export { ConfiguredNotifier, defaultHostname } from './configured-notifier.js'
export type { TargetConfig } from './configured-notifier.js'
