import type { NotificationRouter } from '@timon/core'
import { matchesAny } from '@timon/notify-webhook'
import type { DaemonConfig } from './config.js'

/** Who hears which event under a config's webhooks (their `on`), as the daemon routes them (`timon replay`). */
export function webhookRouter(config: Pick<DaemonConfig, 'webhooks'>): NotificationRouter {
  return {
    targetsFor: (event) => config.webhooks.filter((hook) => matchesAny(hook.on, event)).map((hook) => hook.name),
  }
}
