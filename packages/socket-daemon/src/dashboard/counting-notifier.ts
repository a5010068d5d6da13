import type { Delivery, DeliveryOutcome, Notifier } from '@timon/core'

/** `notifier`, telling `count` the outcome of every delivery attempt (by target). */
export function countingNotifier(notifier: Notifier, count: (target: string, ok: boolean) => void): Notifier {
  return {
    targetsFor: (event) => notifier.targetsFor(event),
    retryPolicy: (target) => notifier.retryPolicy(target),
    async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
      const outcome = await notifier.deliver(delivery)
      count(delivery.target, outcome.ok)
      return outcome
    },
  }
}
