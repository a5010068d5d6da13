import { HEALTHS, type Step } from '@timon/core'
import { oneOf, type ColumnCodec, type ColumnTypes } from '../column-codec.js'
import type { StepRow } from '../tables.js'

/** Maps `steps` rows to domain values and back. */
export function stepRows<C extends ColumnTypes>(codec: ColumnCodec<C>) {
  type Row = StepRow<C>
  return {
    toDomain(row: Row): Step {
      return {
        id: row.id,
        reportId: row.report_id,
        label: row.label,
        health: oneOf(codec, HEALTHS, row.health, 'steps.health'),
        at: codec.date(row.at),
        detail: row.detail,
      }
    },
    toRow(step: Omit<Step, 'id'>): Omit<Row, 'id'> {
      return {
        report_id: step.reportId,
        label: step.label,
        health: step.health,
        at: codec.instant(step.at),
        detail: step.detail,
      }
    },
  }
}
