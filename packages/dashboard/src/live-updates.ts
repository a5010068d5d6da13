import type { IncomingMessage, ServerResponse } from 'node:http'

/** Options of {@link LiveUpdates}. */
export interface LiveUpdatesOptions {
  /** Changes within this many milliseconds are sent as one event (default 50). */
  readonly coalesceMs?: number
  /** A comment line this often keeps proxies from closing idle streams (default 25 s). */
  readonly heartbeatMs?: number
}

/** How many versions of changed codes are remembered for {@link LiveUpdates.changedSince}. */
const CHANGE_LOG_LENGTH = 256

/**
 * Server-Sent Events to open pages: `notify()` after any change sends one event (with a growing
 * version number) to every open stream, coalesced: `change` when anything may have changed (pages
 * fetch their fresh content), or `rows` when only some codes did (`notify(codes)`), whose pages
 * ask for those rows alone ({@link changedSince}). The events never carry the codes themselves:
 * every stream gets them, whatever its caller may see.
 */
export class LiveUpdates {
  readonly #clients = new Set<ServerResponse>()
  readonly #coalesceMs: number
  readonly #heartbeat: NodeJS.Timeout
  #pending: NodeJS.Timeout | undefined
  /** The codes of the event being coalesced; `all` once a change named none. */
  #pendingCodes: Set<string> | 'all' = new Set()
  /** The codes each recent version changed, oldest first. */
  readonly #log: { readonly version: number; readonly codes: ReadonlySet<string> | 'all' }[] = []
  #version = 0

  constructor(options: LiveUpdatesOptions = {}) {
    this.#coalesceMs = options.coalesceMs ?? 50
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), options.heartbeatMs ?? 25_000)
    this.#heartbeat.unref()
  }

  /** Takes over a request as an event stream until the client goes away or {@link close}. */
  attach(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    })
    res.write(`retry: 2000\nevent: hello\ndata: ${this.#version}\n\n`)
    this.#clients.add(res)
    req.socket.setTimeout(0)
    res.on('close', () => this.#clients.delete(res))
  }

  /** Signals a change, of these codes only when given; the event goes out after the coalescing delay. */
  notify(codes?: readonly string[]): void {
    if (codes === undefined) this.#pendingCodes = 'all'
    else if (this.#pendingCodes !== 'all') for (const code of codes) this.#pendingCodes.add(code)
    if (this.#pending !== undefined) return
    this.#pending = setTimeout(() => {
      this.#pending = undefined
      const codes = this.#pendingCodes
      this.#pendingCodes = new Set()
      this.#version += 1
      this.#log.push({ version: this.#version, codes })
      if (this.#log.length > CHANGE_LOG_LENGTH) this.#log.shift()
      this.#write(`event: ${codes === 'all' ? 'change' : 'rows'}\ndata: ${this.#version}\n\n`)
    }, this.#coalesceMs)
  }

  /**
   * The codes changed after `version` (up to now), or `all` when a change named none or the log no
   * longer reaches back that far: the page should then fetch all of its content.
   */
  changedSince(version: number): { readonly version: number; readonly codes: readonly string[] | 'all' } {
    const first = this.#log[0]
    if (version < this.#version && (first === undefined || version < first.version - 1))
      return { version: this.#version, codes: 'all' }
    const codes = new Set<string>()
    for (const entry of this.#log) {
      if (entry.version <= version) continue
      if (entry.codes === 'all') return { version: this.#version, codes: 'all' }
      for (const code of entry.codes) codes.add(code)
    }
    return { version: this.#version, codes: [...codes] }
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
