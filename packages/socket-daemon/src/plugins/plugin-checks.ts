import { errorMessage, formatHumanDuration, validateCode, type Clock, type LogSink } from '@timon/core'
import { ScheduledPoller, type CheckRunner, type Evaluation, type ScheduledCheck } from '@timon/poll-http'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'
import type { PluginSchedule } from './plugin-config.js'

/**
 * One check a plugin gives (`{ checks: [...] }` from its factory): the daemon runs it on the
 * plugin's schedule (`interval`, `timeout`, thresholds of its `[[plugin]]` table, first run spread
 * over the first interval), so every exception of the plugin's code is caught where it is called.
 */
export interface PluginCheck {
  /** The probe its samples are recorded under. */
  readonly code: string
  /** Where it looks, for `status` (`tcp://db:5432`); default `plugin <name>`. */
  readonly source?: string
  /**
   * One run: the verdict. `signal` aborts at the timeout or when the daemon stops; a throw or a
   * rejection is a failed run (logged, retried at the next interval).
   */
  run(signal: AbortSignal): PluginVerdict | Promise<PluginVerdict>
}

/** What a run of a {@link PluginCheck} gives, as the daemon's own checks do. */
export interface PluginVerdict {
  /** Passes (`healthy`, or `warning` with `warning: true`) or fails (through `failure_threshold`). */
  readonly ok: boolean
  readonly warning?: boolean
  /** Why, in a few words: the sample's comment. */
  readonly reason: string
  /** More text: the sample's detail (the first 4 KiB kept). */
  readonly detail?: string
}

/** Reads a factory's `checks`: `undefined` when it gave none, else the checks, or what is wrong with them. */
export function readPluginChecks(value: unknown): Result<readonly PluginCheck[] | undefined, string> {
  if (value === undefined) return ok(undefined)
  const parsed = checksSchema.safeParse(value)
  if (parsed.success) return ok(parsed.data)
  const issue = parsed.error.issues[0]
  return err(`checks${issue?.path.map((key) => `[${String(key)}]`).join('') ?? ''}: ${issue?.message ?? ''}`)
}

/**
 * A poller that runs a plugin's checks on the daemon's scheduling engine: a run that throws,
 * rejects, gives a malformed verdict or outlasts the timeout is logged (with the plugin's name,
 * through `logger`) and recorded as a failed run; the daemon never sees the exception.
 */
export function pluginCheckPoller(
  name: string,
  checks: readonly PluginCheck[],
  schedule: PluginSchedule,
  options: { readonly clock: Clock; readonly logger: LogSink },
): ScheduledPoller<ScheduledPluginCheck> {
  return new ScheduledPoller<ScheduledPluginCheck>({
    name: `plugin ${name}`,
    checks: checks.map((check) => ({ ...schedule, code: check.code, plugin: check })),
    runner: (check) => guardedRunner(name, check, options.logger),
    clock: options.clock,
    logger: options.logger,
  })
}

// --- internal ---

interface ScheduledPluginCheck extends ScheduledCheck {
  readonly plugin: PluginCheck
}

const checksSchema = z
  .array(
    z.object({
      code: z.string('must be a string').superRefine((code, ctx) => {
        const valid = validateCode(code)
        if (valid.isErr()) ctx.addIssue({ code: 'custom', message: valid.error.message })
      }),
      source: z.string('must be a string').optional(),
      run: z.custom<PluginCheck['run']>((run) => typeof run === 'function', 'must be a function (signal) => verdict'),
    }),
    'must be an array of { code, run }',
  )
  .superRefine((checks, ctx) => {
    const seen = new Set<string>()
    checks.forEach(({ code }, index) => {
      if (seen.has(code)) ctx.addIssue({ code: 'custom', path: [index, 'code'], message: `"${code}" is given twice` })
      seen.add(code)
    })
  })

const verdictSchema = z.object({
  ok: z.boolean('must be a boolean'),
  warning: z.boolean('must be a boolean').optional(),
  reason: z.string('must be a string').min(1, 'must not be empty'),
  detail: z.string('must be a string').optional(),
})

function guardedRunner(name: string, check: ScheduledPluginCheck, logger: LogSink): CheckRunner {
  const fail = (problem: string, level: 'warn' | 'error' = 'error'): Evaluation => {
    logger[level](`check ${check.code}: ${problem}`)
    return { ok: false, reason: `plugin ${name}: ${problem}` }
  }
  return {
    source: check.plugin.source ?? `plugin ${name}`,
    slotKey: `plugin:${name}:${check.code}`,
    async run(signal) {
      const controller = new AbortController()
      let timer: NodeJS.Timeout | undefined
      let abort: (() => void) | undefined
      // The timeout, or the daemon stopping the check: either ends the wait for the plugin.
      const cut = new Promise<'timeout' | 'aborted'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), check.timeoutMs)
        abort = () => resolve('aborted')
        signal.addEventListener('abort', abort, { once: true })
      })
      // Settles with what the plugin gave or threw, never rejects: a late rejection after the timeout is not unhandled.
      const ran = Promise.resolve()
        .then(() => check.plugin.run(controller.signal))
        .then(
          (verdict) => ({ verdict }),
          (error: unknown) => ({ error }),
        )
      try {
        const outcome = await Promise.race([ran, cut])
        if (outcome === 'aborted' || signal.aborted) return undefined
        if (outcome === 'timeout') return fail(`timeout after ${formatHumanDuration(check.timeoutMs)}`, 'warn')
        if ('error' in outcome) return fail(`the check threw: ${errorMessage(outcome.error)}`)
        const verdict = verdictSchema.safeParse(outcome.verdict)
        if (!verdict.success) {
          const issue = verdict.error.issues[0]
          return fail(
            `the check gave no verdict { ok, reason }: ${issue?.path.join('.') || 'it'} ${issue?.message ?? ''}`,
          )
        }
        return verdict.data
      } finally {
        clearTimeout(timer)
        controller.abort()
        if (abort !== undefined) signal.removeEventListener('abort', abort)
      }
    },
    close() {},
  }
}
