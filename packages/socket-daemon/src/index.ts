// The daemon
export { DaemonStartError, runDaemonProcess, startDaemon } from './daemon.js'
export type { RunDaemonProcessOptions, RunningDaemon, StartDaemonOptions } from './daemon.js'
export { Scheduler } from './scheduler.js'
export type { SchedulerOptions } from './scheduler.js'

// The HTTP API
export { ApiServer, MAX_BODY_BYTES } from './server.js'
export type { ApiServerOptions } from './server.js'
export { ERROR_STATUS, ROUTES, errorAnswer, matchRoute, validationOf } from './routes.js'
export type { Route, RouteAnswer, RouteContext, RouteMatch, RouteRequest, StreamExchange, StreamRoute, WireError, WireErrorCode } from './routes.js'
export { probeSocket } from './instance-check.js'
export type { SocketState } from './instance-check.js'

// Run logs (`timon exec`)
export { DEFAULT_MAX_LOG_BYTES, RunLogStore } from './run-logs.js'
export type { RunLogStoreOptions } from './run-logs.js'
export { MAX_PIECE_BYTES, MIN_LOG_BYTES, RunLogWriter, formatBytes, parseByteSize, readRunLog } from './run-log-file.js'
export type { LogMapping, ReadRunLogOptions, RunLogWriterOptions } from './run-log-file.js'
export { FRAME_HEADER_BYTES, FrameDecoder, FrameError, MAX_FRAME_BYTES, OUTPUT_STREAMS, STREAM_IDS, encodeFrame, frameHeader } from './frames.js'
export type { Frame, LogStream, OutputStream } from './frames.js'
export type { LogChunk, OutputStreamOptions, OutputSummary, OutputWriter, ReadLogOptions } from './run-log-stream.js'

// Configuration and logs
export { MIN_PING_INTERVAL_MS, formatConfigError, loadConfig, parseConfig } from './config.js'
export type { DaemonConfig, ExecConfig, LoadConfigOptions, ParseConfigOptions } from './config.js'
export { LOG_LEVELS, createLogger, silentLogger } from './logger.js'
export type { LogLevel, Logger, LoggerOptions } from './logger.js'

// Paths, the client and the wire serializer (also in `@timon/socket-daemon/client`)
export { DEFAULT_SOCKET_PATH, configCandidates, defaultDataDir, findConfigFile, homeDir, resolveSocketPath } from './paths.js'
export type { Env } from './paths.js'
export { discoverSocketPath, scanSocketKey } from './socket-discovery.js'
export { TimonClient } from './client.js'
export type { DeliveryQuery, HealthView, RawResponse, TimonClientOptions } from './client.js'
export { CLIENT_ERROR_CODES } from './client-error.js'
export type { ClientError, ClientErrorCode } from './client-error.js'
export { camelCase, fromWire, snakeCase, toWire } from './wire.js'
