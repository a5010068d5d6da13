/**
 * `@timon/socket-daemon/client`: the typed client of the daemon's wire API and the wire
 * serializer. It loads neither zod, Kysely, SQLite, mustache nor the server, so a short-lived
 * process (`timon push`) starts fast.
 */

// The client
export { TimonClient } from './client.js'
export type { DeliveryQuery, HealthView, RawResponse, TimonClientOptions } from './client.js'
export { CLIENT_ERROR_CODES } from './client-error.js'
export type { ClientError, ClientErrorCode } from './client-error.js'
export type { LogChunk, OutputStreamOptions, OutputSummary, OutputWriter, ReadLogOptions } from './run-log-stream.js'
export type { LogStream, OutputStream } from './frames.js'

// Where the daemon is
export { DEFAULT_SOCKET_PATH, configCandidates, defaultDataDir, findConfigFile, resolveSocketPath } from './paths.js'
export type { Env } from './paths.js'
export { discoverSocketPath } from './socket-discovery.js'

// The wire serializer
export { camelCase, fromWire, snakeCase, toWire } from './wire.js'
