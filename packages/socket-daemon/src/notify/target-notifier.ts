import { randomUUID } from 'node:crypto'
import {
  notFound,
  type Clock,
  type CoreError,
  type Delivery,
  type DeliveryOutcome,
  type EventName,
  type LogSink,
  type NotificationEvent,
  type Notifier,
  type RetryPolicy,
} from '@timon/core'
import { CommandNotifier, type CommandConfig } from '@timon/notify-command'
import { EmailNotifier, type EmailConfig } from '@timon/notify-email'
import { WebhookNotifier, type WebhookConfig } from '@timon/notify-webhook'
import { err, ok, type Result } from 'neverthrow'

/** The notifier tables of a configuration, and its test routing (see `DaemonConfig`). */
export interface NotifierTables {
  readonly webhooks: readonly WebhookConfig[]
  readonly emails: readonly EmailConfig[]
  readonly commands: readonly CommandConfig[]
  /** While set, every delivery goes to this target, marked `[<target it was meant for>]`. */
  readonly testTarget: string | undefined
}

/** Options of a {@link TargetNotifier}. */
export interface TargetNotifierOptions {
  /** `_hostname` of the payloads. */
  readonly hostname: string
  /** `User-Agent` of webhooks. */
  readonly version: string
  readonly logger: LogSink
  readonly clock: Clock
}

/** What {@link TargetNotifier.update} changed, by target name. */
export interface TargetsUpdate {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly kept: number
}

/** The answer of one target to `timon notify test`. */
export interface TargetTestResult {
  readonly target: string
  readonly delivered: boolean
  /** Why it failed; absent when delivered. */
  readonly error?: string
}

/**
 * The daemon's one `Notifier`: it routes each delivery by its target's name to the webhook, email
 * or command notifier that has it (names are unique across kinds: the config checks it), and asks
 * all of them which targets an event goes to.
 *
 * {@link update} swaps in the notifiers of a reloaded config: pending deliveries of targets still
 * named go on with the new tables, those of a removed target fail (`no notifier target named …`);
 * attempts in flight end on the notifiers they started with, which are closed once idle.
 *
 * With a test target, every delivery goes to that target instead, with the retry policy of the
 * target it was meant for, its incident's title (or, for `timon.*` events, its note) prefixed
 * `[<that target>]`. The outbox still records it under the target it was meant for.
 */
export class TargetNotifier implements Notifier {
  readonly #options: TargetNotifierOptions
  #current: Generation

  constructor(tables: NotifierTables, options: TargetNotifierOptions) {
    this.#options = options
    this.#current = new Generation(tables, options)
  }

  /** Every target's name, webhooks first, then emails and commands, each in config order. */
  get names(): readonly string[] {
    return [...this.#current.byName.keys()]
  }

  /** The test target in force, if any. */
  get testTarget(): string | undefined {
    return this.#current.tables.testTarget
  }

  targetsFor(event: EventName): readonly string[] {
    return this.#current.notifiers.flatMap((notifier) => notifier.targetsFor(event))
  }

  /** `remind_every` of `target` (as the config names it now). */
  remindEvery(target: string): number | undefined {
    return this.#current.byName.get(target)?.remindEvery?.(target)
  }

  /** The policy of `target` (as the config names it now); `undefined` for a target removed from it. */
  retryPolicy(target: string): RetryPolicy | undefined {
    return this.#current.byName.get(target)?.retryPolicy(target)
  }

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const generation = this.#current
    generation.inFlight += 1
    try {
      if (!generation.byName.has(delivery.target))
        return { ok: false, error: `no notifier target named "${delivery.target}" any more`, final: true }
      const testTarget = generation.tables.testTarget
      const routed =
        testTarget === undefined
          ? delivery
          : { ...delivery, target: testTarget, event: markedFor(delivery.event, delivery.target) }
      const notifier = generation.byName.get(routed.target)
      if (notifier === undefined)
        return { ok: false, error: `no notifier target named "${routed.target}" any more`, final: true }
      return await notifier.deliver(routed)
    } finally {
      generation.inFlight -= 1
      generation.closeIfRetiredAndIdle()
    }
  }

  /**
   * Sends a `timon.test` event to `target` (every target when `undefined`), whatever its `on`
   * list, once, outside the outbox (no retry, no delivery record), and waits for the answers.
   * The test target, when set, applies as to any delivery.
   */
  async test(target: string | undefined): Promise<Result<readonly TargetTestResult[], CoreError>> {
    const names = target === undefined ? this.names : [target]
    if (target !== undefined && !this.#current.byName.has(target)) return err(notFound('target'))
    const now = this.#options.clock.now()
    const results = await Promise.all(
      names.map(async (name): Promise<TargetTestResult> => {
        const outcome = await this.deliver({
          id: 0,
          deliveryId: `test-${randomUUID()}`,
          target: name,
          event: { name: 'timon.test', at: now },
          orderingKey: null,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          lastError: null,
          createdAt: now,
          finishedAt: null,
        })
        return outcome.ok ? { target: name, delivered: true } : { target: name, delivered: false, error: outcome.error }
      }),
    )
    return ok(results)
  }

  /** Uses the notifier tables of a reloaded config from now on (see the class). */
  update(tables: NotifierTables): TargetsUpdate {
    const before = this.#current
    this.#current = new Generation(tables, this.#options)
    before.retire()
    const now = new Set(this.#current.byName.keys())
    const was = new Set(before.byName.keys())
    return {
      added: [...now].filter((name) => !was.has(name)),
      removed: [...was].filter((name) => !now.has(name)),
      kept: [...now].filter((name) => was.has(name)).length,
    }
  }

  /** Closes every notifier (connections, running commands); attempts in flight fail. */
  close(): void {
    this.#current.retire()
    this.#current.close()
  }
}

// --- internal ---

interface ClosableNotifier extends Notifier {
  close(): void
}

/** The notifiers built from one configuration, and the attempts in flight on them. */
class Generation {
  readonly notifiers: readonly ClosableNotifier[]
  readonly byName = new Map<string, ClosableNotifier>()
  inFlight = 0
  #retired = false
  #closed = false

  constructor(
    readonly tables: NotifierTables,
    options: TargetNotifierOptions,
  ) {
    const { hostname, version, logger, clock } = options
    const webhooks = new WebhookNotifier({ webhooks: tables.webhooks, hostname, version, logger, clock })
    const emails = new EmailNotifier({ emails: tables.emails, hostname, logger })
    const commands = new CommandNotifier({ commands: tables.commands, hostname, logger })
    this.notifiers = [webhooks, emails, commands]
    for (const { name } of tables.webhooks) this.byName.set(name, webhooks)
    for (const { name } of tables.emails) this.byName.set(name, emails)
    for (const { name } of tables.commands) this.byName.set(name, commands)
  }

  retire(): void {
    this.#retired = true
    this.closeIfRetiredAndIdle()
  }

  closeIfRetiredAndIdle(): void {
    if (this.#retired && this.inFlight === 0) this.close()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const notifier of this.notifiers) notifier.close()
  }
}

/** The event as the test target gets it: marked with the target it was meant for. */
function markedFor(event: NotificationEvent, target: string): NotificationEvent {
  const mark = `[${target}]`
  if (event.incident !== undefined)
    return { ...event, incident: { ...event.incident, title: `${mark} ${event.incident.title}` } }
  return { ...event, note: event.note === undefined ? mark : `${mark} ${event.note}` }
}
