import type { Rules } from '@timon/core'
import type { ColumnCodec, ColumnTypes } from '../column-codec.js'
import type { RuleColumns } from '../tables.js'

/** Maps the rule columns of `contracts` and `reports` to `Rules` and back. */
export function ruleRows<C extends ColumnTypes>(codec: ColumnCodec<C>) {
  return {
    toDomain(row: RuleColumns<C>): Rules {
      return {
        staleAfter: row.stale_after,
        staleIncidentAfter: row.stale_incident_after,
        overtimeIncidentAfter: row.overtime_incident_after,
        overlapIncident: codec.bool(row.overlap_incident),
        schedule: row.schedule,
        tz: row.tz,
        grace: row.grace,
        minRuntime: row.min_runtime,
        failureThreshold: row.failure_threshold,
        successThreshold: row.success_threshold,
        dependsOn: row.depends_on,
      }
    },
    toRow(value: Rules): RuleColumns<C> {
      return {
        stale_after: value.staleAfter,
        stale_incident_after: value.staleIncidentAfter,
        overtime_incident_after: value.overtimeIncidentAfter,
        overlap_incident: codec.flag(value.overlapIncident),
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
}
