import type { Health } from '@timon/core'
import type { Evaluation } from './evaluate.js'
import { INITIAL_THRESHOLD_STATE, stepThreshold, type ThresholdState, type Thresholds } from './threshold.js'

// `timon replay --config` replays a check's recorded samples under the config's thresholds. A sample
// records what `stepThreshold` made of an evaluation, not the evaluation; its comment's suffix says
// which it was, so the evaluations are read back from it and stepped again.

/** A recorded sample of a check, as far as its thresholds made it. */
export interface ThresholdSample {
  readonly health: Health
  readonly comment: string | null
}

/**
 * Reads back the evaluation `stepThreshold` turned into `sample`: `(failure 1/2)` and `(… in a
 * row)` mark a failure; `(recovering 1/3)`, `(recovered)` and a bare reason a success, with a
 * warning when the sample is `warning` and no failure count explains it. One thing is lost: a
 * recovering success's own warning (its sample is `warning` either way).
 */
export function recordedEvaluation(sample: ThresholdSample): Evaluation {
  const comment = sample.comment ?? ''
  const failed = FAILURE.exec(comment)
  if (failed !== null) return { ok: false, reason: failed[1] as string }
  const recovering = RECOVERING.exec(comment)
  if (recovering !== null) return { ok: true, reason: recovering[1] as string }
  const recovered = RECOVERED.exec(comment)
  const reason = recovered === null ? comment : (recovered[1] as string)
  return sample.health === 'warning' ? { ok: true, reason, warning: true } : { ok: true, reason }
}

/**
 * Gives each check's recorded samples, in order, the health and comment they would have had under
 * `thresholds` (per probe code); samples of other codes pass unchanged.
 */
export class ThresholdReplay {
  readonly #thresholds: ReadonlyMap<string, Thresholds>
  readonly #states = new Map<string, ThresholdState>()

  constructor(thresholds: ReadonlyMap<string, Thresholds>) {
    this.#thresholds = thresholds
  }

  /** The sample `code` would have recorded next; `sample` itself for a code with no thresholds here. */
  next<S extends ThresholdSample>(code: string, sample: S): S {
    const thresholds = this.#thresholds.get(code)
    if (thresholds === undefined) return sample
    const step = stepThreshold(
      this.#states.get(code) ?? INITIAL_THRESHOLD_STATE,
      recordedEvaluation(sample),
      thresholds,
    )
    this.#states.set(code, step.state)
    return step.health === sample.health && step.comment === sample.comment
      ? sample
      : { ...sample, health: step.health, comment: step.comment }
  }
}

// --- internal ---

const FAILURE = /^(.*) \((?:failure \d+\/\d+|\d+ failures in a row|1 failure)\)$/s
const RECOVERING = /^(.*) \(recovering \d+\/\d+\)$/s
const RECOVERED = /^(.*) \(recovered\)$/s
