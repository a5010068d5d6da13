/**
 * `@timon/client`: the typed client of the Timon daemon's wire API, and the wire itself (its
 * serializer, its error codes, the framing of run output) that the daemon's server shares. It
 * loads neither zod, Kysely, SQLite, mustache nor the server, so a short-lived process
 * (`timon push`) starts fast and a host that only pushes never loads better-sqlite3.
 */

// The client
export { TimonClient } from './client.js'
export type {
  CreateTokenRequest,
  DeliveryQuery,
  HealthView,
  HistoryColumnsWithText,
  NotifyTestResult,
  RawResponse,
  TimonClientOptions,
  TokenView,
} from './client.js'
export type { LogChunk, OutputStreamOptions, OutputSummary, OutputWriter, ReadLogOptions } from './log-stream.js'

// Errors: the wire's codes (the daemon maps each to its status) and the client's
export { CLIENT_ERROR_CODES, WIRE_ERROR_CODES } from './errors.js'
export type { ClientError, ClientErrorCode, WireError, WireErrorCode } from './errors.js'

// Transports
export { UnixSocketTransport } from './transport/unix-socket.js'
export { HttpTransport, openHttpTransport, parseDaemonUrl } from './transport/http.js'
export type { DaemonUrl, HttpTransportOptions } from './transport/http.js'
export type { PooledTransport, PooledTransportOptions } from './transport/pooled.js'
export type { UnixSocketTransportOptions } from './transport/unix-socket.js'
export type {
  ConnectionFailure,
  HttpResponse,
  StreamRequest,
  StreamResult,
  Transport,
  TransportResult,
} from './transport/transport.js'

// Where the daemon is
export {
  configCandidates,
  discoverSocket,
  discoverSocketPath,
  findConfigFile,
  homeDir,
  resolveSocket,
  resolveSocketPath,
  scanSocketKey,
} from './discovery.js'
export type { Env, SocketLocation, SocketSource } from './discovery.js'
export { checkSocketOwner, defaultSocketPlace, ensurePrivateDirectory, runtimeDirectory } from './runtime-dir.js'
export type { FileSystemProbe, OwnDirectory, OwnerOptions, PlaceOptions, SocketPlace } from './runtime-dir.js'

// The wire: the serializer and the framing of run output
export { camelCase, fromWire, parseHistoryColumns, snakeCase, toWire, toWireJson } from './wire.js'
// The history's compact form lives in the core (its stores export it); kept here for the client's users.
export { historyColumnsOf, historyPageOf } from '@timon/core/lite'
export type { HistoryColumns, SampleColumns } from '@timon/core/lite'
export {
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameError,
  MAX_FRAME_BYTES,
  OUTPUT_STREAMS,
  STREAM_IDS,
  encodeFrame,
  frameHeader,
} from './frames.js'
export type { Frame, LogStream, OutputStream } from './frames.js'

// The client's settings: a remote daemon, the spool, this machine's name
export { defaultSpoolDir, machineName, readClientSettings, scanClientTable } from './client-config.js'
export type { ClientSettings, RemoteDaemon } from './client-config.js'
