// Maps `steps` rows to domain values and back; no queries here.
import { HEALTHS, type Step } from '@timon/core'
import type { Selectable } from 'kysely'
import type { StepsTable } from '../tables.js'
import { oneOf } from './codec.js'

export type StepRow = Selectable<StepsTable>

export const steps = {
  toDomain(row: StepRow): Step {
    return {
      id: row.id,
      reportId: row.report_id,
      label: row.label,
      health: oneOf(HEALTHS, row.health, 'steps.health'),
      at: new Date(row.at),
      detail: row.detail,
    }
  },
  toRow(step: Omit<Step, 'id'>): Omit<StepRow, 'id'> {
    return {
      report_id: step.reportId,
      label: step.label,
      health: step.health,
      at: step.at.getTime(),
      detail: step.detail,
    }
  },
}
