import { readFileSync } from 'node:fs'
import { hostname as osHostname } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import {
  DEFAULT_MAX_PUSH_AGE_MS,
  checkCodeGlob,
  errorMessage,
  formatIssues,
  formatGoDuration,
  isTimeZone,
  parseDuration,
  parseSchedule,
  type MaintenanceWindow,
} from '@timon/core'
import { parseCommands, type CommandConfig } from '@timon/notify-command'
import { parseEmails, type EmailConfig } from '@timon/notify-email'
import { parseWebhooks, type WebhookConfig } from '@timon/notify-webhook'
import { parseChecks, type HttpCheck } from '@timon/poll-http'
import { parseSystemChecks, type SystemCheck } from '@timon/poll-system'
import { err, ok, type Result } from 'neverthrow'
import { parse as parseToml } from 'smol-toml'
import { z } from 'zod'
import { LOG_LEVELS, type LogLevel } from '../logger.js'
import { formatBytes, parseByteSize } from '../run-logs/byte-size.js'
import { DEFAULT_MAX_LOG_BYTES, MAX_FOLLOWERS } from '../run-logs/store.js'
import { MIN_LOG_BYTES } from '../run-logs/writer.js'
import { DEFAULT_MAX_CONNECTIONS } from '../http/connection-guard.js'
import { parseRate } from '../http/rate-limit.js'
import { findConfigFile, resolveSocket, type Env, type OwnDirectory } from '@timon/client'
import { defaultDataDir } from './paths.js'
import { resolveStoreConfig, storeSchema, type StoreConfig } from './store-config.js'
import { parsePlugins, type PluginConfig } from '../plugins/plugin-config.js'

/** The daemon's configuration, validated, with every default applied and every path absolute. */
export interface DaemonConfig {
  /** The file it was read from; `undefined` when no file was found (all defaults). */
  readonly path: string | undefined
  /** `_hostname` of webhook payloads (`[daemon] hostname`; default: the OS hostname, else `localhost`). */
  readonly hostname: string
  /**
   * `[daemon] name`, default the OS hostname: how this daemon is known among the daemons sharing a
   * database (`timon status`, the `daemon` key of `timon.*` events). Unique per database.
   */
  readonly name: string
  /** `[store]`: SQLite in `data_dir` (default) or PostgreSQL. */
  readonly store: StoreConfig
  /** Where `timon.db` lives (`[daemon] data_dir`; default: see `defaultDataDir`). Created 0750. */
  readonly dataDir: string
  /** Logs are appended to `<logDir>/timon.log` when set; they go to stdout otherwise. */
  readonly logDir: string | undefined
  /** `[daemon] log_level`, default `info`. */
  readonly logLevel: LogLevel
  /** `[daemon] ping_interval` in milliseconds; `undefined` = no `timon.ping` (the default). */
  readonly pingIntervalMs: number | undefined
  /** `[daemon] max_push_age` in milliseconds: how old a push's original time (`at`) may be (default 24h). */
  readonly maxPushAgeMs: number
  /** `[daemon] timezone`: the IANA zone of schedules given without `--tz`; default `UTC`. */
  readonly timezone: string
  /**
   * The socket path: `TIMON_SOCKET`, else `[daemon] socket`, else the default place
   * (`/run/timon/timon.sock` for root; `$XDG_RUNTIME_DIR/timon.sock`, else
   * `/run/user/<uid>/timon.sock` when that directory exists, else `/tmp/timon-<uid>/timon.sock`).
   */
  readonly socket: string
  /**
   * For a default socket in Timon's own directory (`/run/timon`, `/tmp/timon-<uid>`): that
   * directory, which the daemon creates with its mode, or refuses when someone else owns it or it
   * is open to others. Absent for a named socket.
   */
  readonly socketDirectory?: OwnDirectory | undefined
  /** The socket's file mode (`[daemon] socket_mode`, default 0600). */
  readonly socketMode: number
  /** The socket's group (`[daemon] socket_group`: a name or a numeric gid), if any. */
  readonly socketGroup: string | undefined
  /** The `[[webhook]]` tables, in order. */
  readonly webhooks: readonly WebhookConfig[]
  /** The `[[email]]` tables, in order. */
  readonly emails: readonly EmailConfig[]
  /** The `[[command]]` tables, in order. */
  readonly commands: readonly CommandConfig[]
  /** `[notify]`: how notifications are routed. Target names are unique across webhooks, emails and commands. */
  readonly notify: NotifyConfig
  /** The `[[check]]` tables (HTTP health checks the daemon polls), one per probe, in order. */
  readonly checks: readonly HttpCheck[]
  /** The `[[check]]` tables of the other types (`command`, `tcp`, `tls`, `disk`, `system`), in order. */
  readonly systemChecks: readonly SystemCheck[]
  /** The `[[plugin]]` tables, in order (their modules are loaded when the daemon starts). */
  readonly plugins: readonly PluginConfig[]
  /** `[exec]`: the run logs of `timon exec`. */
  readonly exec: ExecConfig
  /** `[http]`: the TCP listener. */
  readonly http: HttpConfig
  /** The `[[maintenance]]` tables: windows that silence their codes' notifications (docs/behaviour.md#silences). */
  readonly maintenance: readonly MaintenanceWindow[]
}

/** The `[http]` table: the API over TCP, with bearer tokens. */
export interface HttpConfig {
  /** `listen`: the addresses to listen on (none by default: no TCP listener); port 0 picks a free port. */
  readonly listen: readonly ListenAddress[]
  /** `tls_cert` and `tls_key`, read at start: HTTPS when set. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined
  /** `max_connections`: open connections per listener, the Unix socket's included (default 512). */
  readonly maxConnections: number
  /** `rate_limit` (`"50/s"`, `"600/m"`) in requests per second per token; `undefined` = off (the default). */
  readonly rateLimitPerSecond: number | undefined
  /** `public_status`: serve the dashboard's read-only `/status` page of `publicCodes` without a token (default false). */
  readonly publicStatus: boolean
  /** `public_codes`: code globs (`web.*`) shown on `/status` and whose badges need no token (default none). */
  readonly publicCodes: readonly string[]
  /** `public_metrics`: serve `/metrics` without a token (default false: the `read` scope). */
  readonly publicMetrics: boolean
}

/** A `host:port` of `[http] listen` (IPv6 in brackets: `[::1]:8923`). */
export interface ListenAddress {
  readonly host: string
  readonly port: number
}

/** The `[notify]` table. */
export interface NotifyConfig {
  /**
   * `TIMON_NOTIFY_TEST_TARGET`, else `[notify] test_target`: while set, every notification of
   * every target goes to this target only, marked with the target it was meant for.
   */
  readonly testTarget: string | undefined
}

/** The `[exec]` table: where `timon exec` run logs are kept and how large they may grow. */
export interface ExecConfig {
  /** `[exec] log_dir`, default `<data_dir>/logs`; each run's log is `<logDir>/<code>/<uid>.log`. */
  readonly logDir: string
  /** `[exec] max_log_size` in bytes (`"10MiB"`, `"512KiB"`, or a number of bytes), default 10 MiB. */
  readonly maxLogBytes: number
  /** `[exec] max_followers`: readers following logs at once (`timon logs --follow`), default 64; beyond, 429. */
  readonly maxFollowers: number
}

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** The file the input came from, if any (reported in `DaemonConfig.path`). */
  readonly path?: string | undefined
  /** Relative paths (`data_dir`, `log_dir`, `socket`, webhook `cert`) resolve against it; default: cwd. */
  readonly baseDir?: string
  /** For `TIMON_SOCKET`, `TIMON_DATABASE_URL`, `TIMON_NOTIFY_TEST_TARGET`, `XDG_RUNTIME_DIR`, `XDG_STATE_HOME` and `HOME`; default `process.env`. */
  readonly env?: Env
  /** The default hostname; default: the OS hostname, else `localhost`. */
  readonly hostname?: string
  /** The user id, for the default `data_dir` and socket (root gets `/var/lib/timon`, `/run/timon`); default: the process's. */
  readonly uid?: number | undefined
  /** Whether a directory exists (`/run/user/<uid>`, for the default socket); default: the file system's answer. */
  readonly isDirectory?: (path: string) => boolean
  /** Reads a webhook or email `cert` file or an email `password_file` (tests); default: `fs.readFileSync`. */
  readonly readFile?: (path: string) => string | Buffer
}

/** The smallest `ping_interval` accepted, in milliseconds: anything shorter would flood the outbox. */
export const MIN_PING_INTERVAL_MS = 1000

/**
 * Validates a parsed TOML config (`{}` for none) and applies the defaults. Pure apart from reading
 * webhook `cert` files. Unknown keys are errors.
 *
 * @returns the config; or every issue found, each `path.to.key: what is wrong`
 *   (`daemon.log_level: unknown level "x", must be one of: silent, fatal, error, warn, info, debug`).
 */
export function parseConfig(input: unknown, options: ParseConfigOptions = {}): Result<DaemonConfig, string[]> {
  const env = options.env ?? process.env
  const baseDir = options.baseDir ?? process.cwd()
  const parsed = configSchema.safeParse(input)
  const issues = parsed.success ? [] : formatIssues('', parsed.error.issues)
  const files = { baseDir, ...(options.readFile === undefined ? {} : { readFile: options.readFile }) }
  const webhooks = parseWebhooks(isTable(input) ? input.webhook : undefined, files)
  if (webhooks.isErr()) issues.push(...webhooks.error)
  const emails = parseEmails(isTable(input) ? input.email : undefined, files)
  if (emails.isErr()) issues.push(...emails.error)
  const commands = parseCommands(isTable(input) ? input.command : undefined)
  if (commands.isErr()) issues.push(...commands.error)
  const checks = parseChecks(isTable(input) ? input.check : undefined, files)
  if (checks.isErr()) issues.push(...checks.error)
  const taken = new Set(checks.isOk() ? checks.value.map((check) => check.code) : [])
  const systemChecks = parseSystemChecks(isTable(input) ? input.check : undefined, { ...files, taken })
  if (systemChecks.isErr()) issues.push(...systemChecks.error)
  const plugins = parsePlugins(isTable(input) ? input.plugin : undefined, baseDir)
  if (plugins.isErr()) issues.push(...plugins.error)
  if (
    !parsed.success ||
    webhooks.isErr() ||
    emails.isErr() ||
    commands.isErr() ||
    checks.isErr() ||
    systemChecks.isErr() ||
    plugins.isErr() ||
    issues.length > 0
  ) {
    return err(issues)
  }
  const targets = { webhook: webhooks.value, email: emails.value, command: commands.value, plugin: plugins.value }
  const routing = checkTargets(targets, env.TIMON_NOTIFY_TEST_TARGET, parsed.data.notify.test_target)
  if (routing.isErr()) return err(routing.error)

  const daemon = parsed.data.daemon
  const uid = 'uid' in options ? options.uid : process.getuid?.()
  const places = {
    ...(uid === undefined ? {} : { uid }),
    ...(options.isDirectory === undefined ? {} : { isDirectory: options.isDirectory }),
  }
  const located = resolveSocket(
    env,
    daemon.socket === undefined ? undefined : { socket: resolve(baseDir, daemon.socket) },
    places,
  )
  const socket = located.path
  const socketIssue = checkSocketPath(socket)
  if (socketIssue !== undefined) {
    const key =
      located.source === 'env' ? 'TIMON_SOCKET' : located.source === 'config' ? 'daemon.socket' : 'XDG_RUNTIME_DIR'
    return err([`${key}: ${socketIssue}`])
  }
  const dataDir = daemon.data_dir === undefined ? defaultDataDir(env, uid) : resolve(baseDir, daemon.data_dir)
  const store = resolveStoreConfig(parsed.data.store, env, baseDir, dataDir)
  if ('issue' in store) return err([store.issue])
  const leaseIssues = checkAttemptsFitLease(
    { webhooks: webhooks.value, emails: emails.value, commands: commands.value },
    store.store,
  )
  if (leaseIssues.length > 0) return err(leaseIssues)
  const systemHostname = options.hostname ?? (osHostname() || 'localhost')
  return ok({
    path: options.path,
    hostname: daemon.hostname ?? systemHostname,
    name: daemon.name ?? systemHostname,
    store: store.store,
    dataDir,
    logDir: daemon.log_dir === undefined ? undefined : resolve(baseDir, daemon.log_dir),
    logLevel: daemon.log_level ?? 'info',
    pingIntervalMs: daemon.ping_interval,
    maxPushAgeMs: daemon.max_push_age ?? DEFAULT_MAX_PUSH_AGE_MS,
    timezone: daemon.timezone ?? 'UTC',
    socket,
    ...(located.directory === undefined ? {} : { socketDirectory: located.directory }),
    socketMode: daemon.socket_mode ?? 0o600,
    socketGroup: daemon.socket_group,
    webhooks: webhooks.value,
    emails: emails.value,
    commands: commands.value,
    notify: { testTarget: routing.value },
    checks: checks.value,
    systemChecks: systemChecks.value,
    plugins: plugins.value,
    exec: {
      logDir:
        parsed.data.exec.log_dir === undefined ? join(dataDir, 'logs') : resolve(baseDir, parsed.data.exec.log_dir),
      maxLogBytes: parsed.data.exec.max_log_size ?? DEFAULT_MAX_LOG_BYTES,
      maxFollowers: parsed.data.exec.max_followers ?? MAX_FOLLOWERS,
    },
    http: {
      listen: parsed.data.http.listen ?? [],
      tls:
        parsed.data.http.tls_cert === undefined || parsed.data.http.tls_key === undefined
          ? undefined
          : {
              certFile: resolve(baseDir, parsed.data.http.tls_cert),
              keyFile: resolve(baseDir, parsed.data.http.tls_key),
            },
      maxConnections: parsed.data.http.max_connections ?? DEFAULT_MAX_CONNECTIONS,
      rateLimitPerSecond: parsed.data.http.rate_limit,
      publicStatus: parsed.data.http.public_status ?? false,
      publicCodes: parsed.data.http.public_codes ?? [],
      publicMetrics: parsed.data.http.public_metrics ?? false,
    },
    maintenance: parsed.data.maintenance.map((window) => ({
      codes: window.codes,
      schedule: window.schedule,
      duration: window.duration,
      ...(window.tz === undefined ? {} : { tz: window.tz }),
    })),
  })
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions extends Omit<ParseConfigOptions, 'path' | 'baseDir'> {
  /** `timon daemon --config FILE`. */
  readonly configPath?: string | undefined
}

/**
 * Finds (`findConfigFile`), reads and validates the daemon's config. With no file found, the
 * defaults apply; a file given with `--config` or `TIMON_CONFIG` must exist.
 *
 * @returns the config; or one message for people naming the file and every problem:
 *   `invalid configuration file "/etc/timon/timon.toml": daemon.log_level: unknown level "x", …`
 *   (several problems go on indented lines of their own).
 */
export function loadConfig(options: LoadConfigOptions = {}): Result<DaemonConfig, string> {
  const env = options.env ?? process.env
  const path = findConfigFile(options.configPath, env)
  const parseOptions = { ...options, env }
  if (path === undefined) return parseConfig({}, parseOptions).mapErr((issues) => formatConfigError(undefined, issues))
  const absolute = resolve(path)
  let text: string
  try {
    text = readFileSync(absolute, 'utf8')
  } catch (error) {
    return err(`cannot read configuration file "${absolute}": ${errorMessage(error)}`)
  }
  let toml: unknown
  try {
    toml = parseToml(text)
  } catch (error) {
    return err(`invalid configuration file "${absolute}": ${errorMessage(error)}`)
  }
  return parseConfig(toml, { ...parseOptions, path: absolute, baseDir: dirname(absolute) }).mapErr((issues) =>
    formatConfigError(absolute, issues),
  )
}

/** `invalid configuration file "<path>": <issue>`, with several issues on lines of their own. */
export function formatConfigError(path: string | undefined, issues: readonly string[]): string {
  const head = `invalid configuration${path === undefined ? '' : ` file "${path}"`}:`
  return issues.length === 1 ? `${head} ${issues[0]}` : [head, ...issues.map((issue) => `  ${issue}`)].join('\n')
}

// --- internal ---

const path = z.string({ error: 'must be a string' }).refine((value) => value.trim() !== '', 'must not be empty')

const logLevel = z.string({ error: 'must be a string' }).transform((value, ctx): LogLevel => {
  const level = LOG_LEVELS.find((candidate) => candidate === value.toLowerCase())
  if (level !== undefined) return level
  ctx.addIssue({ code: 'custom', message: `unknown level "${value}", must be one of: ${LOG_LEVELS.join(', ')}` })
  return z.NEVER
})

/** `""`, `"0"` and `"off"` turn the ping off (`undefined`); otherwise a duration of at least 1 s. */
const pingInterval = z
  .string({ error: 'must be a duration string such as "5m", or "off"' })
  .transform((value, ctx): number | undefined => {
    const text = value.trim()
    if (text === '' || text === 'off') return undefined
    const parsed = parseDuration(text)
    if (parsed.isErr()) {
      ctx.addIssue({ code: 'custom', message: parsed.error.message })
      return z.NEVER
    }
    if (parsed.value === 0) return undefined
    if (parsed.value < MIN_PING_INTERVAL_MS) {
      ctx.addIssue({ code: 'custom', message: `must be at least 1s (or "off"), got "${text}"` })
      return z.NEVER
    }
    return parsed.value
  })

/** An octal mode: a string such as `"0660"` / `"660"`, or a TOML integer such as `0o660`. */
const socketMode = z
  .union([z.string(), z.number()], { error: 'must be an octal mode string such as "0660"' })
  .transform((value, ctx): number => {
    const mode =
      typeof value === 'number'
        ? value
        : OCTAL_MODE.test(value)
          ? Number.parseInt(value.replace(/^0o/, ''), 8)
          : Number.NaN
    if (Number.isInteger(mode) && mode >= 0 && mode <= 0o777) return mode
    ctx.addIssue({
      code: 'custom',
      message: `invalid mode ${JSON.stringify(value)}, must be an octal mode such as "0660"`,
    })
    return z.NEVER
  })

const socketGroup = z
  .union([z.string(), z.number().int().nonnegative()], { error: 'must be a group name or a numeric gid' })
  .transform((value) => String(value).trim())
  .refine((value) => value !== '', 'must not be empty')

const nonEmpty = z
  .string({ error: 'must be a string' })
  .transform((value) => value.trim())
  .refine((value) => value !== '', 'must not be empty')

/** A duration of at least 1 minute. */
const maxPushAge = z.string({ error: 'must be a duration string such as "24h"' }).transform((value, ctx): number => {
  const parsed = parseDuration(value.trim())
  if (parsed.isErr()) {
    ctx.addIssue({ code: 'custom', message: parsed.error.message })
    return z.NEVER
  }
  if (parsed.value < 60_000) {
    ctx.addIssue({ code: 'custom', message: `must be at least 1m, got "${value}"` })
    return z.NEVER
  }
  return parsed.value
})

/** An IANA time zone name (`"Europe/Berlin"`, `"UTC"`). */
const timezone = z.string({ error: 'must be a string' }).transform((value, ctx): string => {
  const zone = value.trim()
  if (isTimeZone(zone)) return zone
  ctx.addIssue({
    code: 'custom',
    message: `unknown time zone ${JSON.stringify(value)}, must be an IANA zone such as "Europe/Berlin"`,
  })
  return z.NEVER
})

const daemonSchema = z.strictObject(
  {
    hostname: nonEmpty.optional(),
    name: nonEmpty.optional(),
    data_dir: path.optional(),
    log_dir: path.optional(),
    log_level: logLevel.optional(),
    ping_interval: pingInterval.optional(),
    max_push_age: maxPushAge.optional(),
    timezone: timezone.optional(),
    socket: path.optional(),
    socket_mode: socketMode.optional(),
    socket_group: socketGroup.optional(),
  },
  { error: 'must be a table ([daemon])' },
)

/**
 * `[client]`: read by the `timon` client (its daemon URL, token file, CA file and spool), not by
 * the daemon; checked here so that one file serves both.
 */
const clientSchema = z.strictObject(
  {
    url: z
      .string({ error: 'must be a string' })
      .refine((value) => /^https?:\/\/./.test(value), 'must be an http:// or https:// URL')
      .optional(),
    token_file: path.optional(),
    ca_file: path.optional(),
    spool: z.boolean({ error: 'must be true or false' }).optional(),
    spool_dir: path.optional(),
  },
  { error: 'must be a table ([client])' },
)

/** A size: a string with a unit (`"10MiB"`, `"512KiB"`, `"1MB"`) or a TOML integer of bytes; at least 64 KiB. */
const byteSize = z
  .union([z.string(), z.number()], { error: 'must be a size such as "10MiB" or a number of bytes' })
  .transform((value, ctx): number => {
    const bytes = typeof value === 'number' ? (Number.isSafeInteger(value) ? value : undefined) : parseByteSize(value)
    if (bytes === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid size ${JSON.stringify(value)}, must be a size such as "10MiB", "512KiB" or a number of bytes`,
      })
      return z.NEVER
    }
    if (bytes < MIN_LOG_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at least ${formatBytes(MIN_LOG_BYTES)}, got ${JSON.stringify(value)}`,
      })
      return z.NEVER
    }
    return bytes
  })

const execSchema = z.strictObject(
  {
    log_dir: path.optional(),
    max_log_size: byteSize.optional(),
    max_followers: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(10_000, 'must be at most 10000')
      .optional(),
  },
  { error: 'must be a table ([exec])' },
)

const listenAddress = z.string({ error: 'must be a "host:port" string' }).transform((value, ctx): ListenAddress => {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):([0-9]{1,5})$/.exec(value.trim())
  const port = Number(match?.[3])
  if (match === null || port > 65535) {
    ctx.addIssue({
      code: 'custom',
      message: `invalid address ${JSON.stringify(value)}, must be host:port such as "127.0.0.1:8923" or "[::1]:8923"`,
    })
    return z.NEVER
  }
  return { host: match[1] ?? match[2] ?? '', port }
})

const rateLimit = z.string({ error: 'must be a rate such as "50/s" or "600/m"' }).transform((value, ctx): number => {
  const perSecond = parseRate(value)
  if (perSecond !== undefined) return perSecond
  ctx.addIssue({ code: 'custom', message: `invalid rate ${JSON.stringify(value)}, must be such as "50/s" or "600/m"` })
  return z.NEVER
})

const httpSchema = z
  .strictObject(
    {
      listen: z.array(listenAddress, { error: 'must be a list of "host:port" strings' }).optional(),
      tls_cert: path.optional(),
      tls_key: path.optional(),
      max_connections: z
        .number({ error: 'must be a number' })
        .int('must be an integer')
        .min(16, 'must be at least 16')
        .max(100_000)
        .optional(),
      rate_limit: rateLimit.optional(),
      public_status: z.boolean({ error: 'must be true or false' }).optional(),
      public_codes: z
        .array(
          z
            .string({ error: 'must be a code glob such as "web.*"' })
            .refine((glob) => glob.trim() !== '', 'must not be empty'),
          { error: 'must be a list of code globs such as ["web.*"]' },
        )
        .optional(),
      public_metrics: z.boolean({ error: 'must be true or false' }).optional(),
    },
    { error: 'must be a table ([http])' },
  )
  .refine((http) => (http.tls_cert === undefined) === (http.tls_key === undefined), {
    message: 'tls_cert and tls_key go together',
  })

const notifySchema = z.strictObject(
  {
    test_target: z
      .string({ error: 'must be a string (a target name)' })
      .refine((name) => name.trim() !== '', 'must not be empty')
      .optional(),
  },
  { error: 'must be a table ([notify])' },
)

const codeGlob = z
  .string({ error: 'must be a string (a code glob such as "db.*")' })
  .transform((value, ctx): string => {
    const glob = value.trim()
    const issue = checkCodeGlob(glob)
    if (issue === undefined) return glob
    ctx.addIssue({ code: 'custom', message: issue })
    return z.NEVER
  })

const windowDuration = z.string({ error: 'must be a duration such as "2h"' }).transform((value, ctx): number => {
  const parsed = parseDuration(value)
  if (parsed.isOk() && parsed.value > 0) return parsed.value
  ctx.addIssue({ code: 'custom', message: parsed.isErr() ? parsed.error.message : 'must be longer than zero' })
  return z.NEVER
})

/** A `[[maintenance]]` table; its schedule is read in its zone, else `[daemon] timezone`. */
const maintenanceSchema = z.strictObject(
  {
    codes: z.array(codeGlob, { error: 'must be a list of code globs' }).min(1, 'must name at least one code glob'),
    schedule: z.string({ error: 'must be a string (a cron expression)' }),
    duration: windowDuration,
    tz: timezone.optional(),
  },
  { error: 'must be a table ([[maintenance]])' },
)

// The notifier tables, `check` and `plugin` are checked by their own parsers (parseWebhooks, parseChecks, parseSystemChecks, parsePlugins, …).
const configSchema = z
  .strictObject(
    {
      daemon: daemonSchema.default({}),
      exec: execSchema.default({}),
      http: httpSchema.default({}),
      store: storeSchema.default({}),
      client: clientSchema.optional(),
      notify: notifySchema.default({}),
      webhook: z.unknown().optional(),
      email: z.unknown().optional(),
      command: z.unknown().optional(),
      check: z.unknown().optional(),
      plugin: z.unknown().optional(),
      maintenance: z.array(maintenanceSchema, { error: 'must be an array of tables ([[maintenance]])' }).default([]),
    },
    { error: 'must be a table' },
  )
  .superRefine((config, ctx) => {
    // A schedule is read in its zone, which may be the daemon's: checked once both are known.
    config.maintenance.forEach((window, index) => {
      const read = parseSchedule(window.schedule, window.tz ?? config.daemon.timezone ?? 'UTC')
      if (read.isErr())
        ctx.addIssue({ code: 'custom', path: ['maintenance', index, 'schedule'], message: read.error.message })
    })
  })

/**
 * On a store other daemons share, a delivery is claimed for `[store] lease`: an attempt still
 * running when its claim lapses may be taken over and sent twice. So every target's attempt
 * timeout must end within the lease (on SQLite, one daemon alone, the lease plays no part).
 */
function checkAttemptsFitLease(
  targets: Pick<DaemonConfig, 'webhooks' | 'emails' | 'commands'>,
  store: StoreConfig,
): string[] {
  if (store.kind !== 'postgres') return []
  const bounds = [
    ...targets.webhooks.map(({ retry }, i) => [`webhook[${i}].retry.timeout`, retry.timeoutMs] as const),
    ...targets.emails.map(({ retry }, i) => [`email[${i}].retry.timeout`, retry.timeoutMs] as const),
    ...targets.commands.map(({ timeoutMs }, i) => [`command[${i}].timeout`, timeoutMs] as const),
  ]
  return bounds
    .filter(([, timeoutMs]) => timeoutMs >= store.leaseMs)
    .map(
      ([key, timeoutMs]) =>
        `${key}: ${formatGoDuration(timeoutMs)} must be shorter than [store] lease (${formatGoDuration(store.leaseMs)}): ` +
        'an attempt outliving its claim could be sent again by another daemon',
    )
}

/**
 * The outbox addresses deliveries by target name alone, so a name must be unique across every
 * kind of target; and a test target must be one of them.
 *
 * @returns the test target (the environment's first), or the issues naming both tables of a name.
 */
function checkTargets(
  targets: Readonly<Record<string, readonly { readonly name: string }[]>>,
  fromEnv: string | undefined,
  fromConfig: string | undefined,
): Result<string | undefined, string[]> {
  const issues: string[] = []
  const owner = new Map<string, string>()
  for (const [kind, list] of Object.entries(targets)) {
    list.forEach(({ name }, index) => {
      const table = `${kind}[${index}]`
      const first = owner.get(name)
      if (first === undefined) owner.set(name, table)
      else
        issues.push(
          `${table}.name: "${name}" is already the name of ${first} (target names must be unique across webhooks, emails, commands and plugins)`,
        )
    })
  }
  const testTarget = fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : fromConfig
  // A plugin's notifier is not a test target: it cannot prefix another target's messages.
  const routable = [...owner].filter(([, table]) => !table.startsWith('plugin[')).map(([name]) => name)
  if (testTarget !== undefined && !routable.includes(testTarget)) {
    const key = fromEnv !== undefined && fromEnv.trim() !== '' ? 'TIMON_NOTIFY_TEST_TARGET' : 'notify.test_target'
    const known = routable
    issues.push(
      `${key}: no webhook, email or command is named "${testTarget}"${known.length === 0 ? ' (none is configured)' : ` (targets: ${known.join(', ')})`}`,
    )
  }
  return issues.length === 0 ? ok(testTarget) : err(issues)
}

const OCTAL_MODE = /^(?:0o|0)?[0-7]{1,3}$/

function isTable(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The longest socket path the OS takes (`sun_path` holds 108 bytes on Linux, 104 on macOS, with the NUL). */
function checkSocketPath(socket: string): string | undefined {
  const max = process.platform === 'linux' ? 107 : 103
  const bytes = Buffer.byteLength(socket)
  return bytes > max ? `"${socket}" is too long for a Unix socket path (${bytes} bytes, at most ${max})` : undefined
}
