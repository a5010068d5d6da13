import { readFileSync } from 'node:fs'
import { hostname as osHostname } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { errorMessage, formatIssues, parseDuration } from '@timon/core'
import { parseWebhooks, type WebhookConfig } from '@timon/notify-webhook'
import { parseChecks, type HttpCheck } from '@timon/poll-http'
import { parseSystemChecks, type SystemCheck } from '@timon/poll-system'
import { err, ok, type Result } from 'neverthrow'
import { parse as parseToml } from 'smol-toml'
import { z } from 'zod'
import { LOG_LEVELS, type LogLevel } from '../logger.js'
import { formatBytes, parseByteSize } from '../run-logs/byte-size.js'
import { DEFAULT_MAX_LOG_BYTES } from '../run-logs/store.js'
import { MIN_LOG_BYTES } from '../run-logs/writer.js'
import { findConfigFile, resolveSocket, type Env, type OwnDirectory } from '@timon/client'
import { defaultDataDir } from './paths.js'
import { parsePlugins, type PluginConfig } from '../plugins/plugin-config.js'

/** The daemon's configuration, validated, with every default applied and every path absolute. */
export interface DaemonConfig {
  /** The file it was read from; `undefined` when no file was found (all defaults). */
  readonly path: string | undefined
  /** `_hostname` of webhook payloads (`[daemon] hostname`; default: the OS hostname, else `localhost`). */
  readonly hostname: string
  /** Where `timon.db` lives (`[daemon] data_dir`; default: see `defaultDataDir`). Created 0750. */
  readonly dataDir: string
  /** Logs are appended to `<logDir>/timon.log` when set; they go to stdout otherwise. */
  readonly logDir: string | undefined
  /** `[daemon] log_level`, default `info`. */
  readonly logLevel: LogLevel
  /** `[daemon] ping_interval` in milliseconds; `undefined` = no `timon.ping` (the default). */
  readonly pingIntervalMs: number | undefined
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
  /** The `[[check]]` tables (HTTP health checks the daemon polls), one per probe, in order. */
  readonly checks: readonly HttpCheck[]
  /** The `[[check]]` tables of the other types (`command`, `tcp`, `tls`, `disk`, `system`), in order. */
  readonly systemChecks: readonly SystemCheck[]
  /** The `[[plugin]]` tables, in order (their modules are loaded when the daemon starts). */
  readonly plugins: readonly PluginConfig[]
  /** `[exec]`: the run logs of `timon exec`. */
  readonly exec: ExecConfig
}

/** The `[exec]` table: where `timon exec` run logs are kept and how large they may grow. */
export interface ExecConfig {
  /** `[exec] log_dir`, default `<data_dir>/logs`; each run's log is `<logDir>/<code>/<uid>.log`. */
  readonly logDir: string
  /** `[exec] max_log_size` in bytes (`"10MiB"`, `"512KiB"`, or a number of bytes), default 10 MiB. */
  readonly maxLogBytes: number
}

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** The file the input came from, if any (reported in `DaemonConfig.path`). */
  readonly path?: string | undefined
  /** Relative paths (`data_dir`, `log_dir`, `socket`, webhook `cert`) resolve against it; default: cwd. */
  readonly baseDir?: string
  /** For `TIMON_SOCKET`, `XDG_RUNTIME_DIR`, `XDG_STATE_HOME` and `HOME`; default `process.env`. */
  readonly env?: Env
  /** The default hostname; default: the OS hostname, else `localhost`. */
  readonly hostname?: string
  /** The user id, for the default `data_dir` and socket (root gets `/var/lib/timon`, `/run/timon`); default: the process's. */
  readonly uid?: number | undefined
  /** Whether a directory exists (`/run/user/<uid>`, for the default socket); default: the file system's answer. */
  readonly isDirectory?: (path: string) => boolean
  /** Reads a webhook `cert` file (tests); default: `fs.readFileSync`. */
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
  const checks = parseChecks(isTable(input) ? input.check : undefined, files)
  if (checks.isErr()) issues.push(...checks.error)
  const taken = new Set(checks.isOk() ? checks.value.map((check) => check.code) : [])
  const systemChecks = parseSystemChecks(isTable(input) ? input.check : undefined, { ...files, taken })
  if (systemChecks.isErr()) issues.push(...systemChecks.error)
  const plugins = parsePlugins(isTable(input) ? input.plugin : undefined, baseDir)
  if (plugins.isErr()) issues.push(...plugins.error)
  if (plugins.isOk() && webhooks.isOk()) {
    const webhookNames = new Set(webhooks.value.map((webhook) => webhook.name))
    plugins.value.forEach((plugin, i) => {
      if (webhookNames.has(plugin.name)) issues.push(`plugin[${i}].name: "${plugin.name}" is the name of a webhook already`)
    })
  }
  if (!parsed.success || webhooks.isErr() || checks.isErr() || systemChecks.isErr() || plugins.isErr() || issues.length > 0) return err(issues)

  const daemon = parsed.data.daemon
  const uid = 'uid' in options ? options.uid : process.getuid?.()
  const places = { ...(uid === undefined ? {} : { uid }), ...(options.isDirectory === undefined ? {} : { isDirectory: options.isDirectory }) }
  const located = resolveSocket(env, daemon.socket === undefined ? undefined : { socket: resolve(baseDir, daemon.socket) }, places)
  const socket = located.path
  const socketIssue = checkSocketPath(socket)
  if (socketIssue !== undefined) {
    const key = located.source === 'env' ? 'TIMON_SOCKET' : located.source === 'config' ? 'daemon.socket' : 'XDG_RUNTIME_DIR'
    return err([`${key}: ${socketIssue}`])
  }
  const dataDir = daemon.data_dir === undefined ? defaultDataDir(env, uid) : resolve(baseDir, daemon.data_dir)
  return ok({
    path: options.path,
    hostname: daemon.hostname ?? options.hostname ?? (osHostname() || 'localhost'),
    dataDir,
    logDir: daemon.log_dir === undefined ? undefined : resolve(baseDir, daemon.log_dir),
    logLevel: daemon.log_level ?? 'info',
    pingIntervalMs: daemon.ping_interval,
    socket,
    ...(located.directory === undefined ? {} : { socketDirectory: located.directory }),
    socketMode: daemon.socket_mode ?? 0o600,
    socketGroup: daemon.socket_group,
    webhooks: webhooks.value,
    checks: checks.value,
    systemChecks: systemChecks.value,
    plugins: plugins.value,
    exec: {
      logDir: parsed.data.exec.log_dir === undefined ? join(dataDir, 'logs') : resolve(baseDir, parsed.data.exec.log_dir),
      maxLogBytes: parsed.data.exec.max_log_size ?? DEFAULT_MAX_LOG_BYTES,
    },
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
  return parseConfig(toml, { ...parseOptions, path: absolute, baseDir: dirname(absolute) }).mapErr((issues) => formatConfigError(absolute, issues))
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
const pingInterval = z.string({ error: 'must be a duration string such as "5m", or "off"' }).transform((value, ctx): number | undefined => {
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
const socketMode = z.union([z.string(), z.number()], { error: 'must be an octal mode string such as "0660"' }).transform((value, ctx): number => {
  const mode = typeof value === 'number' ? value : OCTAL_MODE.test(value) ? Number.parseInt(value.replace(/^0o/, ''), 8) : Number.NaN
  if (Number.isInteger(mode) && mode >= 0 && mode <= 0o777) return mode
  ctx.addIssue({ code: 'custom', message: `invalid mode ${JSON.stringify(value)}, must be an octal mode such as "0660"` })
  return z.NEVER
})

const socketGroup = z
  .union([z.string(), z.number().int().nonnegative()], { error: 'must be a group name or a numeric gid' })
  .transform((value) => String(value).trim())
  .refine((value) => value !== '', 'must not be empty')

const daemonSchema = z.strictObject(
  {
    hostname: z
      .string({ error: 'must be a string' })
      .transform((value) => value.trim())
      .refine((value) => value !== '', 'must not be empty')
      .optional(),
    data_dir: path.optional(),
    log_dir: path.optional(),
    log_level: logLevel.optional(),
    ping_interval: pingInterval.optional(),
    socket: path.optional(),
    socket_mode: socketMode.optional(),
    socket_group: socketGroup.optional(),
  },
  { error: 'must be a table ([daemon])' },
)

/** A size: a string with a unit (`"10MiB"`, `"512KiB"`, `"1MB"`) or a TOML integer of bytes; at least 64 KiB. */
const byteSize = z.union([z.string(), z.number()], { error: 'must be a size such as "10MiB" or a number of bytes' }).transform((value, ctx): number => {
  const bytes = typeof value === 'number' ? (Number.isSafeInteger(value) ? value : undefined) : parseByteSize(value)
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `invalid size ${JSON.stringify(value)}, must be a size such as "10MiB", "512KiB" or a number of bytes` })
    return z.NEVER
  }
  if (bytes < MIN_LOG_BYTES) {
    ctx.addIssue({ code: 'custom', message: `must be at least ${formatBytes(MIN_LOG_BYTES)}, got ${JSON.stringify(value)}` })
    return z.NEVER
  }
  return bytes
})

const execSchema = z.strictObject({ log_dir: path.optional(), max_log_size: byteSize.optional() }, { error: 'must be a table ([exec])' })

// `webhook`, `check` and `plugin` are checked by their own parsers (parseWebhooks, parseChecks, parseSystemChecks, parsePlugins).
const configSchema = z.strictObject(
  { daemon: daemonSchema.default({}), exec: execSchema.default({}), webhook: z.unknown().optional(), check: z.unknown().optional(), plugin: z.unknown().optional() },
  { error: 'must be a table' },
)

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
