// `[[plugin]]`: notifiers and pollers of the user's own, loaded by the daemon.
export { parsePlugins } from './plugin-config.js'
export type { PluginConfig } from './plugin-config.js'
export { PluginLoadError, loadPlugins } from './load-plugins.js'
export type { LoadedPlugins, NamedNotifier, NamedPoller, PluginContext, PluginNotifier } from './load-plugins.js'
export { composeNotifiers } from './compose-notifiers.js'
