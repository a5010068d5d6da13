// A notifier of your own: every incident event becomes one JSON line appended to a file
// (an audit log, or a file a log shipper forwards). It implements the core's Notifier port, so
// the Monitor stores its deliveries in the outbox and the Dispatcher retries them like webhooks.
// Its default export makes it a `[[plugin]]` of the bundled daemon (see the README, "Writing a plugin").
import { appendFile } from 'node:fs/promises'
import type { Delivery, DeliveryOutcome, EventName, LogSink, Notifier, RetryPolicy } from '@timon/core'

/**
 * The plugin factory: `[[plugin]] module = "…/file-notifier.js"`, `options = { path = "…" }`. The
 * daemon routes by the plugin's `on` and names the target after the plugin. Throwing here stops
 * the daemon at start with a message naming the plugin.
 */
export default function filePlugin({
  options,
}: {
  options: Readonly<Record<string, unknown>>
  logger: LogSink
}): Notifier {
  if (typeof options.path !== 'string') throw new Error('options.path must be the file to append to')
  return new FileNotifier({
    path: options.path,
    ...(typeof options.retries === 'number' ? { retries: options.retries } : {}),
  })
}

export interface FileNotifierOptions {
  /** The file that receives one JSON line per event. */
  readonly path: string
  /** Retries after a failed append (default 3), one second apart. */
  readonly retries?: number
}

/** Appends incident events to a file as JSON lines. */
export class FileNotifier implements Notifier {
  static readonly TARGET = 'audit-file'
  readonly #options: FileNotifierOptions

  constructor(options: FileNotifierOptions) {
    this.#options = options
  }

  targetsFor(event: EventName): readonly string[] {
    return event.startsWith('incident.') ? [FileNotifier.TARGET] : []
  }

  /** Its policy for any target it is asked about (as a plugin, the daemon names the target after the plugin). */
  retryPolicy(_target: string): RetryPolicy | undefined {
    return { retries: this.#options.retries ?? 3, delayMs: 1_000 }
  }

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const { name, at, incident, note } = delivery.event
    const line = JSON.stringify({
      delivery: delivery.deliveryId,
      event: name,
      at: at.toISOString(),
      incident:
        incident === undefined ? null : { code: `INC-${incident.id}`, state: incident.state, title: incident.title },
      note: note ?? null,
    })
    try {
      await appendFile(this.#options.path, `${line}\n`)
      return { ok: true }
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) }
    }
  }
}
