import type { FlagSpec, ParsedArgs } from '../args.js'
import type { Checks } from './shared.js'

/** `--stale-after` and `--stale-incident-after` of a probe or a job. */
function staleFlags(subject: 'probe' | 'job', report: 'push' | 'run'): readonly FlagSpec[] {
  return [
    {
      name: 'stale-after',
      type: 'string',
      placeholder: '<duration>',
      description: `Flag the ${subject} as stale if no ${report} arrives within this delay ("off" removes the rule)`,
    },
    {
      name: 'stale-incident-after',
      type: 'string',
      placeholder: '<duration>',
      description: 'Same as --stale-after, and also opens an incident ("off" removes the rule)',
    },
  ]
}

/**
 * The schedule, threshold and dependency flags that `push probe`, `push job start` and `exec` share
 * (docs/behaviour.md#schedules, #thresholds, #dependencies). Sticky like the other rules: `off` removes one.
 */
const SCHEDULE_FLAGS: readonly FlagSpec[] = [
  {
    name: 'schedule',
    type: 'string',
    placeholder: '<cron>',
    description:
      'When a run or push is expected: a cron expression (5 or 6 fields, or @hourly, @daily, …); a missed one opens an incident ("off" removes the rule)',
  },
  {
    name: 'tz',
    type: 'string',
    placeholder: '<zone>',
    description:
      'The IANA time zone of --schedule (default: the daemon\'s [daemon] timezone, else UTC; "off" removes it)',
  },
  {
    name: 'grace',
    type: 'string',
    placeholder: '<duration>',
    description:
      'How late a scheduled run or push may be before it counts as missed (default 5m; "off" restores the default)',
  },
  {
    name: 'failure-threshold',
    type: 'string',
    placeholder: '<n>',
    description: 'Open the critical incident at the N-th critical report in a row (default 1; "off" restores it)',
  },
  {
    name: 'success-threshold',
    type: 'string',
    placeholder: '<n>',
    description: 'Recover the critical incident after N healthy reports in a row (default 1; "off" restores it)',
  },
  {
    name: 'depends-on',
    type: 'string',
    placeholder: '<code>',
    description: 'Hold incident notifications while this code has an open incident ("off" removes the rule)',
  },
]

/** `--min-runtime` of `push job start` and `exec`. */
const MIN_RUNTIME_FLAG: FlagSpec = {
  name: 'min-runtime',
  type: 'string',
  placeholder: '<duration>',
  description: 'Open a "short" incident when a run ends sooner than this ("off" removes the rule)',
}

/** The rule flags of `push probe`. */
export const PROBE_RULE_FLAGS: readonly FlagSpec[] = [...staleFlags('probe', 'push'), ...SCHEDULE_FLAGS]

/** The rule flags of `push job start` and `exec`. */
export const JOB_RULE_FLAGS: readonly FlagSpec[] = [
  ...staleFlags('job', 'run'),
  {
    name: 'overtime-incident-after',
    type: 'string',
    placeholder: '<duration>',
    description: 'Open an incident if the run lasts longer than this delay ("off" removes the rule)',
  },
  {
    name: 'overlap-incident',
    type: 'boolean',
    description:
      'Open an incident if a run starts while another is running (default: true; --overlap-incident=false disables)',
  },
  ...SCHEDULE_FLAGS,
  MIN_RUNTIME_FLAG,
]

/** Reads {@link PROBE_RULE_FLAGS}, as the wire takes them; absent flags are `undefined` (the rule in force is kept). */
export function probeRules(checks: Checks) {
  const staleAfter = checks.rule('stale-after')
  const staleIncidentAfter = checks.rule('stale-incident-after')
  checks.staleOrder(staleAfter, staleIncidentAfter)
  return { staleAfter: staleAfter?.text, staleIncidentAfter: staleIncidentAfter?.text, ...scheduleRules(checks) }
}

/** Reads {@link JOB_RULE_FLAGS}, as the wire takes them; absent flags are `undefined` (the rule in force is kept). */
export function jobRules(checks: Checks, args: ParsedArgs) {
  return {
    ...probeRules(checks),
    overtimeIncidentAfter: checks.rule('overtime-incident-after')?.text,
    overlapIncident: args.boolean('overlap-incident'),
    minRuntime: checks.rule('min-runtime')?.text,
  }
}

/** The values of {@link SCHEDULE_FLAGS}, as the wire takes them; absent flags are `undefined`. */
interface ScheduleRuleValues {
  readonly schedule: string | undefined
  readonly tz: string | undefined
  readonly grace: string | undefined
  readonly failureThreshold: number | 'off' | undefined
  readonly successThreshold: number | 'off' | undefined
  readonly dependsOn: string | undefined
}

/**
 * Reads {@link SCHEDULE_FLAGS}. The durations and counts are checked here; the expression and the
 * zone by the daemon (the cron library stays out of the CLI's fast path).
 */
function scheduleRules(checks: Checks): ScheduleRuleValues {
  return {
    schedule: checks.optional('schedule'),
    tz: checks.optional('tz'),
    grace: checks.rule('grace')?.text,
    failureThreshold: thresholdRule(checks, 'failure-threshold'),
    successThreshold: thresholdRule(checks, 'success-threshold'),
    dependsOn: checks.optional('depends-on'),
  }
}

// --- internal ---

const MAX_THRESHOLD = 1000

/** A threshold flag: `off`, or a whole number from 1 to 1000 (the daemon's bounds and message). */
function thresholdRule(checks: Checks, name: string): number | 'off' | undefined {
  const value = checks.optional(name)
  if (value === undefined || value === 'off') return value
  const count = /^[0-9]{1,4}$/.test(value) ? Number(value) : Number.NaN
  if (count >= 1 && count <= MAX_THRESHOLD) return count
  return checks.fail(
    `invalid rule ${name} \u2014 must be a whole number from 1 to ${MAX_THRESHOLD} (use "off" to remove it)`,
  )
}
