import type { Delivery, DeliveryOutcome, EventName, Notifier } from '@timon/core'

/**
 * Several notifiers as one (webhooks, then plugins' targets): targets are the concatenation in
 * order, and a delivery goes to the notifier that knows its target (has a retry policy for it).
 * Target names must be unique over all of them (the config checks it).
 */
export function composeNotifiers(notifiers: readonly Notifier[]): Notifier {
  const owner = (target: string) => notifiers.find((notifier) => notifier.retryPolicy(target) !== undefined)
  return {
    targetsFor: (event: EventName) => notifiers.flatMap((notifier) => notifier.targetsFor(event)),
    retryPolicy: (target: string) => owner(target)?.retryPolicy(target),
    remindEvery: (target: string) => owner(target)?.remindEvery?.(target),
    deliver(delivery: Delivery): Promise<DeliveryOutcome> {
      const notifier = owner(delivery.target)
      // A target removed from the config: retrying cannot help.
      if (notifier === undefined)
        return Promise.resolve({ ok: false, error: `no target "${delivery.target}" in the configuration`, final: true })
      return notifier.deliver(delivery)
    },
  }
}
