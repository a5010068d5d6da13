// Contracts. Kysely's builder (typed columns) for all but the two queries every push runs, which
// are prepared SQL text with positional parameters: Kysely compiles a query afresh each time, and
// that costs more than SQLite takes to run these. The lookup reads its row as a view (row-views.ts).
// The lookups by code and by id answer from the row cache (row-cache.ts) when they can, and every
// write here goes through it.
import {
  NEW_CONTRACT_STATE,
  type Contract,
  type ContractOverview,
  type ContractPatch,
  type Report,
  type StoreTx,
} from '@timon/core'
import { bit } from '../rows/codec.js'
import { contracts, type ContractRow } from '../rows/contracts.js'
import { reports } from '../rows/reports.js'
import { chunks, pushTo, RESOLVED, type QueryContext } from './query-context.js'

type ContractQueries = Pick<
  StoreTx,
  'findContract' | 'getContract' | 'insertContract' | 'updateContract' | 'deleteContract' | 'listContractOverviews'
>

export function contractQueries({ db, statements, cache }: QueryContext): ContractQueries {
  /** `contract`, just read, kept in the row cache. */
  const read = (contract: Contract) => {
    cache.contractRead(contract)
    return contract
  }
  return {
    async findContract(code) {
      const cached = cache.contractByCode(code)
      if (cached !== undefined) return cached
      const row = statements.rowViews<ContractRow>(FIND_CONTRACT).get(code)
      return row === undefined ? undefined : read(contracts.toDomain(row))
    },

    async getContract(id) {
      const cached = cache.contractById(id)
      if (cached !== undefined) return cached
      const row = await db.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : read(contracts.toDomain(row))
    },

    async insertContract(input): Promise<Contract> {
      const row = contracts.toRow({ ...input, ...NEW_CONTRACT_STATE })
      const { insertId } = await db.insertInto('contracts').values(row).executeTakeFirstOrThrow()
      const contract = contracts.toDomain({ ...row, id: Number(insertId) })
      cache.contractInserted(contract)
      return contract
    },

    async updateContract(id, patch) {
      // Spread, as `insertReport` does: an array argument is read element by element, slower.
      statements.prepare(UPDATE_CONTRACT).run(...updateParameters(id, patch))
      cache.contractUpdated(id, patch)
    },

    async deleteContract(id) {
      // Its reports go with it, and with them whatever last_report_id pointed at them.
      cache.contractsChanged()
      await db.deleteFrom('contracts').where('id', '=', id).execute()
    },

    async listContractOverviews({ after, limit }): Promise<readonly ContractOverview[]> {
      // Two range scans of (kind, code), probes then jobs: status order without sorting the table.
      const kindPage = (kind: 'probe' | 'job', n: number) => {
        let query = db.selectFrom('contracts').selectAll().where('kind', '=', kind)
        if (after?.kind === kind) query = query.where('code', '>', after.code)
        return query.orderBy('code').limit(n).execute()
      }
      const rows = after?.kind === 'job' ? [] : await kindPage('probe', limit)
      if (rows.length < limit) rows.push(...(await kindPage('job', limit - rows.length)))
      if (rows.length === 0) return []

      const lastReportIds = rows.flatMap((row) => (row.last_report_id === null ? [] : [row.last_report_id]))
      const lastReports = new Map<number, Report>()
      for (const ids of chunks(lastReportIds)) {
        const reportRows = await db.selectFrom('reports').selectAll().where('id', 'in', ids).execute()
        for (const row of reportRows) lastReports.set(row.id, reports.toDomain(row))
      }
      const activeIds = new Map<number, number[]>()
      for (const ids of chunks(rows.map((row) => row.id))) {
        const incidentRows = await db
          .selectFrom('incidents')
          .select(['id', 'contract_id'])
          .where('contract_id', 'in', ids)
          .where('state', '<>', RESOLVED)
          .orderBy('id')
          .execute()
        for (const { id, contract_id } of incidentRows) {
          if (contract_id !== null) pushTo(activeIds, contract_id, id)
        }
      }
      return rows.map((row) => ({
        contract: contracts.toDomain(row),
        lastReport: row.last_report_id === null ? undefined : lastReports.get(row.last_report_id),
        activeIncidentIds: activeIds.get(row.id) ?? [],
      }))
    },
  }
}

// --- internal ---

const FIND_CONTRACT = 'SELECT * FROM contracts WHERE code = ?'

/** The columns `updateContract` may set, in the order of `updateParameters`. */
const UPDATE_COLUMNS = [
  'stale_after',
  'stale_incident_after',
  'overtime_incident_after',
  'overlap_incident',
  'schedule',
  'tz',
  'grace',
  'min_runtime',
  'failure_threshold',
  'success_threshold',
  'depends_on',
  'is_stale',
  'stale_at',
  'stale_incident_at',
  'last_report_id',
  'expected_at',
  'missed_at',
  'failure_streak',
  'success_streak',
] as const

/**
 * Sets the columns a `ContractPatch` names and keeps the others: one statement for every patch,
 * each column behind a flag saying whether the patch sets it (better-sqlite3 binds `?` only by
 * position, so a flag repeats for each column of its group).
 */
const UPDATE_CONTRACT = `UPDATE contracts SET ${UPDATE_COLUMNS.map((column) => `${column} = iif(?, ?, ${column})`).join(', ')} WHERE id = ?`

/**
 * (flag, value) per column of `UPDATE_COLUMNS`, then the id. `contracts.patched` (rows/contracts.ts)
 * builds the contract this writes, for the row cache: a change here is a change there.
 */
function updateParameters(id: number, patch: ContractPatch): unknown[] {
  const { rules, isStale, staleAt, staleIncidentAt, lastReportId, expectedAt, missedAt, failureStreak, successStreak } =
    patch
  const setsRules = bit(rules !== undefined)
  return [
    setsRules,
    rules?.staleAfter ?? null,
    setsRules,
    rules?.staleIncidentAfter ?? null,
    setsRules,
    rules?.overtimeIncidentAfter ?? null,
    setsRules,
    rules === undefined ? 0 : bit(rules.overlapIncident),
    setsRules,
    rules?.schedule ?? null,
    setsRules,
    rules?.tz ?? null,
    setsRules,
    rules?.grace ?? null,
    setsRules,
    rules?.minRuntime ?? null,
    setsRules,
    rules?.failureThreshold ?? null,
    setsRules,
    rules?.successThreshold ?? null,
    setsRules,
    rules?.dependsOn ?? null,
    bit(isStale !== undefined),
    isStale === undefined ? 0 : bit(isStale),
    bit(staleAt !== undefined),
    staleAt == null ? null : staleAt.getTime(),
    bit(staleIncidentAt !== undefined),
    staleIncidentAt == null ? null : staleIncidentAt.getTime(),
    bit(lastReportId !== undefined),
    lastReportId ?? null,
    bit(expectedAt !== undefined),
    expectedAt == null ? null : expectedAt.getTime(),
    bit(missedAt !== undefined),
    missedAt == null ? null : missedAt.getTime(),
    bit(failureStreak !== undefined),
    failureStreak ?? 0,
    bit(successStreak !== undefined),
    successStreak ?? 0,
    id,
  ]
}
