// Maps `contracts` rows to domain values and back; no queries here.
import { CONTRACT_KINDS, type Contract } from '@timon/core'
import type { Selectable } from 'kysely'
import type { ContractsTable } from '../tables.js'
import { bit, bool, dateOrNull, msOrNull, oneOf } from './codec.js'
import { rules } from './rules.js'

export type ContractRow = Selectable<ContractsTable>

export const contracts = {
  toDomain(row: ContractRow): Contract {
    return {
      id: row.id,
      code: row.code,
      kind: oneOf(CONTRACT_KINDS, row.kind, 'contracts.kind'),
      rules: rules.toDomain(row),
      isStale: bool(row.is_stale),
      staleAt: dateOrNull(row.stale_at),
      staleIncidentAt: dateOrNull(row.stale_incident_at),
      lastReportId: row.last_report_id,
      createdAt: new Date(row.created_at),
      expectedAt: dateOrNull(row.expected_at),
      missedAt: dateOrNull(row.missed_at),
      failureStreak: row.failure_streak,
      successStreak: row.success_streak,
    }
  },
  toRow(contract: Omit<Contract, 'id'>): Omit<ContractRow, 'id'> {
    return {
      code: contract.code,
      kind: contract.kind,
      ...rules.toRow(contract.rules),
      is_stale: bit(contract.isStale),
      stale_at: msOrNull(contract.staleAt),
      stale_incident_at: msOrNull(contract.staleIncidentAt),
      last_report_id: contract.lastReportId,
      created_at: contract.createdAt.getTime(),
      expected_at: msOrNull(contract.expectedAt),
      missed_at: msOrNull(contract.missedAt),
      failure_streak: contract.failureStreak,
      success_streak: contract.successStreak,
    }
  },
}
