import type { Selectable } from 'kysely'
import {
  CONTRACT_KINDS,
  HEALTHS,
  REPORT_HEALTHS,
  type Contract,
  type ContractPatch,
  type Report,
  type ReportMark,
  type Run,
  type RunPatch,
  type Sample,
} from '@timon/core'
import {
  corruptRow,
  deliveryRows,
  incidentEventRows,
  incidentRows,
  oneOf as sharedOneOf,
  ruleRows,
  silenceRows,
  stepRows,
  tokenRows,
  type DeliveryRow as SharedDeliveryRow,
} from '@timon/sql-common'
import { POSTGRES_COLUMNS, type PostgresColumnTypes } from './columns.js'
import type { ContractsTable, ReportsTable } from './tables.js'

// One toDomain / toRow pair per table: the only place row types meet domain types. The tables
// both SQL stores share are mapped by @timon/sql-common in PostgreSQL's encodings.

export type ContractRow = Selectable<ContractsTable>
export type ReportRow = Selectable<ReportsTable>
/** A delivery as the domain sees it: its claim stays in the store. */
export type DeliveryRow = SharedDeliveryRow<PostgresColumnTypes>

const rules = ruleRows(POSTGRES_COLUMNS)

export const contracts = {
  toDomain(row: ContractRow): Contract {
    return {
      id: row.id,
      code: row.code,
      kind: oneOf(CONTRACT_KINDS, row.kind, 'contracts.kind'),
      rules: rules.toDomain(row),
      isStale: row.is_stale,
      staleAt: row.stale_at,
      staleIncidentAt: row.stale_incident_at,
      lastReportId: row.last_report_id,
      createdAt: row.created_at,
      expectedAt: row.expected_at,
      missedAt: row.missed_at,
      failureStreak: row.failure_streak,
      successStreak: row.success_streak,
    }
  },
  toRow(contract: Omit<Contract, 'id'>): Omit<ContractRow, 'id'> {
    return {
      code: contract.code,
      kind: contract.kind,
      ...rules.toRow(contract.rules),
      is_stale: contract.isStale,
      stale_at: contract.staleAt,
      stale_incident_at: contract.staleIncidentAt,
      last_report_id: contract.lastReportId,
      created_at: contract.createdAt,
      expected_at: contract.expectedAt,
      missed_at: contract.missedAt,
      failure_streak: contract.failureStreak,
      success_streak: contract.successStreak,
    }
  },
  patchToRow(patch: ContractPatch): Partial<Omit<ContractRow, 'id'>> {
    return {
      ...(patch.rules === undefined ? {} : rules.toRow(patch.rules)),
      ...(patch.isStale === undefined ? {} : { is_stale: patch.isStale }),
      ...(patch.staleAt === undefined ? {} : { stale_at: patch.staleAt }),
      ...(patch.staleIncidentAt === undefined ? {} : { stale_incident_at: patch.staleIncidentAt }),
      ...(patch.lastReportId === undefined ? {} : { last_report_id: patch.lastReportId }),
      ...(patch.expectedAt === undefined ? {} : { expected_at: patch.expectedAt }),
      ...(patch.missedAt === undefined ? {} : { missed_at: patch.missedAt }),
      ...(patch.failureStreak === undefined ? {} : { failure_streak: patch.failureStreak }),
      ...(patch.successStreak === undefined ? {} : { success_streak: patch.successStreak }),
    }
  },
}

/** The columns of a {@link ReportMark}. */
export type MarkRow = Pick<ReportRow, 'kind' | 'health' | 'ended_at'>

/** A report without its id, in the shape of either kind. */
export type ReportFields =
  | (Omit<Sample, 'id'> & { readonly kind: 'sample' })
  | (Omit<Run, 'id'> & { readonly kind: 'run' })

export const reports = {
  toDomain(row: ReportRow): Report {
    const progress =
      row.progress_count === null || row.progress_of === null
        ? null
        : { count: row.progress_count, of: row.progress_of }
    const base = {
      id: row.id,
      contractId: row.contract_id,
      uid: row.uid,
      rules: rules.toDomain(row),
      progress,
      host: row.host,
    }
    if (row.kind === 'sample' && row.pushed_at !== null) {
      return {
        ...base,
        kind: 'sample',
        health: oneOf(HEALTHS, row.health, 'reports.health'),
        pushedAt: row.pushed_at,
        comment: row.comment,
        detail: row.detail,
      }
    }
    if (row.kind === 'run' && row.started_at !== null) {
      return {
        ...base,
        kind: 'run',
        health: oneOf(REPORT_HEALTHS, row.health, 'reports.health'),
        startedAt: row.started_at,
        startComment: row.start_comment,
        endedAt: row.ended_at,
        endComment: row.end_comment,
        overtimeAt: row.overtime_at,
        exit:
          row.exit_code === null && row.exit_signal === null ? null : { code: row.exit_code, signal: row.exit_signal },
        logPath: row.log_path,
        skipped: row.skipped,
      }
    }
    throw corrupt(`report ${row.id} of kind ${row.kind}`)
  },
  markToDomain(row: MarkRow): ReportMark {
    const kind = oneOf(['sample', 'run'] as const, row.kind, 'reports.kind')
    return {
      kind,
      health: oneOf(REPORT_HEALTHS, row.health, 'reports.health'),
      running: kind === 'run' && row.ended_at === null,
    }
  },
  toRow(report: ReportFields): Omit<ReportRow, 'id'> {
    const common = {
      contract_id: report.contractId,
      kind: report.kind,
      uid: report.uid,
      health: report.health,
      ...rules.toRow(report.rules),
      progress_count: report.progress?.count ?? null,
      progress_of: report.progress?.of ?? null,
      host: report.host ?? null,
    }
    const none = {
      pushed_at: null,
      comment: null,
      detail: null,
      started_at: null,
      start_comment: null,
      ended_at: null,
      end_comment: null,
    }
    return report.kind === 'sample'
      ? {
          ...common,
          ...none,
          pushed_at: report.pushedAt,
          comment: report.comment,
          detail: report.detail,
          overtime_at: null,
          exit_code: null,
          exit_signal: null,
          log_path: null,
          skipped: false,
        }
      : {
          ...common,
          ...none,
          started_at: report.startedAt,
          start_comment: report.startComment,
          ended_at: report.endedAt,
          end_comment: report.endComment,
          overtime_at: report.overtimeAt,
          exit_code: report.exit?.code ?? null,
          exit_signal: report.exit?.signal ?? null,
          log_path: report.logPath,
          skipped: report.skipped,
        }
  },
  runPatchToRow(patch: RunPatch): Partial<Omit<ReportRow, 'id'>> {
    return {
      ...(patch.health === undefined ? {} : { health: patch.health }),
      ...(patch.endedAt === undefined ? {} : { ended_at: patch.endedAt }),
      ...(patch.endComment === undefined ? {} : { end_comment: patch.endComment }),
      ...(patch.overtimeAt === undefined ? {} : { overtime_at: patch.overtimeAt }),
      ...(patch.exit === undefined
        ? {}
        : { exit_code: patch.exit?.code ?? null, exit_signal: patch.exit?.signal ?? null }),
      ...(patch.logPath === undefined ? {} : { log_path: patch.logPath }),
      ...(patch.progress === undefined
        ? {}
        : { progress_count: patch.progress?.count ?? null, progress_of: patch.progress?.of ?? null }),
    }
  },
}

export const steps = stepRows(POSTGRES_COLUMNS)
export const silences = silenceRows(POSTGRES_COLUMNS)
export const incidents = incidentRows(POSTGRES_COLUMNS)
export const incidentEvents = incidentEventRows(POSTGRES_COLUMNS)
export const deliveries = deliveryRows(POSTGRES_COLUMNS)
export const tokens = tokenRows(POSTGRES_COLUMNS)

/** `value` if it is one of `vocabulary`; a corrupt row otherwise. */
export function oneOf<const T extends string>(vocabulary: readonly T[], value: unknown, where: string): T {
  return sharedOneOf(POSTGRES_COLUMNS, vocabulary, value, where)
}

/** The error for a row this code cannot read. */
export function corrupt(what: string): Error {
  return corruptRow(POSTGRES_COLUMNS, what)
}
