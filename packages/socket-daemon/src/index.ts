/**
 * `@timon/socket-daemon`: Timon's daemon, the server side of the wire API (`@timon/client` is the
 * client side). Its public API: start a daemon from a config, stop or reload it, load and check a
 * config, and the logger it writes through. Internals (the route tables, the run log files, the
 * HTTP server) are not exported: tests import them by path.
 */

// The daemon
export { DaemonStartError, startDaemon } from './daemon.js'
export type { DaemonReload, RunningDaemon, StartDaemonOptions } from './daemon.js'
export type { Scheduler } from './scheduler.js'

// Configuration
export { formatConfigError, loadConfig, parseConfig } from './config/config.js'
export type {
  DaemonConfig,
  ExecConfig,
  HttpConfig,
  ListenAddress,
  LoadConfigOptions,
  ParseConfigOptions,
} from './config/config.js'
export { configReplayRules } from './config/replay-rules.js'
export type { ConfigReplayRules } from './config/replay-rules.js'

// Plugins: what a `[[plugin]]` module's factory gets and may give (README, "Writing a plugin")
export type { PluginCheck, PluginContext, PluginNotifier, PluginVerdict, PluginsUpdate } from './plugins/index.js'

// Logs
export { LOG_LEVELS, createLogger, silentLogger } from './logger.js'
export type { LogLevel, Logger, LoggerOptions } from './logger.js'

// Copying a whole history between stores (timon store copy)
export { copyStore, parseStoreLocation } from './store-copy.js'
export type { CopyStoreError, StoreLocation } from './store-copy.js'
