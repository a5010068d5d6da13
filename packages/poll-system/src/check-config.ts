import { resolve } from 'node:path'
import { caFileField, parseTableArray, readCaFile, type CaFile } from '@timon/http-common'
import {
  MIN_CHECK_INTERVAL_MS,
  commonCheckShape,
  intervalIssue,
  isHttpCheckTable,
  scheduleFields,
  scheduleIssues,
  type ScheduledCheck,
} from '@timon/poll-http'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'
import { parseAddress } from './address.js'

/** The kinds of `[[check]]` this package runs (`http` is `@timon/poll-http`'s). */
export const SYSTEM_CHECK_TYPES = ['command', 'tcp', 'tls', 'disk', 'system'] as const
/** A `type` of a `[[check]]` this package runs. */
export type SystemCheckType = (typeof SYSTEM_CHECK_TYPES)[number]

/** `type = "command"`: runs a program (no shell), judged by the Nagios plugin convention. */
export interface CommandCheck extends ScheduledCheck {
  readonly type: 'command'
  /** The program and its arguments; the program is looked up in `PATH` unless it has a `/`. */
  readonly command: readonly string[]
}

/** `type = "tcp"`: connects, optionally sends `send` and waits for `expect` in the answer. */
export interface TcpCheck extends ScheduledCheck {
  readonly type: 'tcp'
  readonly host: string
  readonly port: number
  readonly send?: string
  readonly expect?: string
}

/** `type = "tls"`: the certificate chain's validity for `servername` and the days before it expires. */
export interface TlsCheck extends ScheduledCheck {
  readonly type: 'tls'
  readonly host: string
  readonly port: number
  /** The name the certificate must be valid for (SNI too); default: the address's host. */
  readonly servername: string
  /** Fewer days left than this: warning. Default 21. */
  readonly warningDays: number
  /** Fewer days left than this: critical. Default 7. */
  readonly criticalDays: number
  /** CA certificates trusted besides the system's (`cert`), read when the config is loaded. */
  readonly ca?: CaFile
}

/** A pair of percentages, e.g. `warning = "80%"`, `critical = "95%"`. */
export interface PercentThresholds {
  readonly warningPercent: number
  readonly criticalPercent: number
}

/** `type = "disk"`: the space and inodes used on the file system holding `path`. */
export interface DiskCheck extends ScheduledCheck, PercentThresholds {
  readonly type: 'disk'
  /** Absolute. */
  readonly path: string
}

/** Thresholds of the 1-minute load average divided by the number of CPUs. */
export interface LoadThresholds {
  readonly warning: number
  readonly critical: number
}

/** `type = "system"`: load average and memory in use of this machine. */
export interface SystemResourceCheck extends ScheduledCheck {
  readonly type: 'system'
  readonly load: LoadThresholds
  readonly memory: PercentThresholds
}

/** Any check of this package. */
export type SystemCheck = CommandCheck | TcpCheck | TlsCheck | DiskCheck | SystemResourceCheck

/** Options of {@link parseSystemChecks}. */
export interface ParseSystemChecksOptions {
  /** Relative `path` (disk) and `cert` (tls) resolve against it: the config file's directory. */
  readonly baseDir: string
  /** Reads a `cert` file (default `fs.readFileSync`). */
  readonly readFile?: (path: string) => string | Buffer
  /** The shortest `interval` accepted; default 1 s. */
  readonly minIntervalMs?: number
  /** Probe codes fed already (by HTTP checks): a check here must not feed them too. */
  readonly taken?: ReadonlySet<string>
}

/**
 * Validates the `[[check]]` tables of the kinds in {@link SYSTEM_CHECK_TYPES} (HTTP checks are
 * skipped; an unknown `type` is an issue) with the keys every check has (`code`, `interval`,
 * `timeout`, thresholds, `stale_incident_after`) and those of its kind.
 *
 * @returns the checks in config order, or every issue, each `check[<i>].<key>: <problem>`.
 */
export function parseSystemChecks(input: unknown, options: ParseSystemChecksOptions): Result<SystemCheck[], string[]> {
  const fedBy = new Map<string, string>()
  const minIntervalMs = options.minIntervalMs ?? MIN_CHECK_INTERVAL_MS
  return parseTableArray(
    'check',
    input,
    systemCheckSchema,
    (entry, prefix) => {
      const issues: string[] = []
      const tooShort = intervalIssue(prefix, entry.interval, minIntervalMs)
      if (tooShort !== undefined) issues.push(tooShort)
      const first = fedBy.get(entry.code)
      if (first !== undefined) issues.push(`${prefix}.code: probe code "${entry.code}" is already fed by ${first}`)
      else if (options.taken?.has(entry.code) === true)
        issues.push(`${prefix}.code: probe code "${entry.code}" is already fed by an HTTP check`)
      fedBy.set(entry.code, prefix)
      const loaded = load(entry, options)
      if (loaded.isErr()) issues.push(`${prefix}.${loaded.error}`)
      return issues.length > 0 || loaded.isErr() ? err(issues) : ok([loaded.value])
    },
    (raw) => !isHttpCheckTable(raw),
  )
}

// --- internal ---

const percent = z.string({ error: 'must be a percentage such as "80%"' }).transform((text, ctx) => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text)
  const value = match === null ? Number.NaN : Number(match[1])
  if (value >= 0 && value <= 100) return value
  ctx.addIssue({ code: 'custom', message: `must be a percentage from "0%" to "100%", got ${JSON.stringify(text)}` })
  return z.NEVER
})

function percentPair(warning: string, critical: string) {
  return {
    warning: percent.default(percent.parse(warning)),
    critical: percent.default(percent.parse(critical)),
  }
}

function ordered(
  entry: { warning: number; critical: number },
  ctx: z.RefinementCtx,
  path: (string | number)[] = [],
): void {
  if (entry.critical < entry.warning)
    ctx.addIssue({ code: 'custom', path: [...path, 'critical'], message: 'must not be below warning' })
}

const address = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a "host:port" string') })
  .transform((text, ctx) => {
    const parsed = parseAddress(text)
    if (parsed.isOk()) return parsed.value
    ctx.addIssue({ code: 'custom', message: parsed.error })
    return z.NEVER
  })

const positiveNumber = z.number({ error: 'must be a number >= 0' }).nonnegative('must be a number >= 0')

const commandShape = {
  ...commonCheckShape,
  type: z.literal('command'),
  command: z
    .array(z.string({ error: 'must be a string' }), {
      error: 'must be an array of strings: the program and its arguments (no shell)',
    })
    .min(1, 'must not be empty')
    .refine((command) => command[0] !== '', 'must start with a program'),
}
const tcpShape = {
  ...commonCheckShape,
  type: z.literal('tcp'),
  address,
  send: z.string({ error: 'must be a string' }).optional(),
  expect: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
}
const tlsShape = {
  ...commonCheckShape,
  type: z.literal('tls'),
  address,
  servername: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
  warning_days: positiveNumber.default(21),
  critical_days: positiveNumber.default(7),
  cert: caFileField().optional(),
}
const diskShape = {
  ...commonCheckShape,
  type: z.literal('disk'),
  path: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .min(1, 'must not be empty'),
  ...percentPair('80%', '95%'),
}
const systemShape = {
  ...commonCheckShape,
  type: z.literal('system'),
  load: z
    .strictObject(
      { warning: positiveNumber, critical: positiveNumber },
      { error: 'must be a table such as { warning = 2, critical = 4 }' },
    )
    .superRefine((load, ctx) => ordered(load, ctx))
    .default({ warning: 2, critical: 4 }),
  memory: z
    .strictObject(percentPair('90%', '97%'), { error: 'must be a table such as { warning = "90%", critical = "97%" }' })
    .superRefine((memory, ctx) => ordered(memory, ctx))
    .default({ warning: 90, critical: 97 }),
}

const systemCheckSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject(commandShape).superRefine(scheduleIssues),
    z.strictObject(tcpShape).superRefine(scheduleIssues),
    z
      .strictObject(tlsShape)
      .superRefine(scheduleIssues)
      .superRefine((entry, ctx) => {
        if (entry.critical_days > entry.warning_days)
          ctx.addIssue({ code: 'custom', path: ['critical_days'], message: 'must not be more than warning_days' })
      }),
    z
      .strictObject(diskShape)
      .superRefine(scheduleIssues)
      .superRefine((entry, ctx) => ordered(entry, ctx)),
    z.strictObject(systemShape).superRefine(scheduleIssues),
  ],
  { error: `must be one of: http, ${SYSTEM_CHECK_TYPES.join(', ')}` },
)

type SystemCheckEntry = z.output<typeof systemCheckSchema>

/** The check of a parsed entry, its files read; the error is `<key>: <problem>`. */
function load(entry: SystemCheckEntry, options: ParseSystemChecksOptions): Result<SystemCheck, string> {
  const base = { code: entry.code, ...scheduleFields(entry) }
  switch (entry.type) {
    case 'command':
      return ok({ ...base, type: 'command', command: entry.command })
    case 'tcp':
      return ok({
        ...base,
        type: 'tcp',
        ...entry.address,
        ...(entry.send === undefined ? {} : { send: entry.send }),
        ...(entry.expect === undefined ? {} : { expect: entry.expect }),
      })
    case 'tls': {
      let ca: CaFile | undefined
      if (entry.cert !== undefined) {
        const read = readCaFile(entry.cert, options)
        if (read.isErr()) return err(`cert: ${read.error}`)
        ca = read.value
      }
      return ok({
        ...base,
        type: 'tls',
        ...entry.address,
        servername: entry.servername ?? entry.address.host,
        warningDays: entry.warning_days,
        criticalDays: entry.critical_days,
        ...(ca === undefined ? {} : { ca }),
      })
    }
    case 'disk':
      return ok({
        ...base,
        type: 'disk',
        path: resolve(options.baseDir, entry.path),
        warningPercent: entry.warning,
        criticalPercent: entry.critical,
      })
    case 'system':
      return ok({
        ...base,
        type: 'system',
        load: entry.load,
        memory: { warningPercent: entry.memory.warning, criticalPercent: entry.memory.critical },
      })
  }
}
