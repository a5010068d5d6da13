import { describe, expect, it } from 'vitest'
import type { Evaluation } from './evaluate.js'
import { INITIAL_THRESHOLD_STATE, stepThreshold, type Thresholds } from './threshold.js'

const pass: Evaluation = { ok: true, reason: 'HTTP 200 in 5ms' }
const fail: Evaluation = { ok: false, reason: 'HTTP 503' }

/** Runs a sequence of evaluations from the initial state; returns `health comment` per step. */
function run(thresholds: Thresholds, sequence: string): string[] {
  let state = INITIAL_THRESHOLD_STATE
  return [...sequence].map((c) => {
    const step = stepThreshold(state, c === '+' ? pass : fail, thresholds)
    state = step.state
    return `${step.health}: ${step.comment}`
  })
}

describe('stepThreshold', () => {
  it('is healthy while the check passes', () => {
    expect(run({ failureThreshold: 2, successThreshold: 1 }, '++')).toEqual([
      'healthy: HTTP 200 in 5ms',
      'healthy: HTTP 200 in 5ms',
    ])
  })

  it('warns below the failure threshold, then turns critical on reaching it and stays so', () => {
    expect(run({ failureThreshold: 3, successThreshold: 1 }, '----')).toEqual([
      'warning: HTTP 503 (failure 1/3)',
      'warning: HTTP 503 (failure 2/3)',
      'critical: HTTP 503 (3 failures in a row)',
      'critical: HTTP 503 (4 failures in a row)',
    ])
  })

  it('turns critical on the first failure with a threshold of 1', () => {
    expect(run({ failureThreshold: 1, successThreshold: 1 }, '-')).toEqual(['critical: HTTP 503 (1 failure)'])
  })

  it('forgets failures below the threshold after one success', () => {
    expect(run({ failureThreshold: 2, successThreshold: 3 }, '-+-+')).toEqual([
      'warning: HTTP 503 (failure 1/2)',
      'healthy: HTTP 200 in 5ms',
      'warning: HTTP 503 (failure 1/2)',
      'healthy: HTTP 200 in 5ms',
    ])
  })

  it('needs success_threshold successes in a row to be healthy again, warning while recovering', () => {
    expect(run({ failureThreshold: 2, successThreshold: 3 }, '--+++')).toEqual([
      'warning: HTTP 503 (failure 1/2)',
      'critical: HTTP 503 (2 failures in a row)',
      'warning: HTTP 200 in 5ms (recovering 1/3)',
      'warning: HTTP 200 in 5ms (recovering 2/3)',
      'healthy: HTTP 200 in 5ms (recovered)',
    ])
  })

  it('is critical again at once when a failure interrupts the recovery, and starts counting successes over', () => {
    expect(run({ failureThreshold: 2, successThreshold: 2 }, '--+-++')).toEqual([
      'warning: HTTP 503 (failure 1/2)',
      'critical: HTTP 503 (2 failures in a row)',
      'warning: HTTP 200 in 5ms (recovering 1/2)',
      'critical: HTTP 503 (1 failure)',
      'warning: HTTP 200 in 5ms (recovering 1/2)',
      'healthy: HTTP 200 in 5ms (recovered)',
    ])
  })

  it('recovers on the first success with the default threshold of 1', () => {
    expect(run({ failureThreshold: 2, successThreshold: 1 }, '--+-')).toEqual([
      'warning: HTTP 503 (failure 1/2)',
      'critical: HTTP 503 (2 failures in a row)',
      'healthy: HTTP 200 in 5ms (recovered)',
      'warning: HTTP 503 (failure 1/2)',
    ])
  })

  it('returns the counts in its state', () => {
    const first = stepThreshold(INITIAL_THRESHOLD_STATE, fail, { failureThreshold: 2, successThreshold: 2 })
    expect(first.state).toEqual({ failures: 1, successes: 0, critical: false })
    const second = stepThreshold(first.state, fail, { failureThreshold: 2, successThreshold: 2 })
    expect(second.state).toEqual({ failures: 2, successes: 0, critical: true })
    expect(stepThreshold(second.state, pass, { failureThreshold: 2, successThreshold: 2 }).state).toEqual({
      failures: 0,
      successes: 1,
      critical: true,
    })
  })

  it('gives warning for a passing verdict with a warning, and counts it as a success', () => {
    const warn = { ok: true, reason: 'disk 85% used', warning: true }
    const thresholds = { failureThreshold: 1, successThreshold: 1 }
    expect(stepThreshold(INITIAL_THRESHOLD_STATE, warn, thresholds)).toMatchObject({
      health: 'warning',
      comment: 'disk 85% used',
    })
    const critical = stepThreshold(INITIAL_THRESHOLD_STATE, fail, thresholds)
    expect(critical.health).toBe('critical')
    const recovered = stepThreshold(critical.state, warn, thresholds)
    expect(recovered).toMatchObject({
      health: 'warning',
      comment: 'disk 85% used (recovered)',
      state: { critical: false },
    })
  })
})
