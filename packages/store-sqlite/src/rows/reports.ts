// Maps `reports` rows to domain values and back; no queries here.
import {
  HEALTHS,
  REPORT_HEALTHS,
  type Progress,
  type Report,
  type ReportMark,
  type Run,
  type RunPatch,
  type Sample,
} from '@timon/core'
import type { Selectable } from 'kysely'
import type { ReportsTable } from '../tables.js'
import { bit, bool, corruptRow, dateOrNull, msOrNull, oneOf } from './codec.js'
import { rules } from './rules.js'

export type ReportRow = Selectable<ReportsTable>

/** The columns of a {@link ReportMark}. */
export type MarkRow = Pick<ReportRow, 'kind' | 'health' | 'ended_at'>

/** A report without its id, in the shape of either kind. */
export type ReportFields =
  | (Omit<Sample, 'id'> & { readonly kind: 'sample' })
  | (Omit<Run, 'id'> & { readonly kind: 'run' })

export const reports = {
  toDomain(row: ReportRow): Report {
    if (isSampleRow(row)) {
      return {
        id: row.id,
        contractId: row.contract_id,
        uid: row.uid,
        rules: rules.toDomain(row),
        progress: progress(row),
        kind: 'sample',
        health: sampleHealth(row),
        pushedAt: new Date(row.pushed_at),
        comment: row.comment,
        detail: row.detail,
        host: row.host,
      }
    }
    if (row.kind === 'run' && row.started_at !== null) {
      return {
        id: row.id,
        contractId: row.contract_id,
        uid: row.uid,
        rules: rules.toDomain(row),
        progress: progress(row),
        kind: 'run',
        health: oneOf(REPORT_HEALTHS, row.health, 'reports.health'),
        startedAt: new Date(row.started_at),
        startComment: row.start_comment,
        endedAt: dateOrNull(row.ended_at),
        endComment: row.end_comment,
        overtimeAt: dateOrNull(row.overtime_at),
        exit:
          row.exit_code === null && row.exit_signal === null ? null : { code: row.exit_code, signal: row.exit_signal },
        logPath: row.log_path,
        skipped: bool(row.skipped),
        host: row.host,
      }
    }
    throw corruptRow(`report ${row.id} of kind ${row.kind}`)
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
    const sample = report.kind === 'sample' ? report : undefined
    const run = report.kind === 'run' ? report : undefined
    return {
      contract_id: report.contractId,
      kind: report.kind,
      uid: report.uid,
      health: report.health,
      pushed_at: sample === undefined ? null : sample.pushedAt.getTime(),
      comment: sample === undefined ? null : sample.comment,
      detail: sample?.detail ?? null,
      started_at: run === undefined ? null : run.startedAt.getTime(),
      start_comment: run === undefined ? null : run.startComment,
      ended_at: run === undefined ? null : msOrNull(run.endedAt),
      end_comment: run === undefined ? null : run.endComment,
      overtime_at: run === undefined ? null : msOrNull(run.overtimeAt),
      exit_code: run?.exit?.code ?? null,
      exit_signal: run?.exit?.signal ?? null,
      log_path: run === undefined ? null : run.logPath,
      skipped: run === undefined ? 0 : bit(run.skipped),
      ...rules.toRow(report.rules),
      progress_count: report.progress?.count ?? null,
      progress_of: report.progress?.of ?? null,
      host: report.host ?? null,
    }
  },
  runPatchToRow(patch: RunPatch): Partial<Omit<ReportRow, 'id'>> {
    return {
      ...(patch.health === undefined ? {} : { health: patch.health }),
      ...(patch.endedAt === undefined ? {} : { ended_at: patch.endedAt.getTime() }),
      ...(patch.endComment === undefined ? {} : { end_comment: patch.endComment }),
      ...(patch.overtimeAt === undefined ? {} : { overtime_at: msOrNull(patch.overtimeAt) }),
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

// The pieces of a sample's mapping that the history's columns (history-queries.ts) use too, so
// that `toDomain` alone decides what a sample is, without a `Sample` object per column entry.

/** Whether a row is a sample (else a run, or corrupt). */
export function isSampleRow<R extends Pick<ReportRow, 'kind' | 'pushed_at'>>(
  row: R,
): row is R & { readonly pushed_at: number } {
  return row.kind === 'sample' && row.pushed_at !== null
}

/** A sample's health, checked. */
export function sampleHealth(row: Pick<ReportRow, 'health'>): Sample['health'] {
  return oneOf(HEALTHS, row.health, 'reports.health')
}

/** A report's place in a streak, when it has one. */
export function progress(row: Pick<ReportRow, 'progress_count' | 'progress_of'>): Progress | null {
  return row.progress_count === null || row.progress_of === null
    ? null
    : { count: row.progress_count, of: row.progress_of }
}
