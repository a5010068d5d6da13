// A notifier of your own: every incident event becomes one JSON line appended to a file
// (an audit log, or a file a log shipper forwards). It implements the core's Notifier port, so
// the Monitor stores its deliveries in the outbox and the Dispatcher retries them like webhooks.
import { appendFile } from 'node:fs/promises'
import type { Delivery, DeliveryOutcome, EventName, Notifier, RetryPolicy } from '@timon/core'

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

  retryPolicy(target: string): RetryPolicy | undefined {
    return target === FileNotifier.TARGET ? { retries: this.#options.retries ?? 3, delayMs: 1_000 } : undefined
  }

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const { name, at, incident, note } = delivery.event
    const line = JSON.stringify({
      delivery: delivery.deliveryId,
      event: name,
      at: at.toISOString(),
      incident: incident === undefined ? null : { code: `INC-${incident.id}`, state: incident.state, title: incident.title },
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
