// Maps the rule columns (shared by `contracts` and `reports`) to `Rules` and back; no queries here.
import type { Rules } from '@timon/core'
import type { ContractsTable } from '../tables.js'
import { bit, bool } from './codec.js'

/** The rule columns, the same in `contracts` and `reports`. */
export type RuleColumns = Pick<
  ContractsTable,
  | 'stale_after'
  | 'stale_incident_after'
  | 'overtime_incident_after'
  | 'overlap_incident'
  | 'schedule'
  | 'tz'
  | 'grace'
  | 'min_runtime'
  | 'failure_threshold'
  | 'success_threshold'
  | 'depends_on'
>

export const rules = {
  toDomain(row: RuleColumns): Rules {
    return {
      staleAfter: row.stale_after,
      staleIncidentAfter: row.stale_incident_after,
      overtimeIncidentAfter: row.overtime_incident_after,
      overlapIncident: bool(row.overlap_incident),
      schedule: row.schedule,
      tz: row.tz,
      grace: row.grace,
      minRuntime: row.min_runtime,
      failureThreshold: row.failure_threshold,
      successThreshold: row.success_threshold,
      dependsOn: row.depends_on,
    }
  },
  toRow(value: Rules): RuleColumns {
    return {
      stale_after: value.staleAfter,
      stale_incident_after: value.staleIncidentAfter,
      overtime_incident_after: value.overtimeIncidentAfter,
      overlap_incident: bit(value.overlapIncident),
      schedule: value.schedule,
      tz: value.tz,
      grace: value.grace,
      min_runtime: value.minRuntime,
      failure_threshold: value.failureThreshold,
      success_threshold: value.successThreshold,
      depends_on: value.dependsOn,
    }
  },
}
