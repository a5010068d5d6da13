import type { IncomingMessage, ServerResponse } from 'node:http'

/** Options of {@link LiveUpdates}. */
export interface LiveUpdatesOptions {
  /** Changes within this many milliseconds are sent as one event (default 50). */
  readonly coalesceMs?: number
  /** A comment line this often keeps proxies from closing idle streams (default 25 s). */
  readonly heartbeatMs?: number
}

/**
 * Server-Sent Events to open pages: `notify()` after any change sends one `change` event (with a
 * growing version number) to every open stream; pages then fetch their fresh content.
 */
export class LiveUpdates {
  readonly #clients = new Set<ServerResponse>()
  readonly #coalesceMs: number
  readonly #heartbeat: NodeJS.Timeout
  #pending: NodeJS.Timeout | undefined
  #version = 0

  constructor(options: LiveUpdatesOptions = {}) {
    this.#coalesceMs = options.coalesceMs ?? 50
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), options.heartbeatMs ?? 25_000)
    this.#heartbeat.unref()
  }

  /** Takes over a request as an event stream until the client goes away or {@link close}. */
  attach(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' })
    res.write(`retry: 2000\nevent: hello\ndata: ${this.#version}\n\n`)
    this.#clients.add(res)
    req.socket.setTimeout(0)
    res.on('close', () => this.#clients.delete(res))
  }

  /** Signals a change; the event goes out after the coalescing delay. */
  notify(): void {
    if (this.#pending !== undefined) return
    this.#pending = setTimeout(() => {
      this.#pending = undefined
      this.#version += 1
      this.#write(`event: change\ndata: ${this.#version}\n\n`)
    }, this.#coalesceMs)
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    clearInterval(this.#heartbeat)
    clearTimeout(this.#pending)
    for (const res of this.#clients) res.end()
    this.#clients.clear()
  }

  #write(chunk: string): void {
    for (const res of this.#clients) res.write(chunk)
  }
}
