// The daemon
export { DaemonStartError, runDaemonProcess, startDaemon } from './daemon.js'
export type { RunDaemonProcessOptions, RunningDaemon, StartDaemonOptions } from './daemon.js'
export { Scheduler } from './scheduler.js'
export type { SchedulerOptions } from './scheduler.js'

// The HTTP API
export { ApiServer, MAX_BODY_BYTES } from './server.js'
export type { ApiServerOptions } from './server.js'
export { ERROR_STATUS, ROUTES, errorAnswer, matchRoute, validationOf } from './routes.js'
export type { Route, RouteAnswer, RouteContext, RouteMatch, RouteRequest, StreamExchange, StreamRoute } from './routes.js'
export { probeSocket } from './instance-check.js'
export type { SocketState } from './instance-check.js'

// Run logs (`timon exec`)
export { DEFAULT_MAX_LOG_BYTES, RunLogStore } from './run-logs.js'
export type { RunLogStoreOptions } from './run-logs.js'
export { MAX_PIECE_BYTES, MIN_LOG_BYTES, RunLogWriter, formatBytes, parseByteSize, readRunLog } from './run-log-file.js'
export type { LogMapping, ReadRunLogOptions, RunLogWriterOptions } from './run-log-file.js'

// Configuration and logs
export { MIN_PING_INTERVAL_MS, formatConfigError, loadConfig, parseConfig } from './config.js'
export type { DaemonConfig, ExecConfig, LoadConfigOptions, ParseConfigOptions } from './config.js'
export { LOG_LEVELS, createLogger, silentLogger } from './logger.js'
export type { LogLevel, Logger, LoggerOptions } from './logger.js'
export { defaultDataDir } from './paths.js'
