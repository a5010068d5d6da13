import type { CheckResult, Dispatcher, Monitor } from '@timon/core'
import { ok } from 'neverthrow'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLogger } from './logger.js'
import { Scheduler } from './scheduler.js'

/** A Monitor and a Dispatcher reduced to what the scheduler calls, with scripted answers. */
function harness(options: { pingIntervalMs?: number } = {}) {
  const state = {
    deadline: undefined as Date | undefined,
    stuck: false,
    due: undefined as Date | undefined,
    failNext: false,
    checks: 0,
    lookups: 0,
    wakes: 0,
    started: 0,
    stopped: 0,
    pings: 0,
  }
  const monitor = {
    nextDeadline: async () => {
      state.lookups += 1
      if (state.failNext) {
        state.failNext = false
        throw new Error('database is locked')
      }
      return state.deadline
    },
    check: async () => {
      state.checks += 1
      if (!state.stuck) state.deadline = undefined
      return ok<CheckResult>({ opened: [], recovered: [], relapsed: [], markedStale: [] })
    },
    emit: async () => {
      state.pings += 1
      return ok({ deliveries: 0 })
    },
  }
  const dispatcher = {
    nextDueAt: async () => state.due,
    start: () => {
      state.started += 1
    },
    wake: () => {
      state.wakes += 1
      state.due = undefined
    },
    stop: async () => {
      state.stopped += 1
    },
  }
  const lines: string[] = []
  const scheduler = new Scheduler({
    monitor: monitor as unknown as Monitor,
    dispatcher: dispatcher as unknown as Dispatcher,
    clock: { now: () => new Date() },
    log: createLogger({ level: 'debug', write: (line) => lines.push(line) }),
    pingIntervalMs: options.pingIntervalMs,
  })
  return { state, scheduler, lines }
}

const inMs = (ms: number) => new Date(Date.now() + ms)

describe('the scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] })
  })
  afterEach(async () => {
    vi.useRealTimers()
  })

  it('sleeps until the next deadline, then checks', async () => {
    const { state, scheduler } = harness()
    state.deadline = inMs(5000)
    scheduler.start()
    await vi.advanceTimersByTimeAsync(4990)
    expect(state.checks).toBe(0)
    await vi.advanceTimersByTimeAsync(20)
    expect(state.checks).toBe(1)
    await scheduler.stop()
  })

  it('re-arms for an earlier deadline set by a push', async () => {
    const { state, scheduler } = harness()
    state.deadline = inMs(50_000)
    scheduler.start()
    await vi.advanceTimersByTimeAsync(100)
    state.deadline = inMs(1000)
    scheduler.rearm()
    await vi.advanceTimersByTimeAsync(1020)
    expect(state.checks).toBe(1)
    await scheduler.stop()
  })

  it('clamps a far deadline to the safety re-check instead of firing at once', async () => {
    const { state, scheduler } = harness()
    state.deadline = inMs(2 ** 31 + 10_000)
    scheduler.start()
    await vi.advanceTimersByTimeAsync(10)
    const lookups = state.lookups
    await vi.advanceTimersByTimeAsync(59_000)
    expect([state.checks, state.lookups]).toEqual([0, lookups])
    await vi.advanceTimersByTimeAsync(2000)
    expect([state.checks, state.lookups]).toEqual([0, lookups + 1])
    await scheduler.stop()
  })

  it('coalesces a burst of re-arms', async () => {
    const { state, scheduler } = harness()
    scheduler.start()
    await vi.advanceTimersByTimeAsync(50)
    const before = state.lookups
    for (let i = 0; i < 100; i++) scheduler.rearm()
    await vi.advanceTimersByTimeAsync(50)
    expect(state.lookups - before).toBeLessThanOrEqual(2)
    await scheduler.stop()
  })

  it('logs an error and tries again a second later', async () => {
    const { state, scheduler, lines } = harness()
    state.failNext = true
    state.deadline = inMs(100)
    scheduler.start()
    await vi.advanceTimersByTimeAsync(500)
    expect(lines.some((line) => line.includes('[ERROR] the scheduler failed; retrying in 1s'))).toBe(true)
    expect(state.checks).toBe(0)
    await vi.advanceTimersByTimeAsync(1000)
    expect(state.checks).toBe(1)
    await scheduler.stop()
  })

  it('does not spin on a deadline that check() leaves due', async () => {
    const { state, scheduler, lines } = harness()
    state.stuck = true
    state.deadline = inMs(10)
    scheduler.start()
    await vi.advanceTimersByTimeAsync(2500)
    expect(state.checks).toBeLessThanOrEqual(3)
    expect(lines.some((line) => line.includes('[WARN] a deadline due at'))).toBe(true)
    await scheduler.stop()
  })

  it('starts the dispatcher, wakes it when deliveries are due and when told they were queued, and stops it', async () => {
    const { state, scheduler } = harness()
    state.due = inMs(3000)
    scheduler.start()
    expect(state.started).toBe(1)
    await vi.advanceTimersByTimeAsync(2990)
    expect(state.wakes).toBe(0)
    await vi.advanceTimersByTimeAsync(30)
    expect(state.wakes).toBe(1)
    scheduler.rearm({ deliveries: true })
    expect(state.wakes).toBe(2)
    await scheduler.stop()
    expect(state.stopped).toBe(1)
  })

  it('emits timon.ping every interval, first one interval after start', async () => {
    const { state, scheduler } = harness({ pingIntervalMs: 60_000 })
    scheduler.start()
    await vi.advanceTimersByTimeAsync(59_000)
    expect(state.pings).toBe(0)
    await vi.advanceTimersByTimeAsync(121_000)
    expect(state.pings).toBe(3)
    await scheduler.stop()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(state.pings).toBe(3)
  })
})
