// Failure and success thresholds: the critical incident opens at the N-th critical report in a row
// and recovers after M healthy ones in a row (docs/behaviour.md#thresholds).
import type { Contract, Progress, Rules } from '../domain.js'
import type { Health } from '../validate.js'

/** The streak counters a contract keeps between reports. */
export type Streaks = Pick<Contract, 'failureStreak' | 'successStreak'>

/** What one report does to the critical rule under thresholds. */
export interface ThresholdOutcome {
  readonly streaks: Streaks
  /** The transition to apply to the critical incident; `undefined` while a streak is short of its threshold. */
  readonly action: 'degrade' | 'recover' | undefined
  /** Where the report stands in a streak that counts ("2 of 3"); `null` when no threshold above 1 applies. */
  readonly progress: Progress | null
}

/**
 * Counts a report of `health`. `failing` says whether the critical incident is open or relapsed:
 * then critical reports change nothing and healthy ones count towards recovery; otherwise critical
 * ones count towards opening (or relapsing). A warning breaks both streaks and moves nothing.
 */
export function countReport(health: Health, streaks: Streaks, rules: Rules, failing: boolean): ThresholdOutcome {
  if (health === 'warning')
    return { streaks: { failureStreak: 0, successStreak: 0 }, action: undefined, progress: null }
  const critical = health === 'critical'
  const next = critical
    ? { failureStreak: streaks.failureStreak + 1, successStreak: 0 }
    : { failureStreak: 0, successStreak: streaks.successStreak + 1 }
  const action = critical ? 'degrade' : 'recover'
  // Reports that cannot move the incident (critical while failing, healthy while not) just count.
  if (critical === failing) return { streaks: next, action, progress: null }
  const count = critical ? next.failureStreak : next.successStreak
  const of = (critical ? rules.failureThreshold : rules.successThreshold) ?? 1
  const progress = of > 1 ? { count: Math.min(count, of), of } : null
  return { streaks: next, action: count >= of ? action : undefined, progress }
}
