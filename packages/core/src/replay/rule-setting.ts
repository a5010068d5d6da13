import { err, ok, type Result } from 'neverthrow'
import type { Rules } from '../domain.js'
import { validation, type CoreError } from '../errors.js'
import { startJobSchema } from '../schemas.js'
import { validateCode } from '../validate.js'
import type { RuleOverride } from './replay.js'

/** The rules as the wire names them (snake_case), each with the name the core uses. */
export const WIRE_RULE_NAMES: Readonly<Record<string, keyof Rules>> = {
  stale_after: 'staleAfter',
  stale_incident_after: 'staleIncidentAfter',
  overtime_incident_after: 'overtimeIncidentAfter',
  overlap_incident: 'overlapIncident',
  schedule: 'schedule',
  tz: 'tz',
  grace: 'grace',
  min_runtime: 'minRuntime',
  failure_threshold: 'failureThreshold',
  success_threshold: 'successThreshold',
  depends_on: 'dependsOn',
}

/**
 * Reads one `--set` of `timon replay`: `GLOB:rule=value`, the rule by its wire name, the value as
 * a push takes it (`2h`, `off`, `3`, `true`, a cron expression). Checked by the push schemas, so
 * the replay accepts exactly what a push would.
 */
export function parseRuleSetting(text: string): Result<RuleOverride, CoreError> {
  const match = /^([^:=\s]+):([a-z_]+)=(.*)$/s.exec(text.trim())
  if (match === null)
    return err(validation(`invalid --set "${text}" — expected GLOB:rule=value, e.g. 'db.*:stale_incident_after=2h'`))
  const [, code = '', wireName = '', raw = ''] = match
  const glob = code === '*' ? ok(code) : validateCode(code.replaceAll('*', 'x'))
  if (glob.isErr()) return err(validation(`invalid --set "${text}" — ${glob.error.message}`))
  const name = WIRE_RULE_NAMES[wireName]
  if (name === undefined)
    return err(
      validation(
        `invalid --set "${text}" — unknown rule "${wireName}" (one of ${Object.keys(WIRE_RULE_NAMES).join(', ')})`,
      ),
    )
  const parsed = startJobSchema.shape[name].safeParse(typedValue(name, raw.trim()))
  if (!parsed.success)
    return err(validation(`invalid --set "${text}" — ${parsed.error.issues[0]?.message ?? 'invalid value'}`))
  return ok({ code, rules: { [name]: parsed.data } })
}

/**
 * The overrides' values as a push takes them (`replay` takes its inputs as parsed, so they are
 * parsed here, once): an `err` for the first invalid one, naming its code glob and the problem.
 */
export function parseOverrides(overrides: readonly RuleOverride[]): Result<RuleOverride[], CoreError> {
  const parsed: RuleOverride[] = []
  for (const override of overrides) {
    const rules = overrideSchema.safeParse(override.rules)
    if (!rules.success)
      return err(validation(`${override.code}: ${rules.error.issues[0]?.message ?? 'invalid rule value'}`))
    const given = Object.entries(rules.data).filter(([, value]) => value !== undefined)
    parsed.push({ code: override.code, rules: Object.fromEntries(given) as Partial<Rules> })
  }
  return ok(parsed)
}

/** Every rule as a job's push takes it (a job's push takes them all), each optional. */
const overrideSchema = startJobSchema.pick(
  Object.fromEntries(Object.values(WIRE_RULE_NAMES).map((name) => [name, true])) as Record<keyof Rules, true>,
)

/** The value as typed, as the rule's schema wants it: counts are numbers, `overlap_incident` a boolean. */
function typedValue(name: keyof Rules, raw: string): unknown {
  if ((name === 'failureThreshold' || name === 'successThreshold') && /^\d+$/.test(raw)) return Number(raw)
  if (name === 'overlapIncident') return raw === 'true' ? true : raw === 'false' ? false : raw
  return raw
}
