// @timon/notify-email: the email (SMTP) adapter of the core's Notifier port.

export { EmailNotifier } from './email-notifier.js'
export type { EmailNotifierOptions } from './email-notifier.js'

export { DEFAULT_SMTP_PORTS, emailSchema, parseEmails } from './email-config.js'
export type { EmailConfig, EmailEntry, ParseEmailsOptions, SmtpServer } from './email-config.js'

export { composeEmail } from './email-message.js'
export type { EmailText } from './email-message.js'
