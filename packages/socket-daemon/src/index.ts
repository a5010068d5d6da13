// The daemon
export { DaemonStartError, runDaemonProcess, startDaemon } from './daemon.js'
export type { RunDaemonProcessOptions, RunningDaemon, StartDaemonOptions } from './daemon.js'
export { Scheduler } from './scheduler.js'
export type { SchedulerOptions } from './scheduler.js'

// The HTTP API
export { ApiServer, MAX_BODY_BYTES } from './server.js'
export type { ApiServerOptions } from './server.js'
export { ERROR_STATUS, ROUTES, errorAnswer, matchRoute, validationOf } from './routes.js'
export type { Route, RouteAnswer, RouteContext, RouteMatch, RouteRequest, WireError, WireErrorCode } from './routes.js'
export { probeSocket } from './instance-check.js'
export type { SocketState } from './instance-check.js'

// Configuration and logs
export { MIN_PING_INTERVAL_MS, formatConfigError, loadConfig, parseConfig } from './config.js'
export type { DaemonConfig, LoadConfigOptions, ParseConfigOptions } from './config.js'
export { LOG_LEVELS, createLogger, silentLogger } from './logger.js'
export type { LogLevel, Logger, LoggerOptions } from './logger.js'

// Paths, the client and the wire serializer (also in `@timon/socket-daemon/client`)
export { DEFAULT_SOCKET_PATH, configCandidates, defaultDataDir, findConfigFile, homeDir, resolveSocketPath } from './paths.js'
export type { Env } from './paths.js'
export { discoverSocketPath, scanSocketKey } from './socket-discovery.js'
export { CLIENT_ERROR_CODES, TimonClient } from './client.js'
export type { ClientError, ClientErrorCode, DeliveryQuery, HealthView, RawResponse, TimonClientOptions } from './client.js'
export { camelCase, fromWire, snakeCase, toWire } from './wire.js'
