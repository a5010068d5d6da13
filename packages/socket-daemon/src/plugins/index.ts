// `[[plugin]]`: notifiers and pollers of the user's own, loaded by the daemon.
export { parsePlugins } from './plugin-config.js'
export type { PluginConfig, PluginSchedule } from './plugin-config.js'
export { PluginLoadError, loadPlugin } from './load-plugins.js'
export type { LoadPluginOptions, LoadedPlugin, PluginContext, PluginNotifier } from './load-plugins.js'
export type { PluginCheck, PluginVerdict } from './plugin-checks.js'
export { PluginHost } from './plugin-host.js'
export type { PluginsUpdate } from './plugin-host.js'
export { composeNotifiers } from './compose-notifiers.js'
