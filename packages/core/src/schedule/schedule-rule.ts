// The schedule rule of a probe or job: its deadline, armed from each report and after each miss.
import { DEFAULT_GRACE_MS, type Contract, type Rules } from '../domain.js'
import { parseSchedule, type Schedule } from './cron-schedule.js'
import { nextExpected } from './expected.js'

/** The schedule deadline fields of a contract. */
export type ScheduleDeadline = Pick<Contract, 'expectedAt' | 'missedAt'>

/** The zone a contract's schedule is read in: its own, else the monitor's default. */
export function zoneOf(rules: Rules, defaultTz: string): string {
  return rules.tz ?? defaultTz
}

/** The grace of a contract's schedule. */
export function graceOf(rules: Rules): number {
  return rules.grace ?? DEFAULT_GRACE_MS
}

/**
 * The schedule of `rules`, `undefined` without one. An expression stored earlier that no longer
 * reads (a zone the runtime dropped) also gives `undefined`: the rule is then disarmed, not fatal.
 */
export function scheduleOf(rules: Rules, defaultTz: string): Schedule | undefined {
  if (rules.schedule === null) return undefined
  const parsed = parseSchedule(rules.schedule, zoneOf(rules, defaultTz))
  return parsed.isOk() ? parsed.value : undefined
}

/** The deadline a report at `at` arms: the next expected run (see {@link nextExpected}) plus grace. */
export function armedSchedule(rules: Rules, at: Date, defaultTz: string): ScheduleDeadline {
  const schedule = scheduleOf(rules, defaultTz)
  return deadline(schedule === undefined ? undefined : nextExpected(schedule, at, graceOf(rules)), rules)
}

/**
 * The deadline after a miss was noted at `now`: the first occurrence not yet overdue, so a
 * monitor that was down for a while notes one miss, not one per occurrence it slept through.
 */
export function rearmedAfterMiss(rules: Rules, now: Date, defaultTz: string): ScheduleDeadline {
  const schedule = scheduleOf(rules, defaultTz)
  return deadline(schedule?.nextAfter(new Date(now.getTime() - graceOf(rules))), rules)
}

function deadline(expected: Date | undefined, rules: Rules): ScheduleDeadline {
  if (expected === undefined) return { expectedAt: null, missedAt: null }
  return { expectedAt: expected, missedAt: new Date(expected.getTime() + graceOf(rules)) }
}
