import {
  errorMessage,
  type Clock,
  type Delivery,
  type DeliveryOutcome,
  type EventName,
  type LogSink,
  type Notifier,
  type PolledSample,
  type PolledSource,
  type Poller,
  type RetryPolicy,
} from '@timon/core'
import { RETRY_DEFAULTS, matchesAny } from '@timon/notify-webhook'
import { pluginCheckPoller, readPluginChecks } from './plugin-checks.js'
import type { PluginConfig } from './plugin-config.js'
import { z } from 'zod'

/**
 * What a plugin module's default export is called with. The factory returns a `Notifier`, a
 * `Poller` (the ports of `@timon/core`), or `{ notifier?, poller?, checks? }` (see `PluginCheck`),
 * or a promise of one.
 */
export interface PluginContext {
  /** The `options` table of its `[[plugin]]`. */
  readonly options: Readonly<Record<string, unknown>>
  /** The daemon's logger, each line prefixed with `plugin <name>: `. */
  readonly logger: LogSink
}

/**
 * A plugin's notifier: only `deliver` is required. The daemon routes by the plugin's `on`, and
 * retries as webhooks do (5 retries 5 s apart) unless it has a `retryPolicy` of its own.
 */
export type PluginNotifier = Pick<Notifier, 'deliver'> & Partial<Pick<Notifier, 'retryPolicy'>>

/** What one plugin made: its notifier as the target `<name>`, and its pollers, each guarded. */
export interface LoadedPlugin {
  readonly name: string
  readonly notifier?: Notifier
  /** Its own poller and the poller of its `checks` (run by the daemon), those it gave. */
  readonly pollers: readonly Poller[]
  /** The probe codes of its `checks`. */
  readonly checkCodes: readonly string[]
}

/** What {@link loadPlugin} needs besides the plugin. */
export interface LoadPluginOptions {
  readonly log: LogSink
  /** Times the schedule of the plugin's `checks`. */
  readonly clock: Clock
  /**
   * Appended to a file module's URL as `?v=<it>`, so a module changed since it was first imported
   * is imported afresh (ES modules are cached by URL for the life of the process).
   */
  readonly version?: string
  /**
   * Probe codes already polled, with what polls each (`[[check]]`, `plugin "x"`): a probe is fed
   * by one check, so a plugin check of one of them is refused.
   */
  readonly polledCodes?: ReadonlyMap<string, string>
}

/** A plugin that could not be loaded or made: the daemon does not start (or, on SIGHUP, keeps the running one). */
export class PluginLoadError extends Error {
  override readonly name = 'PluginLoadError'
}

/**
 * Imports a plugin's module, calls its default export with its options and a logger, and wraps
 * what it gives: a notifier becomes the target `<name>` for the events of `on`, its failures and
 * exceptions failed attempts (the Dispatcher retries them); a poller's exceptions and failed
 * `record` calls are logged; its `checks` run on the daemon's schedule, their exceptions logged as
 * failed runs.
 *
 * @throws PluginLoadError naming the plugin and its module when it cannot be imported, has no
 *   factory, throws, or gives neither a notifier, a poller nor checks.
 */
export async function loadPlugin(plugin: PluginConfig, options: LoadPluginOptions): Promise<LoadedPlugin> {
  const fail = (problem: string, cause?: unknown) =>
    new PluginLoadError(`plugin "${plugin.name}" (module ${plugin.module}): ${problem}`, { cause })
  const specifier =
    options.version !== undefined && plugin.specifier.startsWith('file:')
      ? `${plugin.specifier}?v=${options.version}`
      : plugin.specifier
  let module: { default?: unknown }
  try {
    module = (await import(specifier)) as { default?: unknown }
  } catch (error) {
    throw fail(`cannot load: ${errorMessage(error)}`, error)
  }
  if (typeof module.default !== 'function')
    throw fail('its default export is not a factory function ({ options, logger }) => Notifier | Poller')
  const logger = prefixed(options.log, `plugin ${plugin.name}: `)
  let made: unknown
  try {
    made = await (module.default as (context: PluginContext) => unknown)({ options: plugin.options, logger })
  } catch (error) {
    throw fail(`its factory threw: ${errorMessage(error)}`, error)
  }
  const { notifier, poller, checks: given } = sortOut(made)
  const read = readPluginChecks(given)
  if (read.isErr()) throw fail(`its factory gave bad ${read.error}`)
  const checks = read.value
  const clash = checks?.find(({ code }) => options.polledCodes?.has(code))
  if (clash !== undefined)
    throw fail(`its check "${clash.code}" is already polled by ${options.polledCodes?.get(clash.code)}`)
  if (notifier === undefined && poller === undefined && checks === undefined)
    throw fail(
      'its factory gave neither a notifier (with deliver), a poller (with start, stop, sources) nor checks (each with code and run)',
    )
  const pollers = [
    ...(poller === undefined ? [] : [guardedPoller(poller, logger)]),
    ...(checks === undefined
      ? []
      : [pluginCheckPoller(plugin.name, checks, plugin.schedule, { clock: options.clock, logger })]),
  ]
  return {
    name: plugin.name,
    ...(notifier === undefined ? {} : { notifier: pluginTarget(plugin, notifier, logger) }),
    pollers,
    checkCodes: checks?.map(({ code }) => code) ?? [],
  }
}

// --- internal ---

const outcomeSchema: z.ZodType<DeliveryOutcome> = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({
    ok: z.literal(false),
    error: z.string(),
    final: z.boolean().optional(),
    retryAfterMs: z.number().nonnegative().optional(),
  }),
])

/** How long the daemon waits for a plugin's poller to stop. */
const POLLER_STOP_TIMEOUT_MS = 10_000

const DEFAULT_RETRY: RetryPolicy = { retries: RETRY_DEFAULTS.attempts, delayMs: RETRY_DEFAULTS.delayMs }

function isNotifier(value: unknown): value is PluginNotifier {
  return typeof value === 'object' && value !== null && typeof (value as { deliver?: unknown }).deliver === 'function'
}

function isPoller(value: unknown): value is Poller {
  const candidate = value as Partial<Record<keyof Poller, unknown>> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.start === 'function' &&
    typeof candidate.stop === 'function' &&
    typeof candidate.sources === 'function'
  )
}

function sortOut(made: unknown): { notifier?: PluginNotifier; poller?: Poller; checks?: unknown } {
  if (isNotifier(made) || isPoller(made))
    return { ...(isNotifier(made) ? { notifier: made } : {}), ...(isPoller(made) ? { poller: made } : {}) }
  if (typeof made !== 'object' || made === null) return {}
  const { notifier, poller, checks } = made as { notifier?: unknown; poller?: unknown; checks?: unknown }
  return {
    ...(isNotifier(notifier) ? { notifier } : {}),
    ...(isPoller(poller) ? { poller } : {}),
    ...(checks === undefined ? {} : { checks }),
  }
}

/** The plugin's notifier as the one target `<name>`, subscribed to `on`; an exception is a failed attempt. */
function pluginTarget(plugin: PluginConfig, notifier: PluginNotifier, logger: LogSink): Notifier {
  return {
    targetsFor: (event: EventName) => (matchesAny(plugin.on, event) ? [plugin.name] : []),
    async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
      let outcome: unknown
      try {
        outcome = await notifier.deliver(delivery)
      } catch (error) {
        logger.warn(`delivery ${delivery.deliveryId} threw: ${errorMessage(error)}`)
        return { ok: false, error: `the plugin threw: ${errorMessage(error)}` }
      }
      // The outbox records what it gets: anything but an outcome is a failed attempt.
      const read = outcomeSchema.safeParse(outcome)
      if (read.success) return read.data
      logger.warn(`delivery ${delivery.deliveryId} gave no outcome { ok, error? }`)
      return { ok: false, error: 'the plugin gave no outcome { ok, error? }' }
    },
    retryPolicy(target: string) {
      if (target !== plugin.name) return undefined
      try {
        return notifier.retryPolicy?.(target) ?? DEFAULT_RETRY
      } catch {
        return DEFAULT_RETRY
      }
    },
  }
}

/** A plugin's poller whose exceptions (in start, stop, sources, or from `record`) are logged instead of thrown. */
function guardedPoller(poller: Poller, logger: LogSink): Poller {
  let lastSources: readonly PolledSource[] = []
  return {
    start(record) {
      const guarded = async (sample: PolledSample) => {
        try {
          await record(sample)
        } catch (error) {
          // The plugin goes on polling; its next sample is tried again.
          logger.error(`cannot record the sample of ${sample.code}: ${errorMessage(error)}`)
        }
      }
      try {
        poller.start(guarded)
      } catch (error) {
        logger.error(`start failed: ${errorMessage(error)}`)
      }
    },
    async stop() {
      // A stop that never settles must not hold up the daemon's stop or its next reload.
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), POLLER_STOP_TIMEOUT_MS)
      })
      try {
        const stopped = await Promise.race([Promise.resolve().then(() => poller.stop()), late])
        if (stopped === 'late')
          logger.error(`stop did not finish within ${POLLER_STOP_TIMEOUT_MS / 1000}s; going on without it`)
      } catch (error) {
        logger.error(`stop failed: ${errorMessage(error)}`)
      } finally {
        clearTimeout(timer)
      }
    },
    sources() {
      try {
        lastSources = poller.sources()
      } catch (error) {
        logger.error(`sources failed: ${errorMessage(error)}`)
      }
      return lastSources
    },
  }
}

function prefixed(log: LogSink, prefix: string): LogSink {
  return {
    debug: (message) => log.debug(prefix + message),
    info: (message) => log.info(prefix + message),
    warn: (message) => log.warn(prefix + message),
    error: (message) => log.error(prefix + message),
  }
}
