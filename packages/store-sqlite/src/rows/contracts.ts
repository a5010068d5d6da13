// Maps `contracts` rows to domain values and back; no queries here.
import { CONTRACT_KINDS, sameRules, type Contract, type ContractPatch } from '@timon/core'
import type { Selectable } from 'kysely'
import type { ContractsTable } from '../tables.js'
import { bit, bool, dateOrNull, msOrNull, oneOf, storedDate, storedNumber, storedRow } from './codec.js'
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
  /**
   * `contract` as a read of its row gives it back once written (see `storedRow`), or `undefined`
   * when it would not come back as it is.
   */
  stored(contract: Contract): Contract | undefined {
    const row = storedRow(contracts.toRow(contract))
    return row === undefined ? undefined : contracts.toDomain({ ...row, id: contract.id })
  },
  /**
   * The contract `updateContract(contract.id, patch)` leaves, as a read of its row gives it back,
   * without reading it: what the UPDATE writes (`updateParameters` in contract-queries.ts), seen
   * through `toDomain`. The rules object is kept when the patch repeats the rules (most pushes),
   * which spares the caller a comparison. `undefined` when the rules would not come back as given.
   */
  patched(contract: Contract, patch: ContractPatch): Contract | undefined {
    const { isStale, staleAt, staleIncidentAt, lastReportId, expectedAt, missedAt, failureStreak, successStreak } =
      patch
    let kept = contract.rules
    if (patch.rules !== undefined && !sameRules(patch.rules, kept)) {
      const row = storedRow(rules.toRow(patch.rules))
      if (row === undefined) return undefined
      kept = rules.toDomain(row)
    }
    // In toDomain's order: one object shape for every contract the store hands out.
    return {
      id: contract.id,
      code: contract.code,
      kind: contract.kind,
      rules: kept,
      isStale: isStale === undefined ? contract.isStale : bool(bit(isStale)),
      staleAt: staleAt === undefined ? contract.staleAt : storedDate(staleAt),
      staleIncidentAt: staleIncidentAt === undefined ? contract.staleIncidentAt : storedDate(staleIncidentAt),
      lastReportId:
        lastReportId === undefined ? contract.lastReportId : lastReportId === null ? null : storedNumber(lastReportId),
      createdAt: contract.createdAt,
      expectedAt: expectedAt === undefined ? contract.expectedAt : storedDate(expectedAt),
      missedAt: missedAt === undefined ? contract.missedAt : storedDate(missedAt),
      failureStreak: failureStreak === undefined ? contract.failureStreak : (failureStreak ?? 0) + 0,
      successStreak: successStreak === undefined ? contract.successStreak : (successStreak ?? 0) + 0,
    }
  },
}
