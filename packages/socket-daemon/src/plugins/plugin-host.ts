import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
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
import { composeNotifiers } from './compose-notifiers.js'
import { loadPlugin, type LoadedPlugin } from './load-plugins.js'
import type { PluginConfig } from './plugin-config.js'

/** What {@link PluginHost.reload} did, by plugin name. */
export interface PluginsUpdate {
  readonly added: readonly string[]
  /** Stopped; their pending deliveries fail, as a removed webhook's do. */
  readonly removed: readonly string[]
  /** Rebuilt: another `module`, `on`, `options` or schedule, or their module file changed. */
  readonly changed: readonly string[]
  readonly kept: number
  /** Could not be loaded: a changed plugin keeps running as it was, a new one is not added. */
  readonly failed: readonly string[]
}

/**
 * The `[[plugin]]`s of a running daemon: one notifier over their targets, one poller over their
 * pollers and checks, and their reload on SIGHUP.
 *
 * A plugin whose table or module file changed is built afresh before the old one is stopped, so
 * one that no longer loads keeps running as it was (its error logged). A file module is imported
 * again under a new URL (`?v=<mtime>`): ES modules stay cached by URL, so every version loaded
 * stays in memory until a restart, and the files it imports itself are not re-imported. A plugin
 * from an installed package is rebuilt from the package already imported: a new version of it
 * needs a restart.
 */
export class PluginHost implements Poller, Notifier {
  readonly #options: HostOptions
  #plugins: ReadonlyMap<string, RunningPlugin>
  #notifier: Notifier
  #record: ((sample: PolledSample) => Promise<void>) | undefined

  private constructor(plugins: ReadonlyMap<string, RunningPlugin>, options: HostOptions) {
    this.#options = options
    this.#plugins = plugins
    this.#notifier = composedNotifier(plugins)
  }

  /**
   * Loads every plugin (none started yet).
   *
   * @throws PluginLoadError for the first plugin that cannot be loaded or made.
   */
  static async load(configs: readonly PluginConfig[], options: HostOptions): Promise<PluginHost> {
    const plugins = new Map<string, RunningPlugin>()
    for (const config of configs)
      plugins.set(config.name, await build(config, undefined, options, polledCodes(options.checkCodes, plugins)))
    return new PluginHost(plugins, options)
  }

  // As a Notifier: the current plugins' notifiers, each the target named after its plugin.
  targetsFor(event: EventName): readonly string[] {
    return this.#notifier.targetsFor(event)
  }
  retryPolicy(target: string): RetryPolicy | undefined {
    return this.#notifier.retryPolicy(target)
  }
  deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    return this.#notifier.deliver(delivery)
  }

  /** Starts every plugin's pollers; plugins added by a reload start as they come. */
  start(record: (sample: PolledSample) => Promise<void>): void {
    this.#record = record
    for (const plugin of this.#plugins.values()) startPollers(plugin, record)
  }

  /** Stops every plugin's pollers (each stop guarded: a plugin's failure is logged). */
  async stop(): Promise<void> {
    this.#record = undefined
    for (const plugin of this.#plugins.values()) await stopPollers(plugin)
  }

  sources(): readonly PolledSource[] {
    return [...this.#plugins.values()].flatMap((plugin) => plugin.loaded.pollers.flatMap((poller) => poller.sources()))
  }

  /**
   * Applies the `[[plugin]]` tables of a reloaded config (see the class), whose `[[check]]`s poll
   * `checkCodes`; never throws.
   */
  async reload(configs: readonly PluginConfig[], checkCodes: readonly string[]): Promise<PluginsUpdate> {
    const next = new Map<string, RunningPlugin>()
    const update = {
      added: [] as string[],
      removed: [] as string[],
      changed: [] as string[],
      kept: 0,
      failed: [] as string[],
    }
    const retired: RunningPlugin[] = []
    for (const config of configs) {
      const current = this.#plugins.get(config.name)
      const mtimeMs = moduleMtime(config)
      if (current !== undefined && current.key === configKey(config) && current.mtimeMs === mtimeMs) {
        next.set(config.name, current)
        update.kept += 1
        continue
      }
      // The same file imports from the cache; a changed one under a URL of its own.
      const version = current !== undefined && current.mtimeMs === mtimeMs ? current.version : mtimeVersion(mtimeMs)
      // Codes of the other plugins, running or rebuilt: a swap of codes between two in one reload is refused.
      const others = new Map([...this.#plugins, ...next].filter(([name]) => name !== config.name))
      try {
        next.set(config.name, await build(config, version, this.#options, polledCodes(checkCodes, others)))
        ;(current === undefined ? update.added : update.changed).push(config.name)
        if (current !== undefined) retired.push(current)
      } catch (error) {
        this.#options.log.error(
          `${errorMessage(error)}${current === undefined ? '' : ' (the plugin keeps running as it was)'}`,
        )
        update.failed.push(config.name)
        if (current !== undefined) next.set(config.name, current)
      }
    }
    for (const [name, plugin] of this.#plugins) {
      if (next.has(name)) continue
      update.removed.push(name)
      retired.push(plugin)
    }
    for (const plugin of retired) await stopPollers(plugin)
    this.#plugins = next
    this.#notifier = composedNotifier(next)
    const record = this.#record
    if (record !== undefined)
      for (const name of [...update.added, ...update.changed]) {
        const plugin = next.get(name)
        if (plugin !== undefined) startPollers(plugin, record)
      }
    if (configs.some((config) => !config.specifier.startsWith('file:')))
      this.#options.log.info(
        'plugins from installed packages are rebuilt from the package already imported: a new version of a package needs a restart',
      )
    return update
  }
}

// --- internal ---

interface HostOptions {
  readonly log: LogSink
  /** Times the schedule of plugins' checks. */
  readonly clock: Clock
  /** The probe codes the config's `[[check]]`s poll, at start. */
  readonly checkCodes: readonly string[]
}

interface RunningPlugin {
  readonly loaded: LoadedPlugin
  /** Its table, as compared on reload. */
  readonly key: string
  /** Its module file's modification time when loaded; `undefined` for a package. */
  readonly mtimeMs: number | undefined
  /** The `?v=` its module was imported with. */
  readonly version: string | undefined
}

async function build(
  config: PluginConfig,
  version: string | undefined,
  options: HostOptions,
  polled: ReadonlyMap<string, string>,
): Promise<RunningPlugin> {
  const mtimeMs = moduleMtime(config)
  const { log, clock } = options
  const loaded = await loadPlugin(config, {
    log,
    clock,
    polledCodes: polled,
    ...(version === undefined ? {} : { version }),
  })
  return { loaded, key: configKey(config), mtimeMs, version }
}

/** The probe codes polled by `[[check]]`s and by `plugins`' checks, with what polls each. */
function polledCodes(
  checkCodes: readonly string[],
  plugins: ReadonlyMap<string, RunningPlugin>,
): ReadonlyMap<string, string> {
  const polled = new Map(checkCodes.map((code) => [code, '[[check]]']))
  for (const [name, plugin] of plugins)
    for (const code of plugin.loaded.checkCodes) polled.set(code, `plugin "${name}"`)
  return polled
}

function composedNotifier(plugins: ReadonlyMap<string, RunningPlugin>): Notifier {
  // A delivery for a plugin no longer configured has no owner here: it fails at once, saying so.
  return composeNotifiers([...plugins.values()].flatMap((plugin) => plugin.loaded.notifier ?? []))
}

function startPollers(plugin: RunningPlugin, record: (sample: PolledSample) => Promise<void>): void {
  for (const poller of plugin.loaded.pollers) poller.start(record)
}

async function stopPollers(plugin: RunningPlugin): Promise<void> {
  for (const poller of plugin.loaded.pollers) await poller.stop()
}

function configKey(config: PluginConfig): string {
  const { name: _name, ...compared } = config
  return JSON.stringify(compared)
}

function moduleMtime(config: PluginConfig): number | undefined {
  if (!config.specifier.startsWith('file:')) return undefined
  try {
    return statSync(fileURLToPath(config.specifier)).mtimeMs
  } catch {
    return undefined // gone: the import says so
  }
}

function mtimeVersion(mtimeMs: number | undefined): string | undefined {
  return mtimeMs === undefined ? undefined : String(mtimeMs)
}
