import { FakeClock } from '@timon/core/testing'
import { describe, expect, it } from 'vitest'
import { firstRunAt, nextRunAt } from './schedule.js'

describe('schedule', () => {
  it('places the first run within the first interval', () => {
    const clock = new FakeClock()
    const now = clock.now().getTime()
    expect(firstRunAt(now, 60_000, () => 0)).toBe(now)
    expect(firstRunAt(now, 60_000, () => 0.5)).toBe(now + 30_000)
    expect(firstRunAt(now, 60_000, () => 0.999_999)).toBeLessThan(now + 60_000)
    expect(firstRunAt(now, 60_000, () => 7)).toBe(now + 60_000) // a broken random is clamped
  })

  it('keeps runs on the grid of the schedule however long a request took', () => {
    const clock = new FakeClock()
    const due = clock.now().getTime()
    clock.advance('9s') // the run due at `due` took 9 seconds
    expect(nextRunAt(due, clock.now().getTime(), 10_000)).toEqual({ at: due + 10_000, missed: 0 })
    clock.advance('950ms') // a timer firing late does not shift the grid either
    expect(nextRunAt(due, clock.now().getTime(), 10_000)).toEqual({ at: due + 10_000, missed: 0 })
  })

  it('skips the runs whose time passed while the process was late, without making them up', () => {
    const clock = new FakeClock()
    const due = clock.now().getTime()
    clock.advance('35s')
    expect(nextRunAt(due, clock.now().getTime(), 10_000)).toEqual({ at: due + 40_000, missed: 3 })
    expect(nextRunAt(due, due + 10_000, 10_000)).toEqual({ at: due + 20_000, missed: 1 })
  })

  it('re-anchors the grid when the wall clock went back', () => {
    const clock = new FakeClock()
    const due = clock.now().getTime() + 3_600_000 // due an hour "ahead": the clock was set back
    const now = clock.now().getTime()
    expect(nextRunAt(due, now, 60_000)).toEqual({ at: now + 60_000, missed: 0 })
  })
})
