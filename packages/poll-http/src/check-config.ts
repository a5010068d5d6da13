import { formatHumanDuration, validateCode } from '@timon/core'
import {
  TRANSPORT_HEADERS,
  caFileField,
  durationField,
  headersField,
  httpUrlProblem,
  parseTableArray,
  readCaFile,
} from '@timon/http-common'
import type { CaFile, HeaderRules } from '@timon/http-common'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'
import type { ScheduledCheck } from './scheduled-poller.js'

/** The ready-made checks: `loki` (`/ready`) and `grafana` (`/api/health`). */
export const CHECK_PRESETS = ['loki', 'grafana'] as const
/** A `preset` of a `[[check]]`. */
export type CheckPreset = (typeof CHECK_PRESETS)[number]

/** The request methods a check may use. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const
/** A `method` of a `[[check]]`. */
export type HttpMethod = (typeof HTTP_METHODS)[number]

/** A value a JSON path is compared with (strictly: `"1"` is not `1`). */
export type JsonScalar = string | number | boolean

/** One entry of `json`: the value at a dotted path of the response body must equal `expected`. */
export interface JsonExpectation {
  /** Dotted path from the document root (`database`, `checks.0.status`); a number indexes an array. */
  readonly path: string
  readonly expected: JsonScalar
}

/** The CA certificate(s) a check trusts in addition to the system's, read when the config is loaded. */
export type CheckCert = CaFile

/**
 * One polled probe: a `[[check]]` with one URL (a check with several URLs gives one each), its
 * preset applied and its defaults filled in. Two checks are the same check when they are deeply
 * equal, which is how `HttpPoller.update` tells unchanged checks from changed ones.
 */
export interface HttpCheck extends ScheduledCheck {
  /** The probe code the samples are recorded under (suffixed with host-port when the check had several URLs). */
  readonly code: string
  /** The URL requested, normalised (`new URL(url).href`), with the preset's path when it had none. */
  readonly url: string
  readonly preset?: CheckPreset
  readonly method: HttpMethod
  /** Extra request headers; they may override `User-Agent` and `Accept`. */
  readonly headers: Readonly<Record<string, string>>
  readonly cert?: CheckCert
  /** Milliseconds between two requests (scheduled time to scheduled time). Default 1 min. */
  readonly intervalMs: number
  /** The longest one request may take, connect to last body byte, in milliseconds. Default 10 s (at most the interval). */
  readonly timeoutMs: number
  /** The statuses that pass; `undefined` means any 2xx. */
  readonly expectStatus?: readonly number[]
  /** Text the body must contain (case-sensitive). */
  readonly bodyContains?: string
  /** Values the JSON body must hold; empty when the body is not checked as JSON. */
  readonly json: readonly JsonExpectation[]
  /** Consecutive failures before the probe turns critical. Default 2. */
  readonly failureThreshold: number
  /** Consecutive successes before a critical probe is healthy again. Default 1. */
  readonly successThreshold: number
  /** The probe's stale-incident rule in milliseconds: sent with every sample. Default 3 × interval. */
  readonly staleIncidentAfterMs: number
}

/** What a preset expects; the check's own keys replace any of it. */
export interface PresetDefaults {
  /** Requested when the URL has no path (or only `/`). */
  readonly path: string
  readonly expectStatus: readonly number[]
  readonly bodyContains?: string
  readonly json: readonly JsonExpectation[]
}

/**
 * The presets, as Argus checks them: Loki's `/ready` answers 200 with `ready` in the body, and
 * Grafana's `/api/health` answers 200 with `{"database": "ok", …}`.
 */
export const CHECK_PRESET_DEFAULTS: Readonly<Record<CheckPreset, PresetDefaults>> = {
  loki: { path: '/ready', expectStatus: [200], bodyContains: 'ready', json: [] },
  grafana: { path: '/api/health', expectStatus: [200], json: [{ path: 'database', expected: 'ok' }] },
}

/** The default `interval`: 1 minute. */
export const DEFAULT_INTERVAL_MS = 60_000
/** The shortest `interval` {@link parseChecks} accepts by default, as `[daemon] ping_interval`: 1 second. */
export const MIN_CHECK_INTERVAL_MS = 1000
/** The default `timeout`: 10 seconds, or the interval when that is shorter. */
export const DEFAULT_TIMEOUT_MS = 10_000

/** Headers that depend on the request itself: a config cannot set them. */
const HEADER_RULES: HeaderRules = { reserved: TRANSPORT_HEADERS, setBy: 'the HTTP client' }

/**
 * The keys every kind of `[[check]]` has (`type`, `code`, `interval`, `timeout`,
 * `failure_threshold`, `success_threshold`, `stale_incident_after`): spread it into a kind's
 * `z.strictObject`, refine with {@link scheduleIssues} and build with {@link scheduleFields}.
 */
export const commonCheckShape = {
  code: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .superRefine((code, ctx) => {
      const valid = validateCode(code)
      if (valid.isErr()) ctx.addIssue({ code: 'custom', message: valid.error.message })
    }),
  interval: durationString().default(DEFAULT_INTERVAL_MS),
  timeout: durationString().optional(),
  failure_threshold: count().default(2),
  success_threshold: count().default(1),
  stale_incident_after: durationString().optional(),
}

/** The common keys of a check as its schema outputs them. */
export interface CommonCheckEntry {
  readonly interval: number
  readonly timeout?: number | undefined
  readonly failure_threshold: number
  readonly success_threshold: number
  readonly stale_incident_after?: number | undefined
}

/** Adds the issues of the common keys taken together: a timeout longer than the interval, a stale rule shorter. */
export function scheduleIssues(entry: CommonCheckEntry, ctx: z.RefinementCtx): void {
  const every = `interval (${formatHumanDuration(entry.interval)})`
  if (entry.timeout !== undefined && entry.timeout > entry.interval) {
    ctx.addIssue({ code: 'custom', path: ['timeout'], message: `must not be longer than ${every}` })
  }
  if (entry.stale_incident_after !== undefined && entry.stale_incident_after <= entry.interval) {
    ctx.addIssue({
      code: 'custom',
      path: ['stale_incident_after'],
      message: `must be longer than ${every}, or the probe goes stale between two checks`,
    })
  }
}

/** The issue of an `interval` shorter than `minIntervalMs` (`check[0].interval: must be at least 1s, got 1ms`), if it is. */
export function intervalIssue(
  prefix: string,
  intervalMs: number,
  minIntervalMs: number = MIN_CHECK_INTERVAL_MS,
): string | undefined {
  return intervalMs < minIntervalMs
    ? `${prefix}.interval: must be at least ${formatHumanDuration(minIntervalMs)}, got ${formatHumanDuration(intervalMs)}`
    : undefined
}

/** The schedule of a check from its common keys, defaults filled in (timeout 10 s or the interval, stale rule 3 × interval). */
export function scheduleFields(entry: CommonCheckEntry): Omit<ScheduledCheck, 'code'> {
  return {
    intervalMs: entry.interval,
    timeoutMs: entry.timeout ?? Math.min(DEFAULT_TIMEOUT_MS, entry.interval),
    failureThreshold: entry.failure_threshold,
    successThreshold: entry.success_threshold,
    staleIncidentAfterMs: entry.stale_incident_after ?? 3 * entry.interval,
  }
}

/** The `type` of an HTTP check: absent or `"http"`. */
export const HTTP_CHECK_TYPE = 'http'

const checkShape = {
  ...commonCheckShape,
  type: z.literal(HTTP_CHECK_TYPE).optional(),
  url: z.unknown().transform(parseUrls),
  preset: z.enum(CHECK_PRESETS, { error: `must be one of: ${CHECK_PRESETS.join(', ')}` }).optional(),
  method: z.enum(HTTP_METHODS, { error: `must be one of: ${HTTP_METHODS.join(', ')}` }).default('GET'),
  headers: headersField(HEADER_RULES).default({}),
  cert: caFileField().optional(),
  expect_status: z
    .array(
      z
        .number({ error: 'must be an HTTP status code (100–599)' })
        .int('must be an HTTP status code (100–599)')
        .min(100, 'must be an HTTP status code (100–599)')
        .max(599, 'must be an HTTP status code (100–599)'),
      { error: 'must be an array of HTTP status codes, e.g. [200]' },
    )
    .min(1, 'must not be empty')
    .optional(),
  body_contains: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
  json: z
    .record(z.string(), z.unknown(), {
      error: 'must be a table of dotted paths to expected values, e.g. { "database" = "ok" }',
    })
    .transform(flattenJson)
    .optional(),
}

/**
 * The schema of one `[[check]]` table as parsed from TOML (shared with the daemon's config
 * loader). Unknown keys are errors; durations are strings such as `"2m"`; `json` tables may be
 * nested or use quoted dotted keys. Its output has the preset applied (the preset's path on URLs
 * without one, its expectations unless the check sets its own) and every default filled in. It
 * neither reads `cert` nor derives probe codes, nor enforces the shortest interval: {@link parseChecks}
 * does, as they involve the file system, the whole list and the caller's minimum.
 */
export const checkSchema = z
  .strictObject(checkShape, { error: 'must be a table' })
  .superRefine((entry, ctx) => {
    scheduleIssues(entry, ctx)
    if (entry.method === 'HEAD') {
      const bodyKeys = (['body_contains', 'json'] as const).filter((key) => entry[key] !== undefined)
      for (const key of bodyKeys)
        ctx.addIssue({ code: 'custom', path: [key], message: 'cannot be checked: a HEAD response has no body' })
      if (bodyKeys.length === 0 && entry.preset !== undefined && presetReadsBody(entry.preset)) {
        ctx.addIssue({
          code: 'custom',
          path: ['method'],
          message: `HEAD cannot check the body the ${entry.preset} preset expects`,
        })
      }
    }
  })
  .transform((entry): CheckEntry => {
    const preset = entry.preset === undefined ? undefined : CHECK_PRESET_DEFAULTS[entry.preset]
    const expectStatus = entry.expect_status ?? preset?.expectStatus
    const bodyContains = entry.body_contains ?? preset?.bodyContains
    return {
      code: entry.code,
      urls: entry.url.map((url) => withPresetPath(url, preset)),
      ...(entry.preset === undefined ? {} : { preset: entry.preset }),
      method: entry.method,
      headers: entry.headers,
      ...(entry.cert === undefined ? {} : { certPath: entry.cert }),
      ...scheduleFields(entry),
      ...(expectStatus === undefined ? {} : { expectStatus }),
      ...(bodyContains === undefined ? {} : { bodyContains }),
      json: entry.json ?? preset?.json ?? [],
    }
  })

/** One `[[check]]` as {@link checkSchema} outputs it: its URLs not yet split into probes, `cert` not read. */
export interface CheckEntry extends Omit<HttpCheck, 'code' | 'url' | 'cert'> {
  /** The `code` as written; with several URLs each probe's code gets a host-port suffix. */
  readonly code: string
  /** At least one; normalised, preset path applied. */
  readonly urls: readonly string[]
  /** `cert` as written, not resolved. */
  readonly certPath?: string
}

/** Options of {@link parseChecks}. */
export interface ParseChecksOptions {
  /** Relative `cert` paths are resolved against it: the config file's directory. */
  readonly baseDir: string
  /** Reads a cert file (default `fs.readFileSync(path, 'utf8')`); throws when it cannot. */
  readonly readFile?: (path: string) => string | Buffer
  /**
   * The shortest `interval` accepted, in milliseconds; default {@link MIN_CHECK_INTERVAL_MS}. Only
   * tests go below it: a shorter interval polls a service flat out.
   */
  readonly minIntervalMs?: number
}

/**
 * Validates the HTTP checks of the `check` array of a parsed TOML config (`undefined` = no checks;
 * tables of another `type` are skipped, see {@link isHttpCheckTable}) and loads what they need, so every problem is found at load time: `cert` files are read and checked, and a check
 * with several URLs becomes one probe per URL, its code suffixed with the URL's host and port
 * (`grafana.health` + `http://10.0.0.5:3000/…` → `grafana.health.10-0-0-5-3000`). Every probe code
 * must be valid (at most 50 bytes, suffix included) and fed by one check only.
 *
 * @returns the probes in config order, or every issue found, each reading
 *   `check[<i>].<key>: <problem>` (e.g. `check[1].interval: invalid duration "soon"`).
 */
export function parseChecks(input: unknown, options: ParseChecksOptions): Result<HttpCheck[], string[]> {
  const fedBy = new Map<string, string>()
  const minIntervalMs = options.minIntervalMs ?? MIN_CHECK_INTERVAL_MS
  return parseTableArray(
    'check',
    input,
    checkSchema,
    ({ urls, certPath, code: baseCode, ...rest }, prefix) => {
      const issues: string[] = []
      const tooShort = intervalIssue(prefix, rest.intervalMs, minIntervalMs)
      if (tooShort !== undefined) issues.push(tooShort)
      const probes: { code: string; url: string; at: string }[] = []
      for (const [j, url] of urls.entries()) {
        const at = urls.length === 1 ? `${prefix}.code` : `${prefix}.url[${j}]`
        const code = urls.length === 1 ? baseCode : `${baseCode}.${hostPortSuffix(url)}`
        const valid = validateCode(code)
        if (valid.isErr()) {
          issues.push(
            `${at}: ${valid.error.message}${urls.length === 1 ? '' : " (the code with the suffix of this URL's host and port)"}`,
          )
          continue
        }
        const first = fedBy.get(code)
        if (first !== undefined) {
          issues.push(`${at}: probe code "${code}" is already fed by ${first}`)
          continue
        }
        fedBy.set(code, at)
        probes.push({ code, url, at })
      }
      let cert: CheckCert | undefined
      if (certPath !== undefined) {
        const read = readCaFile(certPath, options)
        if (read.isErr()) issues.push(`${prefix}.cert: ${read.error}`)
        else if (!urls.some((url) => url.startsWith('https:')))
          issues.push(`${prefix}.cert: is only used with https:// URLs`)
        else cert = read.value
      }
      if (issues.length > 0) return err(issues)
      return ok(
        probes.map(({ code, url }): HttpCheck => ({ code, url, ...rest, ...(cert === undefined ? {} : { cert }) })),
      )
    },
    isHttpCheckTable,
  )
}

/**
 * Whether a raw `[[check]]` table is an HTTP check (`type` absent or `"http"`); {@link parseChecks}
 * leaves the others to the packages of their kind (`@timon/poll-system`).
 */
export function isHttpCheckTable(raw: unknown): boolean {
  return (
    typeof raw !== 'object' || raw === null || !('type' in raw) || (raw as { type: unknown }).type === HTTP_CHECK_TYPE
  )
}

/**
 * The suffix a URL gives a probe code when its check has several: host and port, lowercase, every
 * run of other characters than `a-z0-9` as one `-` (`http://10.0.0.5:3000/x` → `10-0-0-5-3000`,
 * `https://loki.example.com/ready` → `loki-example-com-443`). The port is always there, the
 * scheme's default when the URL has none.
 */
export function hostPortSuffix(url: string): string {
  const parsed = new URL(url)
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? '443' : '80') : parsed.port
  return `${parsed.hostname}-${port}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

// --- internal ---

function presetReadsBody(preset: CheckPreset): boolean {
  const defaults = CHECK_PRESET_DEFAULTS[preset]
  return defaults.bodyContains !== undefined || defaults.json.length > 0
}

/** `url`: one URL or a non-empty array of distinct ones; http(s) only. Normalised with `URL.href`. */
function parseUrls(value: unknown, ctx: z.RefinementCtx): string[] {
  const fail = (message: string, path: (string | number)[] = []) => {
    ctx.addIssue({ code: 'custom', path, message })
  }
  if (value === undefined) {
    fail('is required')
    return z.NEVER
  }
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list)) {
    fail('must be a URL string or an array of them')
    return z.NEVER
  }
  if (list.length === 0) {
    fail('must not be empty')
    return z.NEVER
  }
  const urls: string[] = []
  const seen = new Map<string, number>()
  for (const [i, item] of list.entries()) {
    const path = typeof value === 'string' ? [] : [i]
    if (typeof item !== 'string') {
      fail('must be a string', path)
      continue
    }
    const problem = httpUrlProblem(item)
    if (problem !== undefined) {
      fail(problem, path)
      continue
    }
    const href = new URL(item).href
    const first = seen.get(href)
    if (first !== undefined) {
      fail(`is the same URL as url[${first}]`, path)
      continue
    }
    seen.set(href, i)
    urls.push(href)
  }
  return urls.length === list.length ? urls : z.NEVER
}

/** The preset's path replaces an empty one (`http://loki:3100` → `http://loki:3100/ready`); any other path is kept. */
function withPresetPath(url: string, preset: PresetDefaults | undefined): string {
  const parsed = new URL(url)
  if (preset === undefined || parsed.pathname !== '/') return url
  parsed.pathname = preset.path
  return parsed.href
}

function durationString() {
  return durationField({ examples: '"30s" or "2m"' })
}

function count() {
  const message = 'must be an integer >= 1'
  return z.number({ error: message }).int(message).min(1, message)
}

/** Nested tables become dotted paths: `{ a = { b = 1 } }` and `{ "a.b" = 1 }` both give `a.b`. */
function flattenJson(table: Record<string, unknown>, ctx: z.RefinementCtx): JsonExpectation[] {
  const expectations: JsonExpectation[] = []
  const walk = (node: Record<string, unknown>, prefix: readonly string[]) => {
    for (const [key, value] of Object.entries(node)) {
      const path = [...prefix, key]
      if (key === '' || key.split('.').includes('')) {
        ctx.addIssue({ code: 'custom', path, message: 'is not a dotted path (an empty segment)' })
      } else if (
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      ) {
        expectations.push({ path: path.join('.'), expected: value })
      } else if (isPlainTable(value)) {
        walk(value, path)
      } else {
        ctx.addIssue({ code: 'custom', path, message: 'must be a string, a number or a boolean' })
      }
    }
  }
  walk(table, [])
  if (expectations.length === 0 && Object.keys(table).length === 0)
    ctx.addIssue({ code: 'custom', message: 'must not be empty' })
  return expectations
}

function isPlainTable(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
