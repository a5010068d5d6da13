/**
 * The transport of a local daemon: HTTP/1.1 on its Unix socket (`node:net`, see
 * {@link PooledTransport}). Streams go over `node:http`, loaded when the first one opens.
 */
import { createConnection } from 'node:net'
import { PooledTransport, type Dialed, type PooledTransportOptions } from './pooled.js'
import type { StreamRequest, StreamResult } from './transport.js'

/** Options of a {@link UnixSocketTransport}. */
export interface UnixSocketTransportOptions extends PooledTransportOptions {
  readonly socketPath: string
  /**
   * Looks at the socket before each new connection (and stream): a message refuses it as
   * `untrusted` (see `checkSocketOwner`: a discovered socket must be the user's or root's).
   */
  readonly checkSocket?: (socketPath: string) => string | undefined
}

/**
 * A pool of kept-alive HTTP/1.1 connections to one Unix socket. {@link request} never rejects: it
 * resolves with the answer, whatever its status, or with a `ConnectionFailure`.
 *
 * A request sent on a reused connection that the server had closed while it was idle (it breaks or
 * ends before a single byte of the answer) is sent again, once, on a new connection, as HTTP
 * clients do: the server never read it.
 */
export class UnixSocketTransport extends PooledTransport {
  readonly socketPath: string
  readonly #checkSocket: ((socketPath: string) => string | undefined) | undefined

  constructor(options: UnixSocketTransportOptions) {
    super(options)
    this.socketPath = options.socketPath
    this.#checkSocket = options.checkSocket
  }

  /** The socket path: what messages name. */
  get address(): string {
    return this.socketPath
  }

  /**
   * Opens a streamed exchange on the socket over `node:http` (loaded here, on first use), with this
   * transport's headers (`Host`) under the request's own. No agent: the connection is the
   * exchange's alone.
   */
  async openStream(request: StreamRequest): Promise<StreamResult> {
    const refused = this.refuse()
    if (refused !== undefined) return { ok: false, failure: { kind: 'untrusted', message: refused } }
    const { request: open } = await import('./node-http.js')
    const req = open({
      socketPath: this.socketPath,
      path: request.path,
      method: request.method,
      agent: false,
      headers: { ...this.headers, ...request.headers },
    })
    return { ok: true, request: req }
  }

  protected override refuse(): string | undefined {
    return this.#checkSocket?.(this.socketPath)
  }

  protected dial(): Dialed {
    return { socket: createConnection({ path: this.socketPath }), readyEvent: 'connect' }
  }
}
