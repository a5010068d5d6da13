import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { errorMessage } from '@timon/core/lite'
import { caFileField, parseTableArray, readCaFile, type CaFile } from '@timon/http-common'
import {
  checkRemindEvery,
  createNamer,
  eventPatternsField,
  nameField,
  remindEveryField,
  retryField,
  templateField,
  type BodyTemplate,
  type NotifierRetry,
} from '@timon/notify-webhook'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'

/** Where and how to reach the SMTP server, from `smtp` (and `password_file`). */
export interface SmtpServer {
  readonly host: string
  readonly port: number
  /**
   * `true` for `smtps://` (TLS from the first byte, port 465 by default); `false` for `smtp://`
   * (port 587 by default), which upgrades with STARTTLS whenever the server offers it.
   */
  readonly secure: boolean
  /** The user to log in as; `undefined` = no authentication. */
  readonly user?: string
  /** Its password, from the URL or `password_file`. */
  readonly password?: string
}

/** One `[[email]]` of the config, validated, templates compiled, files read. */
export interface EmailConfig {
  /** Its `name`, or `email[<i>]`; unique among the emails. The outbox addresses deliveries by it. */
  readonly name: string
  /** Event patterns, as a webhook's `on`; never empty. */
  readonly on: readonly string[]
  /** Recipients (`ops@example.com` or `Ops <ops@example.com>`); at least one. */
  readonly to: readonly string[]
  /** The sender, same forms as `to`. */
  readonly from: string
  readonly smtp: SmtpServer
  /** CA certificates trusted in addition to the default ones, for this server only. */
  readonly cert?: CaFile
  /** Subject template; default: `[timon] INC-7 db.backup is critical` and the like. */
  readonly subject?: BodyTemplate
  /** Plain-text body template; default: the incident, its timeline and a `timon show` hint. */
  readonly body?: BodyTemplate
  /** `attempts` retries `delay` apart; `timeout` bounds one attempt (connect, log in, send). */
  readonly retry: NotifierRetry
  /** `remind_every` in milliseconds: how often an incident still open or relapsed is reminded (`incident.reminder`); none when absent. */
  readonly remindEveryMs?: number
}

/** The SMTP ports by scheme: submission with STARTTLS, and implicit TLS. */
export const DEFAULT_SMTP_PORTS = { smtp: 587, smtps: 465 } as const

/**
 * The schema of one `[[email]]` table as parsed from TOML. Unknown keys are errors; templates are
 * compiled; `smtp` is parsed into a {@link SmtpServer} (its password never appears in an issue).
 * It does not read `cert` nor `password_file`, nor give names: {@link parseEmails} does.
 */
export const emailSchema = z
  .strictObject(
    {
      name: nameField(),
      on: eventPatternsField(),
      to: z
        .array(addressField(), {
          error: (issue) => (issue.input === undefined ? 'is required' : 'must be an array of addresses'),
        })
        .min(1, 'must not be empty'),
      from: addressField(),
      smtp: z
        .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
        .transform(parseSmtpUrl),
      password_file: z
        .string({ error: 'must be a string (the path of a file holding the password)' })
        .min(1, 'must not be empty')
        .optional(),
      cert: caFileField().optional(),
      subject: templateField().optional(),
      body: templateField().optional(),
      retry: retryField(),
      remind_every: remindEveryField(),
    },
    { error: 'must be a table' },
  )
  .superRefine((entry, ctx) => {
    checkRemindEvery(entry, ctx)
    if (entry.password_file === undefined) return
    if (entry.smtp.user === undefined)
      ctx.addIssue({ code: 'custom', path: ['password_file'], message: 'needs a user in smtp ("smtp://user@host")' })
    if (entry.smtp.password !== undefined)
      ctx.addIssue({ code: 'custom', path: ['password_file'], message: 'cannot be used with a password in smtp' })
  })

/** One `[[email]]` as {@link emailSchema} outputs it: no name given yet, files not read. */
export type EmailEntry = z.output<typeof emailSchema>

/** Options of {@link parseEmails}. */
export interface ParseEmailsOptions {
  /** Relative `cert` and `password_file` paths are resolved against it (the config file's directory); default: cwd. */
  readonly baseDir?: string
  /** Reads a file (default `fs.readFileSync(path, 'utf8')`); throws when it cannot. */
  readonly readFile?: (path: string) => string | Buffer
}

/**
 * Validates the `email` array of a parsed TOML config (`undefined` = no emails) and loads what it
 * needs: templates are compiled, `cert` and `password_file` are read, so every problem is found at
 * load time. Names default to `email[<i>]` and must be unique.
 *
 * @returns the emails in config order, or every issue found, each reading
 *   `email[<i>].<key>: <problem>` (e.g. `email[0].smtp: must be an smtp:// or smtps:// URL, not http:`).
 */
export function parseEmails(input: unknown, options: ParseEmailsOptions = {}): Result<EmailConfig[], string[]> {
  const nameOf = createNamer('email')
  return parseTableArray(
    'email',
    input,
    emailSchema,
    (
      { name: givenName, cert: certPath, password_file: passwordFile, smtp, remind_every: remindEveryMs, ...entry },
      prefix,
      i,
    ) =>
      nameOf(givenName, prefix, i).andThen((name) => {
        const issues: string[] = []
        let cert: CaFile | undefined
        if (certPath !== undefined) {
          const read = readCaFile(certPath, options)
          if (read.isErr()) issues.push(`${prefix}.cert: ${read.error}`)
          else cert = read.value
        }
        let server = smtp
        if (passwordFile !== undefined) {
          const read = readPassword(passwordFile, options)
          if (read.isErr()) issues.push(`${prefix}.password_file: ${read.error}`)
          else server = { ...smtp, password: read.value }
        }
        if (issues.length > 0) return err(issues)
        return ok([{ name, ...entry, remindEveryMs, smtp: server, ...(cert === undefined ? {} : { cert }) }])
      }),
  )
}

// --- internal ---

/** `addr@host` or `Display Name <addr@host>`; no line breaks (they would inject headers). */
const ADDRESS = /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/

function addressField() {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .refine((address) => ADDRESS.test(address.trim()), {
      error: (issue) => `is not an email address: ${JSON.stringify(issue.input)}`,
    })
    .transform((address) => address.trim())
}

/** Parses `smtp[s]://[user[:password]@]host[:port]`; issues never quote the URL (it may hold a password). */
function parseSmtpUrl(text: string, ctx: z.RefinementCtx): SmtpServer {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message })
    return z.NEVER
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return fail('is not a URL (e.g. "smtp://user:password@mail.example.com:587")')
  }
  const scheme = url.protocol.slice(0, -1)
  if (scheme !== 'smtp' && scheme !== 'smtps') return fail(`must be an smtp:// or smtps:// URL, not ${url.protocol}`)
  if (url.hostname === '') return fail('has no host')
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
    return fail('must have no path, query or fragment')
  const decode = (part: string) => (part === '' ? undefined : decodeURIComponent(part))
  const user = decode(url.username)
  const password = decode(url.password)
  if (password !== undefined && user === undefined) return fail('has a password but no user')
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? DEFAULT_SMTP_PORTS[scheme] : Number(url.port),
    secure: scheme === 'smtps',
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
  }
}

function readPassword(path: string, options: ParseEmailsOptions): Result<string, string> {
  const resolved = resolve(options.baseDir ?? process.cwd(), path)
  const readFile = options.readFile ?? ((file: string) => readFileSync(file, 'utf8'))
  let password: string
  try {
    // Only the line break an editor adds is dropped: other spaces may be part of the password.
    password = readFile(resolved)
      .toString()
      .replace(/\r?\n$/, '')
  } catch (error) {
    return err(`cannot read "${resolved}": ${errorMessage(error)}`)
  }
  return password === '' ? err(`"${resolved}" is empty`) : ok(password)
}
