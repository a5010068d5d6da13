import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Evaluation } from './evaluate.js'
import { INITIAL_THRESHOLD_STATE, stepThreshold, type Thresholds } from './threshold.js'
import { recordedEvaluation, ThresholdReplay, type ThresholdSample } from './threshold-replay.js'

/** What a check records for `evaluations` under `thresholds`. */
function record(evaluations: readonly Evaluation[], thresholds: Thresholds): ThresholdSample[] {
  let state = INITIAL_THRESHOLD_STATE
  return evaluations.map((evaluation) => {
    const step = stepThreshold(state, evaluation, thresholds)
    state = step.state
    return { health: step.health, comment: step.comment }
  })
}

function replayed(samples: readonly ThresholdSample[], thresholds: Thresholds): ThresholdSample[] {
  const replay = new ThresholdReplay(new Map([['api.health', thresholds]]))
  return samples.map((sample) => replay.next('api.health', sample))
}

const thresholds = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  successThreshold: fc.integer({ min: 1, max: 4 }),
})
const reason = fc.constantFrom('HTTP 503', 'HTTP 200', 'timeout after 10s', 'disk (recovered) 91%')
const evaluation = (withWarnings: boolean) =>
  fc.record({ ok: fc.boolean(), reason, warning: withWarnings ? fc.boolean() : fc.constant(false) })

describe('ThresholdReplay', () => {
  it('gives back what was recorded under the same thresholds', () => {
    fc.assert(
      fc.property(fc.array(evaluation(true), { maxLength: 40 }), thresholds, (evaluations, same) => {
        const samples = record(evaluations, same)
        expect(replayed(samples, same)).toEqual(samples)
      }),
    )
  })

  it('gives what the check would have recorded under other thresholds', () => {
    fc.assert(
      fc.property(fc.array(evaluation(false), { maxLength: 40 }), thresholds, thresholds, (evaluations, was, other) => {
        expect(replayed(record(evaluations, was), other)).toEqual(record(evaluations, other))
      }),
    )
  })

  it('turns two failures into an incident once the threshold is 2, not 3', () => {
    const evaluations = [
      { ok: false, reason: 'HTTP 503' },
      { ok: false, reason: 'HTTP 503' },
      { ok: true, reason: 'HTTP 200' },
    ]
    const samples = record(evaluations, { failureThreshold: 2, successThreshold: 1 })
    expect(samples.map((s) => s.health)).toEqual(['warning', 'critical', 'healthy'])
    expect(replayed(samples, { failureThreshold: 3, successThreshold: 1 })).toEqual([
      { health: 'warning', comment: 'HTTP 503 (failure 1/3)' },
      { health: 'warning', comment: 'HTTP 503 (failure 2/3)' },
      { health: 'healthy', comment: 'HTTP 200' },
    ])
  })

  it('reads a passing check with a warning back as a success', () => {
    expect(recordedEvaluation({ health: 'warning', comment: 'disk 91% (warning at 90%)' })).toEqual({
      ok: true,
      reason: 'disk 91% (warning at 90%)',
      warning: true,
    })
    expect(recordedEvaluation({ health: 'critical', comment: 'HTTP 503 (3 failures in a row)' })).toEqual({
      ok: false,
      reason: 'HTTP 503',
    })
  })

  it('passes samples of other codes unchanged', () => {
    const sample = { health: 'critical' as const, comment: 'pushed by hand' }
    expect(new ThresholdReplay(new Map()).next('db.main', sample)).toBe(sample)
  })
})
