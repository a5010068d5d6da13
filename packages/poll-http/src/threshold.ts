import type { Health } from '@timon/core'
import type { Evaluation } from './evaluate.js'

/** Where one probe stands: its consecutive failures and successes, and whether it is critical. */
export interface ThresholdState {
  /** Consecutive failed evaluations (0 after a success). */
  readonly failures: number
  /** Consecutive successful evaluations (0 after a failure). */
  readonly successes: number
  /** True from reaching `failureThreshold` until `successThreshold` successes in a row. */
  readonly critical: boolean
}

/** The state of a probe never evaluated: not critical, no counts. */
export const INITIAL_THRESHOLD_STATE: ThresholdState = { failures: 0, successes: 0, critical: false }

/** The thresholds of a check (see `HttpCheck`); both at least 1. */
export interface Thresholds {
  readonly failureThreshold: number
  readonly successThreshold: number
}

/** One step of the state machine: the new state and the sample to push. */
export interface ThresholdStep {
  readonly state: ThresholdState
  readonly health: Health
  /** The evaluation's reason with the counts, e.g. `HTTP 503 (failure 1/2)`. */
  readonly comment: string
}

/**
 * Advances a probe's state by one evaluation. Pure and clock-free; every step gives a sample
 * (the core's incident state machine turns transitions into incidents and notifications):
 *
 * - a failure below `failureThreshold` consecutive failures gives `warning`, comment
 *   `<reason> (failure 1/2)`: history shows it, no incident opens;
 * - reaching it (and every failure after) gives `critical`, `<reason> (2 failures in a row)`;
 * - while critical, a success below `successThreshold` consecutive successes gives `warning`,
 *   `<reason> (recovering 1/3)`: the open incident stays open; a failure then is `critical` again;
 * - reaching it gives `healthy`, `<reason> (recovered)`; any success outside a critical spell is
 *   `healthy` with the bare reason;
 * - a success with `warning` steps as a success, and gives `warning` where it would give `healthy`.
 */
export function stepThreshold(state: ThresholdState, evaluation: Evaluation, thresholds: Thresholds): ThresholdStep {
  const step = stepCounts(state, evaluation, thresholds)
  return evaluation.ok && evaluation.warning === true && step.health === 'healthy'
    ? { ...step, health: 'warning' }
    : step
}

function stepCounts(state: ThresholdState, evaluation: Evaluation, thresholds: Thresholds): ThresholdStep {
  const { reason } = evaluation
  if (!evaluation.ok) {
    const failures = state.failures + 1
    const critical = state.critical || failures >= thresholds.failureThreshold
    const next = { failures, successes: 0, critical }
    if (!critical)
      return {
        state: next,
        health: 'warning',
        comment: `${reason} (failure ${failures}/${thresholds.failureThreshold})`,
      }
    return {
      state: next,
      health: 'critical',
      comment: `${reason} (${failures} ${failures === 1 ? 'failure' : 'failures in a row'})`,
    }
  }
  const successes = state.successes + 1
  if (!state.critical) return { state: { failures: 0, successes, critical: false }, health: 'healthy', comment: reason }
  if (successes < thresholds.successThreshold) {
    return {
      state: { failures: 0, successes, critical: true },
      health: 'warning',
      comment: `${reason} (recovering ${successes}/${thresholds.successThreshold})`,
    }
  }
  return { state: { failures: 0, successes, critical: false }, health: 'healthy', comment: `${reason} (recovered)` }
}
