/**
 * When a check runs: pure functions of instants in epoch milliseconds, so the poller's timing
 * can be tested without timers.
 */

/**
 * The first run of a check started at `now`: a random point within its first interval, so checks
 * loaded together spread out instead of firing at once.
 *
 * @param random a number in [0, 1), like `Math.random()`.
 */
export function firstRunAt(now: number, intervalMs: number, random: () => number): number {
  const fraction = Math.min(Math.max(random(), 0), 1)
  return now + Math.floor(fraction * intervalMs)
}

/** The run after one due at `due`, and the runs missed in between. */
export interface NextRun {
  readonly at: number
  /** Runs whose time had passed already (the process was late by more than an interval); they are not made up for. */
  readonly missed: number
}

/**
 * The next run after the one due at `due`, taken at `now`. Runs stay on the grid
 * `due + k × interval`, measured from the schedule and not from when a request ends, so slow
 * checks do not drift. When `now` is past one or more grid points the process was late (a
 * blocked event loop, a suspended machine): those runs are missed, and the next is the first
 * grid point after `now`. When the wall clock went back so that the next point lies more than an
 * interval ahead, the grid is re-anchored at `now + interval`.
 */
export function nextRunAt(due: number, now: number, intervalMs: number): NextRun {
  const next = due + intervalMs
  if (next > now + intervalMs) return { at: now + intervalMs, missed: 0 }
  if (next > now) return { at: next, missed: 0 }
  const missed = Math.floor((now - due) / intervalMs)
  return { at: due + (missed + 1) * intervalMs, missed }
}
