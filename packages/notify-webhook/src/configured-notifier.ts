import { hostname } from 'node:os'
import type { Delivery, DeliveryOutcome, EventName, Notifier, RetryPolicy } from '@timon/core'
import { matchesAny } from './match-event.js'
import type { NotifierRetry } from './notifier-fields.js'

/** What every notifier table (`[[webhook]]`, `[[email]]`, `[[command]]`) has, once parsed. */
export interface TargetConfig {
  readonly name: string
  readonly on: readonly string[]
  readonly remindEveryMs?: number
  readonly retry: Omit<NotifierRetry, 'timeoutMs'>
}

/**
 * A notifier of named targets from a config (webhooks, emails, commands): it answers the parts of
 * the `Notifier` port that come from the targets' config alone (who hears an event, how often to
 * remind, how to retry), the same way for every kind; a subclass makes the attempts.
 */
export abstract class ConfiguredNotifier<T> implements Notifier {
  readonly #list: readonly T[]
  readonly #byName: ReadonlyMap<string, T>
  readonly #configOf: (target: T) => TargetConfig

  /**
   * @param targets - in config order.
   * @param configOf - a target's config.
   * @throws TypeError when two targets have the same name.
   */
  constructor(targets: readonly T[], configOf: (target: T) => TargetConfig) {
    this.#list = targets
    this.#configOf = configOf
    this.#byName = new Map(targets.map((target) => [configOf(target).name, target]))
    if (this.#byName.size !== targets.length) throw new TypeError(`${new.target.name}: target names must be unique`)
  }

  /** Makes one attempt to deliver `delivery` to its target; resolves with the outcome, never throws for a failure. */
  abstract deliver(delivery: Delivery): Promise<DeliveryOutcome>

  /** Every target, in config order. */
  protected get targets(): readonly T[] {
    return this.#list
  }

  /** The target named `name`, if there is one (still). */
  protected target(name: string): T | undefined {
    return this.#byName.get(name)
  }

  /** The names of the targets whose `on` matches `event`, in config order. */
  targetsFor(event: EventName): readonly string[] {
    const names: string[] = []
    for (const target of this.#list) {
      const config = this.#configOf(target)
      if (matchesAny(config.on, event)) names.push(config.name)
    }
    return names
  }

  /** `remind_every` of `name`, in milliseconds; `undefined` without one (or for an unknown name). */
  remindEvery(name: string): number | undefined {
    const target = this.#byName.get(name)
    return target === undefined ? undefined : this.#configOf(target).remindEveryMs
  }

  /** `retry.attempts` retries, `retry.delay` doubling up to `retry.max_delay`; `undefined` for an unknown name. */
  retryPolicy(name: string): RetryPolicy | undefined {
    const target = this.#byName.get(name)
    if (target === undefined) return undefined
    const { retry } = this.#configOf(target)
    return { retries: retry.attempts, delayMs: retry.delayMs, maxDelayMs: retry.maxDelayMs }
  }
}

/** `_hostname` of the payloads when none is given: the OS hostname, else `localhost`. */
export function defaultHostname(): string {
  return hostname() || 'localhost'
}
