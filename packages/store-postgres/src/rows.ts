import type { Selectable } from 'kysely'
import {
  CONTRACT_KINDS,
  DELIVERY_STATUSES,
  EVENT_NAMES,
  HEALTHS,
  INCIDENT_EVENT_TYPES,
  INCIDENT_STATES,
  REPORT_HEALTHS,
  TOKEN_SCOPES,
  TRIGGER_TYPES,
  type ApiToken,
  type Contract,
  type ContractPatch,
  type Delivery,
  type DeliveryPatch,
  type Incident,
  type IncidentEvent,
  type IncidentPatch,
  type NotificationEvent,
  type Report,
  type ReportMark,
  type Rules,
  type Run,
  type RunPatch,
  type Sample,
  type Silence,
  type Step,
  type TokenPatch,
} from '@timon/core'
import type {
  ContractsTable,
  DeliveriesTable,
  IncidentEventsTable,
  IncidentsTable,
  ReportsTable,
  StepsTable,
  TokensTable,
  SilencesTable,
} from './tables.js'

// One toDomain / toRow pair per table: the only place row types meet domain types.

export type ContractRow = Selectable<ContractsTable>
export type ReportRow = Selectable<ReportsTable>
export type StepRow = Selectable<StepsTable>
export type IncidentRow = Selectable<IncidentsTable>
export type IncidentEventRow = Selectable<IncidentEventsTable>
/** A delivery as the domain sees it: its claim stays in the store. */
export type DeliveryRow = Omit<Selectable<DeliveriesTable>, 'claimed_by' | 'lease_until'>
export type TokenRow = Selectable<TokensTable>

type RuleColumns = Pick<
  ContractRow,
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

const rules = {
  toDomain(row: RuleColumns): Rules {
    return {
      staleAfter: row.stale_after,
      staleIncidentAfter: row.stale_incident_after,
      overtimeIncidentAfter: row.overtime_incident_after,
      overlapIncident: row.overlap_incident,
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
      overlap_incident: value.overlapIncident,
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

export const steps = {
  toDomain(row: StepRow): Step {
    return {
      id: row.id,
      reportId: row.report_id,
      label: row.label,
      health: oneOf(HEALTHS, row.health, 'steps.health'),
      at: row.at,
      detail: row.detail,
    }
  },
  toRow(step: Omit<Step, 'id'>): Omit<StepRow, 'id'> {
    return { report_id: step.reportId, label: step.label, health: step.health, at: step.at, detail: step.detail }
  },
}

export const silences = {
  toDomain(row: Selectable<SilencesTable>): Silence {
    return {
      id: row.id,
      pattern: row.pattern,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      comment: row.comment,
      createdAt: row.created_at,
      released: row.released,
    }
  },
}

export const incidents = {
  toDomain(row: IncidentRow): Incident {
    return {
      id: row.id,
      state: oneOf(INCIDENT_STATES, row.state, 'incidents.state'),
      triggerType: oneOf(TRIGGER_TYPES, row.trigger_type, 'incidents.trigger_type'),
      title: row.title,
      description: row.description,
      contractId: row.contract_id,
      openedAt: row.opened_at,
      recoveredAt: row.recovered_at,
      relapsedAt: row.relapsed_at,
      resolvedAt: row.resolved_at,
    }
  },
  toRow(incident: Omit<Incident, 'id'>): Omit<IncidentRow, 'id'> {
    return {
      state: incident.state,
      trigger_type: incident.triggerType,
      title: incident.title,
      description: incident.description,
      contract_id: incident.contractId,
      opened_at: incident.openedAt,
      recovered_at: incident.recoveredAt,
      relapsed_at: incident.relapsedAt,
      resolved_at: incident.resolvedAt,
    }
  },
  patchToRow(patch: IncidentPatch): Partial<Omit<IncidentRow, 'id'>> {
    return {
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.state === undefined ? {} : { state: patch.state }),
      ...(patch.recoveredAt === undefined ? {} : { recovered_at: patch.recoveredAt }),
      ...(patch.relapsedAt === undefined ? {} : { relapsed_at: patch.relapsedAt }),
      ...(patch.resolvedAt === undefined ? {} : { resolved_at: patch.resolvedAt }),
    }
  },
}

export const incidentEvents = {
  toDomain(row: IncidentEventRow): IncidentEvent {
    return {
      id: row.id,
      incidentId: row.incident_id,
      type: oneOf(INCIDENT_EVENT_TYPES, row.type, 'incident_events.type'),
      reportId: row.report_id,
      note: row.note,
      isSystem: row.is_system,
      at: row.at,
    }
  },
  toRow(event: Omit<IncidentEvent, 'id'>): Omit<IncidentEventRow, 'id'> {
    return {
      incident_id: event.incidentId,
      type: event.type,
      report_id: event.reportId,
      note: event.note,
      is_system: event.isSystem,
      at: event.at,
    }
  },
}

export const deliveries = {
  toDomain(row: DeliveryRow): Delivery {
    return {
      id: row.id,
      deliveryId: row.delivery_id,
      target: row.target,
      event: eventFromJson(row.event, row.id),
      orderingKey: row.ordering_key,
      status: oneOf(DELIVERY_STATUSES, row.status, 'deliveries.status'),
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at,
      lastError: row.last_error,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
    }
  },
  toRow(delivery: Omit<Delivery, 'id'>): Omit<DeliveryRow, 'id'> {
    return {
      delivery_id: delivery.deliveryId,
      target: delivery.target,
      // as text: pg would send an object as JSON too, but only by guessing from its type
      event: JSON.stringify(delivery.event),
      ordering_key: delivery.orderingKey,
      status: delivery.status,
      attempts: delivery.attempts,
      next_attempt_at: delivery.nextAttemptAt,
      last_error: delivery.lastError,
      created_at: delivery.createdAt,
      finished_at: delivery.finishedAt,
    }
  },
  patchToRow(patch: DeliveryPatch): Partial<Omit<DeliveryRow, 'id'>> {
    return {
      ...(patch.status === undefined ? {} : { status: patch.status }),
      ...(patch.attempts === undefined ? {} : { attempts: patch.attempts }),
      ...(patch.nextAttemptAt === undefined ? {} : { next_attempt_at: patch.nextAttemptAt }),
      ...(patch.lastError === undefined ? {} : { last_error: patch.lastError }),
      ...(patch.finishedAt === undefined ? {} : { finished_at: patch.finishedAt }),
    }
  },
}

export const tokens = {
  toDomain(row: TokenRow): ApiToken {
    return {
      id: row.id,
      name: row.name,
      scope: oneOf(TOKEN_SCOPES, row.scope, 'tokens.scope'),
      codes: row.codes,
      secretHash: row.secret_hash,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      expiresAt: row.expires_at,
      revoked: row.revoked,
    }
  },
  toRow(token: Omit<ApiToken, 'id'>): Omit<TokenRow, 'id'> {
    return {
      name: token.name,
      scope: token.scope,
      codes: [...token.codes],
      secret_hash: token.secretHash,
      created_at: token.createdAt,
      last_used_at: token.lastUsedAt,
      expires_at: token.expiresAt,
      revoked: token.revoked,
    }
  },
  patchToRow(patch: TokenPatch): Partial<Omit<TokenRow, 'id'>> {
    return {
      ...(patch.lastUsedAt === undefined ? {} : { last_used_at: patch.lastUsedAt }),
      ...(patch.revoked === undefined ? {} : { revoked: true }),
    }
  },
}

/** `value` if it is one of `vocabulary`; a corrupt row otherwise. */
export function oneOf<const T extends string>(vocabulary: readonly T[], value: unknown, where: string): T {
  if (typeof value === 'string' && (vocabulary as readonly string[]).includes(value)) return value as T
  throw corrupt(`${where}: unexpected value ${String(value)}`)
}

/** The error for a row this code cannot read. */
export function corrupt(what: string): Error {
  const error = new Error(`PostgresStore: corrupt row: ${what}`)
  error.name = 'CorruptRowError'
  return error
}

// --- internal ---

/** A NotificationEvent after JSON.stringify: Dates became ISO strings. */
interface EventJson {
  readonly name: string
  readonly at: string
  readonly incident?: Record<keyof Incident, unknown>
  readonly note?: string
  readonly daemon?: string
  readonly host?: string
}

/** Revives the Dates of a stored event (its own and its incident's). */
function eventFromJson(json: unknown, deliveryId: number): NotificationEvent {
  const where = `deliveries.event of ${deliveryId}`
  if (typeof json !== 'object' || json === null) throw corrupt(`${where}: not an object`)
  const raw = json as EventJson
  const event: { -readonly [K in keyof NotificationEvent]: NotificationEvent[K] } = {
    name: oneOf(EVENT_NAMES, raw.name, where),
    at: isoDate(raw.at, where),
  }
  if (raw.incident !== undefined) {
    const i = raw.incident
    event.incident = {
      id: i.id as number,
      state: oneOf(INCIDENT_STATES, i.state, where),
      triggerType: oneOf(TRIGGER_TYPES, i.triggerType, where),
      title: i.title as string,
      description: i.description as string | null,
      contractId: i.contractId as number | null,
      openedAt: isoDate(i.openedAt, where),
      recoveredAt: i.recoveredAt === null ? null : isoDate(i.recoveredAt, where),
      relapsedAt: i.relapsedAt === null ? null : isoDate(i.relapsedAt, where),
      resolvedAt: i.resolvedAt === null ? null : isoDate(i.resolvedAt, where),
    }
  }
  if (raw.note !== undefined) event.note = raw.note
  if (raw.daemon !== undefined) event.daemon = raw.daemon
  if (raw.host !== undefined) event.host = raw.host
  return event
}

function isoDate(value: unknown, where: string): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined
  if (date === undefined || Number.isNaN(date.getTime())) throw corrupt(`${where}: bad instant ${String(value)}`)
  return date
}
