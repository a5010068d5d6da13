import type { HistoryPage, MaintenanceWindow, NotificationRouter } from '@timon/core'
import type { RuleOverride } from '@timon/core/replay'
import { matchesAny } from '@timon/notify-webhook'
import { ThresholdReplay, type Thresholds } from '@timon/poll-http'
import type { DaemonConfig } from './config.js'

/** What `timon replay --config FILE` replays the history under: the rules of FILE as the daemon would apply them. */
export interface ConfigReplayRules {
  /** Who hears which event: the webhooks, emails and commands whose `on` matches it. */
  readonly notifications: NotificationRouter
  readonly maintenance: readonly MaintenanceWindow[]
  readonly timezone: string
  /** Passes history pages on with each `[[check]]`'s samples stepped again through its thresholds. */
  readonly checkSamples: (pages: AsyncIterable<HistoryPage>) => AsyncIterable<HistoryPage>
  /** The stale-incident rule each `[[check]]` sends with its samples, as an override of its code. */
  readonly overrides: readonly RuleOverride[]
}

/**
 * The rules of a config that a replay can apply. Not taken: a `[[plugin]]`'s targets and checks
 * (only its module knows whether it notifies, and which codes it checks).
 */
export function configReplayRules(config: DaemonConfig): ConfigReplayRules {
  const targets = [...config.webhooks, ...config.emails, ...config.commands]
  const checks = [...config.checks, ...config.systemChecks]
  return {
    notifications: {
      targetsFor: (event) => targets.filter((target) => matchesAny(target.on, event)).map((target) => target.name),
    },
    maintenance: config.maintenance,
    timezone: config.timezone,
    checkSamples: (pages) => rethresholded(pages, new Map(checks.map((check) => [check.code, check]))),
    overrides: checks.map((check) => ({ code: check.code, rules: { staleIncidentAfter: check.staleIncidentAfterMs } })),
  }
}

// --- internal ---

async function* rethresholded(
  pages: AsyncIterable<HistoryPage>,
  thresholds: ReadonlyMap<string, Thresholds>,
): AsyncGenerator<HistoryPage> {
  const checks = new ThresholdReplay(thresholds)
  for await (const page of pages) {
    if (thresholds.size === 0) yield page
    else yield { ...page, reports: page.reports.map((r) => (r.kind === 'sample' ? checks.next(r.code, r) : r)) }
  }
}
