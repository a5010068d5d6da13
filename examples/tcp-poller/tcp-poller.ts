// A poller of your own: is something accepting TCP connections on host:port? It implements the
// core's Poller port, so the daemon (or your program) records its samples like pushed probes:
// incidents, webhooks, status and history work for it as for any probe.
// Its default export makes it a `[[plugin]]` of the bundled daemon (see the README, "Writing a plugin").
import { connect, type Socket } from 'node:net'
import type { LogSink, PolledSample, PolledSource, Poller } from '@timon/core'

/**
 * The plugin factory: `options = { interval_ms = 30000, targets = [{ code = "db.port", host = "127.0.0.1", port = 5432 }] }`.
 * Throwing here (bad options) stops the daemon at start with a message naming the plugin.
 */
export default function tcpPlugin({
  options,
}: {
  options: Readonly<Record<string, unknown>>
  logger: LogSink
}): Poller {
  const targets = options.targets
  const valid = (target: unknown): target is TcpTarget => {
    const { code, host, port } = (target ?? {}) as Partial<Record<keyof TcpTarget, unknown>>
    return typeof code === 'string' && typeof host === 'string' && typeof port === 'number'
  }
  if (!Array.isArray(targets) || !targets.every(valid))
    throw new Error('options.targets must be an array of { code, host, port }')
  return new TcpPoller({
    targets,
    ...(typeof options.interval_ms === 'number' ? { intervalMs: options.interval_ms } : {}),
  })
}

export interface TcpTarget {
  readonly code: string
  readonly host: string
  readonly port: number
}

export interface TcpPollerOptions {
  readonly targets: readonly TcpTarget[]
  /** Time between rounds, in milliseconds; default 30 s. */
  readonly intervalMs?: number
  /** Longest connect attempt, in milliseconds; default 5 s. */
  readonly timeoutMs?: number
}

/** Connects to every target each interval: `healthy` when it connects, `critical` when not. */
export class TcpPoller implements Poller {
  readonly #options: TcpPollerOptions
  readonly #sockets = new Set<Socket>()
  #timer: NodeJS.Timeout | undefined
  #round: Promise<void> | undefined

  constructor(options: TcpPollerOptions) {
    this.#options = options
  }

  start(record: (sample: PolledSample) => Promise<void>): void {
    // A round still going when the next is due is not doubled: that tick is skipped.
    const tick = () => {
      this.#round ??= this.#pollAll(record).finally(() => (this.#round = undefined))
    }
    this.#timer = setInterval(tick, this.#options.intervalMs ?? 30_000)
    tick()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    for (const socket of this.#sockets) socket.destroy() // attempts in flight end now, unrecorded
    await this.#round
  }

  sources(): readonly PolledSource[] {
    return this.#options.targets.map(({ code, host, port }) => ({ code, source: `tcp://${host}:${port}` }))
  }

  async #pollAll(record: (sample: PolledSample) => Promise<void>): Promise<void> {
    await Promise.all(
      this.#options.targets.map(async (target) => {
        const comment = await this.#connect(target)
        if (this.#timer === undefined) return // stopped meanwhile
        await record({ code: target.code, health: comment.startsWith('connected') ? 'healthy' : 'critical', comment })
      }),
    )
  }

  /** Resolves with a short comment: `connected in 2ms`, `connection refused`, `no connection after 5000ms`. */
  #connect({ host, port }: TcpTarget): Promise<string> {
    const timeoutMs = this.#options.timeoutMs ?? 5_000
    const started = performance.now()
    return new Promise((resolve) => {
      const socket = connect({ host, port, timeout: timeoutMs })
      this.#sockets.add(socket)
      const done = (comment: string) => {
        this.#sockets.delete(socket)
        socket.destroy()
        resolve(comment)
      }
      socket.once('connect', () => done(`connected in ${Math.round(performance.now() - started)}ms`))
      socket.once('timeout', () => done(`no connection after ${timeoutMs}ms`))
      socket.once('error', (error: NodeJS.ErrnoException) =>
        done(error.code === 'ECONNREFUSED' ? 'connection refused' : error.message),
      )
      socket.once('close', () => done('stopped'))
    })
  }
}
