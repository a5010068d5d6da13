import {
  errorMessage,
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
import type { PluginConfig } from './plugin-config.js'

/**
 * What a plugin module's default export is called with. The factory returns a `Notifier`, a
 * `Poller` (the ports of `@timon/core`), or `{ notifier?, poller? }`, or a promise of one.
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

/** A notifier a plugin gave, as a delivery target named after the plugin. */
export interface NamedNotifier {
  readonly name: string
  readonly notifier: Notifier
}

/** A poller a plugin gave, guarded so that its errors are logged, never thrown at the daemon. */
export interface NamedPoller {
  readonly name: string
  readonly poller: Poller
}

/** What {@link loadPlugins} made: the list of named notifiers and pollers from plugins, in config order. */
export interface LoadedPlugins {
  readonly notifiers: readonly NamedNotifier[]
  readonly pollers: readonly NamedPoller[]
}

/** A plugin that could not be loaded or made: the daemon does not start. */
export class PluginLoadError extends Error {
  override readonly name = 'PluginLoadError'
}

/**
 * Imports each plugin's module, calls its default export with its options and a logger, and wraps
 * what it gives: a notifier becomes the target `<name>` for the events of `on`, its failures and
 * exceptions failed attempts (the Dispatcher retries them); a poller's exceptions and failed
 * `record` calls are logged.
 *
 * @throws PluginLoadError naming the plugin and its module when one cannot be imported, has no
 *   factory, throws, or gives neither a notifier nor a poller.
 */
export async function loadPlugins(plugins: readonly PluginConfig[], log: LogSink): Promise<LoadedPlugins> {
  const notifiers: NamedNotifier[] = []
  const pollers: NamedPoller[] = []
  for (const plugin of plugins) {
    const fail = (problem: string, cause?: unknown) =>
      new PluginLoadError(`plugin "${plugin.name}" (module ${plugin.module}): ${problem}`, { cause })
    let module: { default?: unknown }
    try {
      module = (await import(plugin.specifier)) as { default?: unknown }
    } catch (error) {
      throw fail(`cannot load: ${errorMessage(error)}`, error)
    }
    if (typeof module.default !== 'function')
      throw fail('its default export is not a factory function ({ options, logger }) => Notifier | Poller')
    const logger = prefixed(log, `plugin ${plugin.name}: `)
    let made: unknown
    try {
      made = await (module.default as (context: PluginContext) => unknown)({ options: plugin.options, logger })
    } catch (error) {
      throw fail(`its factory threw: ${errorMessage(error)}`, error)
    }
    const { notifier, poller } = sortOut(made)
    if (notifier === undefined && poller === undefined)
      throw fail('its factory gave neither a notifier (with deliver) nor a poller (with start, stop, sources)')
    if (notifier !== undefined) notifiers.push({ name: plugin.name, notifier: pluginTarget(plugin, notifier, logger) })
    if (poller !== undefined) pollers.push({ name: plugin.name, poller: guardedPoller(poller, logger) })
  }
  return { notifiers, pollers }
}

// --- internal ---

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

function sortOut(made: unknown): { notifier?: PluginNotifier; poller?: Poller } {
  if (isNotifier(made) || isPoller(made))
    return { ...(isNotifier(made) ? { notifier: made } : {}), ...(isPoller(made) ? { poller: made } : {}) }
  if (typeof made !== 'object' || made === null) return {}
  const { notifier, poller } = made as { notifier?: unknown; poller?: unknown }
  return { ...(isNotifier(notifier) ? { notifier } : {}), ...(isPoller(poller) ? { poller } : {}) }
}

/** The plugin's notifier as the one target `<name>`, subscribed to `on`; an exception is a failed attempt. */
function pluginTarget(plugin: PluginConfig, notifier: PluginNotifier, logger: LogSink): Notifier {
  return {
    targetsFor: (event: EventName) => (matchesAny(plugin.on, event) ? [plugin.name] : []),
    async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
      try {
        return await notifier.deliver(delivery)
      } catch (error) {
        logger.warn(`delivery ${delivery.deliveryId} threw: ${errorMessage(error)}`)
        return { ok: false, error: `the plugin threw: ${errorMessage(error)}` }
      }
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
      try {
        await poller.stop()
      } catch (error) {
        logger.error(`stop failed: ${errorMessage(error)}`)
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
