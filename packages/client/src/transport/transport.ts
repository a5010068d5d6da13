/**
 * How a {@link TimonClient} reaches the daemon. The client speaks the wire API (paths, JSON,
 * frames); a transport carries its requests. {@link UnixSocketTransport} is the one there is: HTTP/1.1
 * on the daemon's Unix socket. A transport never rejects: it resolves with an answer or with a
 * {@link ConnectionFailure}, which the client turns into a `ClientError` (see `failures.ts`), the
 * same way for JSON calls and streams.
 */
import type { ClientRequest } from 'node:http'

/** An answer: its status, its headers (names in lower case, repeated ones joined with `, `), its body. */
export interface HttpResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

/**
 * Why a request got no answer:
 * - `connect`: no connection could be opened (`code` is the errno code: ENOENT, ECONNREFUSED, EAGAIN…);
 * - `untrusted`: the transport refused to connect to what it found (a socket owned by another user);
 * - `timeout`: no complete answer within the request's time;
 * - `closed`: the connection broke (reset, or closed by the daemon) before the answer was complete;
 * - `protocol`: the answer was not HTTP/1.1 as the client reads it, or was too large;
 * - `invalid`: the request itself cannot be sent (a method or path that would break the framing).
 */
export interface ConnectionFailure {
  readonly kind: 'connect' | 'untrusted' | 'timeout' | 'closed' | 'protocol' | 'invalid'
  readonly message: string
  /** The errno code, for `connect` and `closed`. */
  readonly code?: string
}

/** A whole answer, or why there is none. */
export type TransportResult =
  | { readonly ok: true; readonly response: HttpResponse }
  | { readonly ok: false; readonly failure: ConnectionFailure }

/** A streamed exchange to open (a run's output, a log). */
export interface StreamRequest {
  readonly method: 'GET' | 'POST'
  /** The path and query, already encoded. */
  readonly path: string
  /** Headers of this exchange; the transport adds its own (`Host`, and later authentication). */
  readonly headers: Readonly<Record<string, string>>
}

/** A streamed exchange, opened (its headers not yet sent), or why it could not be. */
export type StreamResult =
  | { readonly ok: true; readonly request: ClientRequest }
  | { readonly ok: false; readonly failure: ConnectionFailure }

/** What a {@link TimonClient} needs of the way to its daemon. */
export interface Transport {
  /** Where the daemon is, as messages name it: a socket path (a URL for a remote daemon). */
  readonly address: string
  /** How long a request may take in all, in ms: named in `timeout` errors. */
  readonly timeoutMs: number
  /**
   * Sends one request with `body` (with its `Content-Length` and `contentType`) and resolves with
   * the whole answer, whatever its status, or why there is none.
   */
  request(method: string, path: string, body?: string, contentType?: string): Promise<TransportResult>
  /**
   * Opens a streamed exchange over `node:http` (loaded on first use): the caller writes the body
   * and reads the answer. Connect errors come as the request's `error` event.
   */
  openStream(request: StreamRequest): Promise<StreamResult>
  /** Closes kept-alive connections; requests in flight fail as `closed`. */
  close(): void
}
