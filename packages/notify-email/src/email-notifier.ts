import { SILENT_LOG, type Delivery, type DeliveryOutcome, type LogSink } from '@timon/core'
import { errorMessage } from '@timon/core/lite'
import { defaultCertificates } from '@timon/http-common'
import { buildPayload, defaultHostname, ConfiguredNotifier } from '@timon/notify-webhook'
import nodemailer, { type SendMailOptions, type SMTPPoolSentMessageInfo, type Transporter } from 'nodemailer'
import type { EmailConfig } from './email-config.js'
import { composeEmail } from './email-message.js'

/** Options of an {@link EmailNotifier}. */
export interface EmailNotifierOptions {
  /** The emails, in config order (from `parseEmails`). */
  readonly emails: readonly EmailConfig[]
  /** `_hostname` of the payloads and the domain of Message-IDs; default: the OS hostname, else `localhost`. */
  readonly hostname?: string
  /** SMTP connections kept open per email at most; default 2 (the Dispatcher's attempts per target). */
  readonly connections?: number
  /** Default: silent. Successes are logged at debug, retryable failures at warn, final ones at error. */
  readonly logger?: LogSink
}

/**
 * The email adapter of the core's `Notifier` port: it routes events to the `[[email]]` targets
 * whose `on` matches and makes one SMTP attempt per {@link deliver} call. Retries, their spacing
 * and their persistence belong to the core's `Dispatcher` and the outbox; this class never sleeps.
 *
 * Each email has a pool of SMTP connections of its own (nodemailer's pooled transport), reused
 * from message to message. `smtp://` upgrades with STARTTLS whenever the server offers it;
 * `smtps://` is TLS from the start; with `cert`, that server may also present a certificate of
 * that CA. Each message carries `X-Timon-Event`, `X-Timon-Delivery` and a Message-ID made of the
 * delivery id, the same on every retry, so that duplicates can be recognised.
 *
 * Outcomes: accepted by the server is delivered. An SMTP 5xx answer (a refused recipient or
 * sender, failed authentication, a refused message) is final, its reason quoting the server; a
 * recipient refused while others accepted the message is final too (a retry would send it to
 * them again), and says who got it. A 4xx answer, a dropped or refused connection, a TLS error
 * or the `retry.timeout` of the attempt is retried.
 */
export class EmailNotifier extends ConfiguredNotifier<Target> {
  readonly #hostname: string
  readonly #logger: LogSink

  constructor(options: EmailNotifierOptions) {
    const connections = options.connections ?? 2
    super(
      options.emails.map((config) => ({ config, transport: createTransport(config, connections) })),
      (target) => target.config,
    )
    this.#hostname = options.hostname ?? defaultHostname()
    this.#logger = options.logger ?? SILENT_LOG
  }

  /**
   * Sends `delivery` once to its email's recipients, bounded by `retry.timeout`. It never throws
   * for a delivery failure: the outcome says what happened.
   */
  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const target = this.target(delivery.target)
    if (target === undefined) return { ok: false, error: `no email named "${delivery.target}"`, final: true }
    const { config } = target
    const what = `email "${config.name}": ${delivery.event.name} (delivery ${delivery.deliveryId}, attempt ${delivery.attempts + 1})`

    let message: SendMailOptions
    try {
      const { subject, text } = composeEmail(buildPayload(delivery.event, this.#hostname), config)
      message = {
        from: config.from,
        to: [...config.to],
        subject,
        text,
        messageId: `<${delivery.deliveryId}@${this.#hostname}>`,
        headers: { 'X-Timon-Event': delivery.event.name, 'X-Timon-Delivery': delivery.deliveryId },
      }
    } catch (error) {
      const outcome = { ok: false, error: `cannot build the message: ${errorMessage(error)}`, final: true } as const
      this.#logger.error(`${what} failed: ${outcome.error}`)
      return outcome
    }

    const started = performance.now()
    const outcome = await send(target, message)
    const took = `${Math.round(performance.now() - started)}ms`
    if (outcome.ok) this.#logger.debug(`${what} delivered in ${took}`)
    else if (outcome.final === true) this.#logger.error(`${what} failed for good after ${took}: ${outcome.error}`)
    else this.#logger.warn(`${what} failed after ${took}: ${outcome.error}`)
    return outcome
  }

  /** Closes the pooled connections. Attempts in flight fail; the notifier must not be used after. */
  close(): void {
    for (const target of this.targets) target.transport.close()
  }
}

// --- internal ---

interface Target {
  readonly config: EmailConfig
  readonly transport: Transporter<SMTPPoolSentMessageInfo>
}

/** The server's text quoted in an error, at most. */
const QUOTED_CHARS = 200
/** The longest timer Node can arm (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1

function createTransport(config: EmailConfig, connections: number): Transporter<SMTPPoolSentMessageInfo> {
  const { host, port, secure, user, password } = config.smtp
  const timeout = Math.min(config.retry.timeoutMs, MAX_TIMER_MS)
  return nodemailer.createTransport({
    pool: true,
    maxConnections: connections,
    host,
    port,
    secure,
    ...(user === undefined ? {} : { auth: { user, pass: password ?? '' } }),
    ...(config.cert === undefined ? {} : { tls: { ca: [...defaultCertificates(), config.cert.pem] } }),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  })
}

/** What nodemailer puts on its errors and results (see its smtp-connection `_formatError`). */
interface SmtpReply {
  readonly code?: string
  readonly responseCode?: number
  readonly response?: string
  readonly command?: string
  readonly recipient?: string
  readonly message?: string
}

interface SentInfo {
  readonly accepted?: readonly unknown[]
  readonly rejected?: readonly unknown[]
  readonly rejectedErrors?: readonly SmtpReply[]
}

/** One sendMail through the pool, bounded by the email's timeout (a queued message counts too). */
async function send(target: Target, message: SendMailOptions): Promise<DeliveryOutcome> {
  const timeoutMs = Math.min(Math.max(1, target.config.retry.timeoutMs), MAX_TIMER_MS)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<DeliveryOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `timed out after ${timeoutMs}ms` }), timeoutMs)
  })
  const sent = target.transport
    .sendMail(message)
    .then((info): DeliveryOutcome => classifySent(info as SentInfo), classifyError)
  try {
    return await Promise.race([sent, timedOut])
  } finally {
    clearTimeout(timer)
  }
}

function classifySent(info: SentInfo): DeliveryOutcome {
  const refused = info.rejectedErrors ?? []
  if (refused.length === 0) return { ok: true }
  // Some recipients have it: a retry would send it to them again, so the refusal is final.
  const gotIt = (info.accepted ?? []).map(String).join(', ')
  return { ok: false, error: `${refused.map(describeRefusal).join('; ')} (delivered to ${gotIt})`, final: true }
}

function classifyError(error: unknown): DeliveryOutcome {
  const reply = (typeof error === 'object' && error !== null ? error : {}) as SmtpReply & {
    readonly rejectedErrors?: readonly SmtpReply[]
  }
  const refusals = reply.rejectedErrors ?? []
  const describe = refusals.length > 0 ? refusals.map(describeRefusal).join('; ') : describeReply(reply, error)
  // Only the server's own 5xx is final; a 4xx, or no answer at all, may pass.
  const codes = refusals.length > 0 ? refusals.map((r) => r.responseCode) : [reply.responseCode]
  const final = codes.every((code) => code !== undefined && code >= 500)
  return final ? { ok: false, error: describe, final: true } : { ok: false, error: describe }
}

function describeRefusal(refusal: SmtpReply): string {
  return `recipient <${refusal.recipient ?? '?'}> refused: ${quote(refusal.response ?? refusal.message ?? '')}`
}

function describeReply(reply: SmtpReply, error: unknown): string {
  if (reply.response !== undefined) return `${reply.command ?? 'SMTP'} refused: ${quote(reply.response)}`
  const message = errorMessage(error)
  return reply.code === undefined || message.includes(reply.code) ? message : `${message} (${reply.code})`
}

function quote(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length <= QUOTED_CHARS ? line : `${line.slice(0, QUOTED_CHARS)}…`
}
