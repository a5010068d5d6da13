import { sql, type Transaction } from 'kysely'
import {
  DELIVERY_STATUSES,
  NEW_CONTRACT_STATE,
  type CodeCount,
  type Contract,
  type ContractOverview,
  type ContractPage,
  type ContractPatch,
  type Delivery,
  type DeliveryClaim,
  type DeliveryPatch,
  type DeliveryQuery,
  type DeliveryStatus,
  type HistoryPage,
  type HistoryQuery,
  type CodedIncident,
  type IncidentQuery,
  type HistoryReport,
  type Incident,
  type IncidentEvent,
  type IncidentPatch,
  type NewContract,
  type ApiToken,
  type NewDelivery,
  type NewToken,
  type TokenPatch,
  type NewIncident,
  type NewIncidentEvent,
  type NewRun,
  type NewSample,
  type NewStep,
  type Report,
  type ReportMark,
  type ReportPage,
  type Run,
  type RunPatch,
  type Sample,
  type Step,
  type StoreTx,
  type SummaryCounts,
  type TriggerType,
  type TruncateCounts,
  type TruncatePlan,
  HISTORY_START,
  inHistoryScope,
  nextHistoryCursor,
} from '@timon/core'
import { queryIncidents } from './incident-queries.js'
import {
  contracts,
  corrupt,
  deliveries,
  incidentEvents,
  incidents,
  oneOf,
  reports,
  steps,
  tokens,
  type DeliveryRow,
  type MarkRow,
  type ReportFields,
} from './rows.js'
import { reminderQueries } from './reminder-queries.js'
import { silenceQueries } from './silence-queries.js'
import type { Tables } from './tables.js'

/**
 * One transaction's view of the store, valid only while its transaction runs (READ COMMITTED).
 *
 * Locking, for several daemons on one database: `findContract` (where every push starts) locks
 * the contract row `FOR NO KEY UPDATE`, so pushes to one probe or job run one after another across
 * daemons, while inserts that merely reference the contract (reports, incidents) are not blocked.
 * `dueContracts` and `dueRuns` lock what they return and skip rows another transaction holds: two
 * daemons checking at once share the due work, and each deadline is acted on in the transaction
 * that claimed it, so once. The unique index `incidents_one_active` is the last line: a second
 * open incident per (contract, trigger) fails its transaction.
 */
export class PostgresTx implements StoreTx {
  readonly #trx: Transaction<Tables>
  readonly #silences: ReturnType<typeof silenceQueries>
  readonly #reminders: ReturnType<typeof reminderQueries>

  constructor(trx: Transaction<Tables>) {
    this.#trx = trx
    this.#silences = silenceQueries(trx)
    this.#reminders = reminderQueries(trx)
  }

  // --- silences (silence-queries.ts) ---

  insertSilence: StoreTx['insertSilence'] = (input) => this.#silences.insertSilence(input)
  getSilence: StoreTx['getSilence'] = (id) => this.#silences.getSilence(id)
  listSilences: StoreTx['listSilences'] = (at) => this.#silences.listSilences(at)
  updateSilence: StoreTx['updateSilence'] = (id, patch) => this.#silences.updateSilence(id, patch)
  dueSilences: StoreTx['dueSilences'] = (at, limit) => this.#silences.dueSilences(at, limit)
  nextSilenceEnd: StoreTx['nextSilenceEnd'] = () => this.#silences.nextSilenceEnd()
  holdIncident: StoreTx['holdIncident'] = (incidentId, heldBy) => this.#silences.holdIncident(incidentId, heldBy)
  heldIncidents: StoreTx['heldIncidents'] = (afterId, limit) => this.#silences.heldIncidents(afterId, limit)
  releaseIncident: StoreTx['releaseIncident'] = (incidentId) => this.#silences.releaseIncident(incidentId)

  // --- reminders (reminder-queries.ts) ---

  armReminder: StoreTx['armReminder'] = (reminder) => this.#reminders.armReminder(reminder)
  clearReminders: StoreTx['clearReminders'] = (incidentId) => this.#reminders.clearReminders(incidentId)
  dueReminders: StoreTx['dueReminders'] = (at, limit) => this.#reminders.dueReminders(at, limit)
  nextReminder: StoreTx['nextReminder'] = () => this.#reminders.nextReminder()

  // --- contracts ---

  async findContract(code: string): Promise<Contract | undefined> {
    const row = await this.#trx
      .selectFrom('contracts')
      .selectAll()
      .where('code', '=', code)
      .forNoKeyUpdate()
      .executeTakeFirst()
    return row === undefined ? undefined : contracts.toDomain(row)
  }

  async getContract(id: number): Promise<Contract | undefined> {
    const row = await this.#trx.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : contracts.toDomain(row)
  }

  async insertContract(input: NewContract): Promise<Contract> {
    const row = contracts.toRow({ ...input, ...NEW_CONTRACT_STATE })
    const { id } = await this.#trx.insertInto('contracts').values(row).returning('id').executeTakeFirstOrThrow()
    return contracts.toDomain({ ...row, id })
  }

  async updateContract(id: number, patch: ContractPatch): Promise<void> {
    const set = contracts.patchToRow(patch)
    if (Object.keys(set).length === 0) return
    await this.#trx.updateTable('contracts').set(set).where('id', '=', id).execute()
  }

  async deleteContract(id: number): Promise<void> {
    await this.#trx.deleteFrom('contracts').where('id', '=', id).execute()
  }

  async listContractOverviews(page: ContractPage): Promise<readonly ContractOverview[]> {
    // Two range scans of (kind, code), probes then jobs: status order without sorting the table.
    const { after, limit } = page
    const kindPage = (kind: 'probe' | 'job', n: number) => {
      let query = this.#trx.selectFrom('contracts').selectAll().where('kind', '=', kind)
      if (after?.kind === kind) query = query.where('code', '>', after.code)
      return query.orderBy('code').limit(n).execute()
    }
    const rows = after?.kind === 'job' ? [] : await kindPage('probe', limit)
    if (rows.length < limit) rows.push(...(await kindPage('job', limit - rows.length)))
    if (rows.length === 0) return []

    const lastReportIds = rows.flatMap((row) => (row.last_report_id === null ? [] : [row.last_report_id]))
    const lastReports = new Map<number, Report>()
    if (lastReportIds.length > 0) {
      const reportRows = await this.#trx
        .selectFrom('reports')
        .selectAll()
        .where('id', '=', anyOf(lastReportIds))
        .execute()
      for (const row of reportRows) lastReports.set(row.id, reports.toDomain(row))
    }
    const activeIds = new Map<number, number[]>()
    const incidentRows = await this.#trx
      .selectFrom('incidents')
      .select(['id', 'contract_id'])
      .where('contract_id', '=', anyOf(rows.map((row) => row.id)))
      .where('state', '<>', RESOLVED)
      .orderBy('id')
      .execute()
    for (const { id, contract_id } of incidentRows) {
      if (contract_id !== null) pushTo(activeIds, contract_id, id)
    }
    return rows.map((row) => ({
      contract: contracts.toDomain(row),
      lastReport: row.last_report_id === null ? undefined : lastReports.get(row.last_report_id),
      activeIncidentIds: activeIds.get(row.id) ?? [],
    }))
  }

  // --- reports ---

  async insertSample(input: NewSample): Promise<Sample> {
    return (await this.#insertReport({
      ...input,
      kind: 'sample',
      detail: input.detail ?? null,
      progress: input.progress ?? null,
    })) as Sample
  }

  async insertRun(input: NewRun): Promise<Run> {
    const skipped = input.skipped ?? false
    return (await this.#insertReport({
      ...input,
      kind: 'run',
      progress: null,
      health: skipped ? 'healthy' : 'unknown',
      endedAt: skipped ? input.startedAt : null,
      endComment: null,
      exit: null,
      logPath: null,
      skipped,
    })) as Run
  }

  async getReport(id: number): Promise<Report | undefined> {
    const row = await this.#trx.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : reports.toDomain(row)
  }

  async findReport(contractId: number, uid: string): Promise<Report | undefined> {
    const row = await this.#trx
      .selectFrom('reports')
      .selectAll()
      .where('contract_id', '=', contractId)
      .where('uid', '=', uid)
      .executeTakeFirst()
    return row === undefined ? undefined : reports.toDomain(row)
  }

  async updateRun(id: number, patch: RunPatch): Promise<void> {
    const set = reports.runPatchToRow(patch)
    if (Object.keys(set).length === 0) return
    await this.#trx.updateTable('reports').set(set).where('id', '=', id).where('kind', '=', RUN).execute()
  }

  async latestReport(contractId: number): Promise<Report | undefined> {
    const row = await this.#trx
      .selectFrom('reports')
      .selectAll()
      .where('contract_id', '=', contractId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row === undefined ? undefined : reports.toDomain(row)
  }

  async latestStartedRun(contractId: number): Promise<Run | undefined> {
    const row = await this.#trx
      .selectFrom('reports')
      .selectAll()
      .where('contract_id', '=', contractId)
      .where('kind', '=', 'run')
      .where('skipped', '=', false)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row === undefined ? undefined : (reports.toDomain(row) as Run)
  }

  async listReports(contractId: number, page: ReportPage): Promise<readonly Report[]> {
    let query = this.#trx.selectFrom('reports').selectAll().where('contract_id', '=', contractId)
    if (page.beforeId !== undefined) query = query.where('id', '<', page.beforeId)
    query = query.orderBy('id', 'desc')
    if (page.limit !== undefined) query = query.limit(page.limit)
    return (await query.execute()).map(reports.toDomain)
  }

  async recentReportMarks(
    contractIds: readonly number[],
    perContract: number,
  ): Promise<ReadonlyMap<number, readonly ReportMark[]>> {
    const recent = new Map<number, ReportMark[]>()
    if (contractIds.length === 0) return recent
    // One round trip: a lateral LIMIT per contract walks the (contract_id) index newest first.
    const { rows } = await sql<MarkRow & { contract_id: number }>`
      SELECT r.contract_id, r.kind, r.health, r.ended_at
      FROM unnest(${[...contractIds]}::bigint[]) AS c(id)
      CROSS JOIN LATERAL (
        SELECT id, contract_id, kind, health, ended_at FROM reports WHERE contract_id = c.id ORDER BY id DESC LIMIT ${perContract}
      ) AS r
      ORDER BY r.contract_id, r.id DESC`.execute(this.#trx)
    for (const row of rows) {
      const mark = reports.markToDomain(row)
      const list = recent.get(row.contract_id)
      if (list === undefined) recent.set(row.contract_id, [mark])
      else list.push(mark)
    }
    return recent
  }

  async countReports(contractId: number): Promise<number> {
    const { count } = await this.#trx
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('contract_id', '=', contractId)
      .executeTakeFirstOrThrow()
    return count
  }

  async unfinishedRuns(contractId: number, excludeId?: number): Promise<readonly Run[]> {
    let query = this.#trx
      .selectFrom('reports')
      .selectAll()
      .where('contract_id', '=', contractId)
      .where('kind', '=', RUN)
      .where('ended_at', 'is', null)
    if (excludeId !== undefined) query = query.where('id', '<>', excludeId)
    return (await query.orderBy('id').execute()).map((row) => reports.toDomain(row) as Run)
  }

  async deleteReport(id: number): Promise<void> {
    await this.#trx.deleteFrom('reports').where('id', '=', id).execute()
  }

  async runLogPaths(contractId: number): Promise<readonly string[]> {
    const rows = await this.#trx
      .selectFrom('reports')
      .select('log_path')
      .where('contract_id', '=', contractId)
      .where('log_path', 'is not', null)
      .orderBy('id')
      .execute()
    return rows.flatMap((row) => (row.log_path === null ? [] : [row.log_path]))
  }

  // --- steps ---

  async insertStep(input: NewStep): Promise<Step> {
    const row = steps.toRow({ ...input, detail: input.detail ?? null })
    const { id } = await this.#trx.insertInto('steps').values(row).returning('id').executeTakeFirstOrThrow()
    return steps.toDomain({ ...row, id })
  }

  async listSteps(reportId: number): Promise<readonly Step[]> {
    const rows = await this.#trx
      .selectFrom('steps')
      .selectAll()
      .where('report_id', '=', reportId)
      .orderBy('id')
      .execute()
    return rows.map(steps.toDomain)
  }

  // --- incidents ---

  async insertIncident(input: NewIncident): Promise<Incident> {
    const row = incidents.toRow({ ...input, state: 'open', recoveredAt: null, relapsedAt: null, resolvedAt: null })
    const { id } = await this.#trx.insertInto('incidents').values(row).returning('id').executeTakeFirstOrThrow()
    return incidents.toDomain({ ...row, id })
  }

  async getIncident(id: number): Promise<Incident | undefined> {
    const row = await this.#trx.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : incidents.toDomain(row)
  }

  async activeIncident(contractId: number, trigger: TriggerType): Promise<Incident | undefined> {
    const row = await this.#trx
      .selectFrom('incidents')
      .selectAll()
      .where('contract_id', '=', contractId)
      .where('trigger_type', '=', trigger)
      .where('state', '<>', RESOLVED)
      .executeTakeFirst()
    return row === undefined ? undefined : incidents.toDomain(row)
  }

  async updateIncident(id: number, patch: IncidentPatch): Promise<void> {
    const set = incidents.patchToRow(patch)
    if (Object.keys(set).length === 0) return
    await this.#trx.updateTable('incidents').set(set).where('id', '=', id).execute()
  }

  async deleteIncident(id: number): Promise<void> {
    await this.#trx.deleteFrom('incidents').where('id', '=', id).execute()
  }

  async listActiveIncidents(): Promise<readonly Incident[]> {
    const rows = await this.#trx
      .selectFrom('incidents')
      .selectAll()
      .where('state', '<>', RESOLVED)
      .orderBy('id')
      .execute()
    return rows.map(incidents.toDomain)
  }

  async activeIncidentsOfContract(contractId: number): Promise<readonly Incident[]> {
    const rows = await this.#trx
      .selectFrom('incidents')
      .selectAll()
      .where('contract_id', '=', contractId)
      .where('state', '<>', RESOLVED)
      .orderBy('id')
      .execute()
    return rows.map(incidents.toDomain)
  }

  async activeIncidentIdsOfReports(reportIds: readonly number[]): Promise<ReadonlyMap<number, readonly number[]>> {
    const linked = new Map<number, number[]>()
    if (reportIds.length === 0) return linked
    const rows = await this.#trx
      .selectFrom('incident_events as e')
      .innerJoin('incidents as i', 'i.id', 'e.incident_id')
      .select(['e.report_id', 'e.incident_id'])
      .distinct()
      .where('e.report_id', '=', anyOf(reportIds))
      .where('i.state', '<>', RESOLVED)
      .orderBy('e.report_id')
      .orderBy('e.incident_id')
      .execute()
    for (const { report_id, incident_id } of rows) {
      if (report_id !== null) pushTo(linked, report_id, incident_id)
    }
    return linked
  }

  async insertIncidentEvent(input: NewIncidentEvent): Promise<IncidentEvent> {
    const row = incidentEvents.toRow(input)
    const { id } = await this.#trx.insertInto('incident_events').values(row).returning('id').executeTakeFirstOrThrow()
    return incidentEvents.toDomain({ ...row, id })
  }

  async listIncidentEvents(incidentId: number): Promise<readonly IncidentEvent[]> {
    const rows = await this.#trx
      .selectFrom('incident_events')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('id')
      .execute()
    return rows.map(incidentEvents.toDomain)
  }

  // --- deadlines ---

  async dueContracts(at: Date, limit: number): Promise<readonly Contract[]> {
    // The OR of two ranges is a BitmapOr of the two partial indexes: work proportional to what is
    // due. least() skips NULLs: the earlier of the two deadlines.
    const rows = await this.#trx
      .selectFrom('contracts')
      .selectAll()
      .where((eb) => eb.or([eb('stale_at', '<=', at), eb('stale_incident_at', '<=', at)]))
      .orderBy(sql`least(stale_at, stale_incident_at)`)
      .orderBy('id')
      .limit(limit)
      .forNoKeyUpdate()
      .skipLocked()
      .execute()
    return rows.map(contracts.toDomain)
  }

  async dueRuns(at: Date, limit: number): Promise<readonly Run[]> {
    // The terms repeat the partial index's WHERE (`reports_overtime_at`) so that the planner uses it.
    const rows = await this.#trx
      .selectFrom('reports')
      .selectAll()
      .where('ended_at', 'is', null)
      .where('overtime_at', 'is not', null)
      .where('overtime_at', '<=', at)
      .where('kind', '=', RUN)
      .orderBy('overtime_at')
      .orderBy('id')
      .limit(limit)
      .forNoKeyUpdate()
      .skipLocked()
      .execute()
    return rows.map((row) => reports.toDomain(row) as Run)
  }

  async dueMissed(at: Date, limit: number): Promise<readonly Contract[]> {
    const rows = await this.#trx
      .selectFrom('contracts')
      .selectAll()
      .where('missed_at', 'is not', null)
      .where('missed_at', '<=', at)
      .orderBy('missed_at')
      .orderBy('id')
      .limit(limit)
      .forNoKeyUpdate()
      .skipLocked()
      .execute()
    return rows.map(contracts.toDomain)
  }

  async nextDeadline(): Promise<Date | undefined> {
    // Four min() lookups, each the first entry of a partial index; least() skips NULLs.
    const { rows } = await sql<{ next: Date | null }>`
      SELECT least(
        (SELECT min(stale_at) FROM contracts WHERE stale_at IS NOT NULL),
        (SELECT min(stale_incident_at) FROM contracts WHERE stale_incident_at IS NOT NULL),
        (SELECT min(overtime_at) FROM reports WHERE ended_at IS NULL AND overtime_at IS NOT NULL),
        (SELECT min(missed_at) FROM contracts WHERE missed_at IS NOT NULL)
      ) AS next
    `.execute(this.#trx)
    return rows[0]?.next ?? undefined
  }

  // --- aggregates ---

  async summarize(): Promise<SummaryCounts> {
    // One category per contract with a last report, then the first three codes of each category
    // and its size, by window functions: nothing is read but the answer.
    const { rows } = await sql<{ category: string; code: string; total: number }>`
      WITH categorized AS (
        SELECT c.code,
          CASE
            WHEN c.is_stale THEN 'stale'
            WHEN r.kind = 'run' AND r.ended_at IS NULL THEN 'running'
            ELSE r.health
          END AS category
        FROM contracts c JOIN reports r ON r.id = c.last_report_id
      ), ranked AS (
        SELECT category, code,
          row_number() OVER (PARTITION BY category ORDER BY code) AS position,
          count(*) OVER (PARTITION BY category) AS total
        FROM categorized
        WHERE category <> 'unknown'
      )
      SELECT category, code, total FROM ranked WHERE position <= 3 ORDER BY category, position
    `.execute(this.#trx)
    const { active } = await this.#trx
      .selectFrom('incidents')
      .select((eb) => eb.fn.countAll<number>().as('active'))
      .where('state', '<>', RESOLVED)
      .executeTakeFirstOrThrow()
    const categories = {
      critical: { count: 0, codes: [] as string[] },
      stale: { count: 0, codes: [] as string[] },
      warning: { count: 0, codes: [] as string[] },
      healthy: { count: 0, codes: [] as string[] },
      running: { count: 0, codes: [] as string[] },
    } satisfies Record<string, CodeCount>
    for (const { category, code, total } of rows) {
      if (!Object.hasOwn(categories, category)) throw corrupt(`summary category ${category}`)
      const counted = categories[category as keyof typeof categories]
      counted.count = total
      counted.codes.push(code)
    }
    return { activeIncidents: active, ...categories }
  }

  // --- truncation ---

  async truncate(plan: TruncatePlan): Promise<TruncateCounts> {
    let incidentCount = 0
    if (plan.incidentCutoff !== undefined) {
      let query = this.#trx
        .deleteFrom('incidents')
        .where('state', '=', RESOLVED)
        .where('resolved_at', 'is not', null)
        .where('resolved_at', '<=', plan.incidentCutoff)
      if (plan.contractId !== null) query = query.where('contract_id', '=', plan.contractId)
      incidentCount = Number((await query.executeTakeFirst()).numDeletedRows)
    }
    // The SQL form of isDeliveryTruncated.
    const deliveryCount =
      plan.deliveryCutoff === undefined
        ? 0
        : Number(
            (
              await this.#trx
                .deleteFrom('deliveries')
                .where('status', '<>', PENDING)
                .where('finished_at', 'is not', null)
                .where('finished_at', '<=', plan.deliveryCutoff)
                .executeTakeFirst()
            ).numDeletedRows,
          )
    const counted = { incidents: incidentCount, deliveries: deliveryCount }
    if (plan.reportCutoffs === undefined) return { samples: 0, runs: 0, ...counted, logPaths: [] }
    const { healthy, warning, critical } = plan.reportCutoffs
    // The SQL form of isReportTruncated, minus the two protections of the store: each contract's
    // last report and any report a non-resolved incident's timeline points at. One statement for
    // both kinds; RETURNING says which kind each deleted report was.
    const { rows } = await sql<{ id: number; kind: string; log_path: string | null }>`
      DELETE FROM reports AS r
      WHERE TRUE
        ${plan.contractId === null ? sql`` : sql`AND r.contract_id = ${plan.contractId}`}
        AND (CASE r.kind WHEN 'sample' THEN r.pushed_at ELSE coalesce(r.ended_at, r.started_at) END)
          <= (CASE r.health
                WHEN 'healthy' THEN ${healthy}::timestamptz
                WHEN 'warning' THEN ${warning}::timestamptz
                ELSE ${critical}::timestamptz
              END)
        AND r.id IS DISTINCT FROM (SELECT c.last_report_id FROM contracts AS c WHERE c.id = r.contract_id)
        AND NOT EXISTS (
          SELECT 1 FROM incident_events AS e JOIN incidents AS i ON i.id = e.incident_id
          WHERE e.report_id = r.id AND i.state <> 'resolved'
        )
      RETURNING r.id, r.kind, r.log_path
    `.execute(this.#trx)
    // RETURNING comes in no particular order; the other stores give log paths by report id.
    const runs = rows.filter((row) => row.kind === 'run').sort((a, b) => a.id - b.id)
    const logPaths = runs.flatMap((row) => (row.log_path === null ? [] : [row.log_path]))
    return { samples: rows.length - runs.length, runs: runs.length, ...counted, logPaths }
  }

  // --- outbox ---

  async insertDelivery(input: NewDelivery): Promise<Delivery> {
    const row = deliveries.toRow({ ...input, status: 'pending', attempts: 0, lastError: null, finishedAt: null })
    const inserted = await this.#trx.insertInto('deliveries').values(row).returningAll().executeTakeFirstOrThrow()
    return deliveries.toDomain(inserted)
  }

  async getDelivery(id: number): Promise<Delivery | undefined> {
    const row = await this.#trx.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : deliveries.toDomain(row)
  }

  async dueDeliveries(at: Date, limit: number): Promise<readonly Delivery[]> {
    const rows = await this.#trx
      .selectFrom('deliveries as d')
      .selectAll('d')
      .where('d.status', '=', PENDING)
      .where('d.next_attempt_at', '<=', at)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('deliveries as o')
              .select(sql.lit(1).as('one'))
              .where('o.status', '=', PENDING)
              .where('o.ordering_key', 'is not', null)
              .whereRef('o.target', '=', 'd.target')
              .whereRef('o.ordering_key', '=', 'd.ordering_key')
              .whereRef('o.id', '<', 'd.id'),
          ),
        ),
      )
      .orderBy('d.id')
      .limit(limit)
      .execute()
    return rows.map(deliveries.toDomain)
  }

  async updateDelivery(id: number, patch: DeliveryPatch): Promise<void> {
    const set = deliveries.patchToRow(patch)
    if (Object.keys(set).length === 0) return
    await this.#trx.updateTable('deliveries').set(set).where('id', '=', id).execute()
  }

  /**
   * One statement: the due heads (as `dueDeliveries`) that nobody else holds a live lease on are
   * locked `FOR UPDATE SKIP LOCKED` (a daemon claiming at the same moment skips them rather than
   * waits) and stamped with the owner and a lease on the server's clock.
   */
  async claimDueDeliveries(at: Date, claim: DeliveryClaim, limit: number): Promise<readonly Delivery[]> {
    const { rows } = await sql<DeliveryRow>`
      UPDATE deliveries
      SET claimed_by = ${claim.owner}, lease_until = now() + make_interval(secs => ${claim.leaseMs / 1000}::double precision)
      WHERE id IN (
        SELECT d.id FROM deliveries d
        WHERE d.status = ${PENDING} AND d.next_attempt_at <= ${at}
          AND (d.lease_until IS NULL OR d.lease_until <= now() OR d.claimed_by = ${claim.owner})
          AND NOT EXISTS (
            SELECT 1 FROM deliveries o
            WHERE o.status = ${PENDING} AND o.ordering_key IS NOT NULL
              AND o.target = d.target AND o.ordering_key = d.ordering_key AND o.id < d.id
          )
        ORDER BY d.id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING *`.execute(this.#trx)
    return rows.map(deliveries.toDomain).sort((a, b) => a.id - b.id)
  }

  async settleDelivery(id: number, owner: string, patch: DeliveryPatch): Promise<boolean> {
    const result = await this.#trx
      .updateTable('deliveries')
      .set({ ...deliveries.patchToRow(patch), claimed_by: null, lease_until: null })
      .where('id', '=', id)
      .where('claimed_by', '=', owner)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  async requeueFailedDeliveries(at: Date, id?: number): Promise<number> {
    let update = this.#trx
      .updateTable('deliveries')
      .set(deliveries.patchToRow({ status: 'pending', attempts: 0, nextAttemptAt: at, finishedAt: null }))
      .where('status', '=', 'failed')
    if (id !== undefined) update = update.where('id', '=', id)
    const { numUpdatedRows } = await update.executeTakeFirstOrThrow()
    return Number(numUpdatedRows)
  }

  async nextDeliveryAt(): Promise<Date | undefined> {
    const { next } = await this.#trx
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('next'))
      .where('status', '=', PENDING)
      .executeTakeFirstOrThrow()
    return next ?? undefined
  }

  async listDeliveries(query: DeliveryQuery): Promise<readonly Delivery[]> {
    let select = this.#trx.selectFrom('deliveries').selectAll()
    if (query.status !== undefined) select = select.where('status', '=', query.status)
    const rows = await select.orderBy('id', 'desc').limit(query.limit).execute()
    return rows.map(deliveries.toDomain)
  }

  async countDeliveries(): Promise<Readonly<Record<DeliveryStatus, number>>> {
    const rows = await this.#trx
      .selectFrom('deliveries')
      .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute()
    const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 }
    for (const { status, count } of rows) counts[oneOf(DELIVERY_STATUSES, status, 'deliveries.status')] = count
    return counts
  }

  // --- API tokens ---

  async insertToken(input: NewToken): Promise<ApiToken> {
    const row = tokens.toRow({ ...input, lastUsedAt: null, revoked: false })
    const inserted = await this.#trx.insertInto('tokens').values(row).returningAll().executeTakeFirstOrThrow()
    return tokens.toDomain(inserted)
  }

  async findTokenByName(name: string): Promise<ApiToken | undefined> {
    const row = await this.#trx
      .selectFrom('tokens')
      .selectAll()
      .where('name', '=', name)
      .where('revoked', '=', false)
      .executeTakeFirst()
    return row === undefined ? undefined : tokens.toDomain(row)
  }

  async findTokenBySecretHash(secretHash: string): Promise<ApiToken | undefined> {
    const row = await this.#trx
      .selectFrom('tokens')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .executeTakeFirst()
    return row === undefined ? undefined : tokens.toDomain(row)
  }

  async listTokens(): Promise<readonly ApiToken[]> {
    // COLLATE "C": byte order, as the other stores sort names.
    const rows = await this.#trx
      .selectFrom('tokens')
      .selectAll()
      .where('revoked', '=', false)
      .orderBy(sql`name COLLATE "C"`)
      .execute()
    return rows.map(tokens.toDomain)
  }

  async updateToken(id: number, patch: TokenPatch): Promise<void> {
    const set = tokens.patchToRow(patch)
    if (Object.keys(set).length === 0) return
    await this.#trx.updateTable('tokens').set(set).where('id', '=', id).execute()
  }

  // --- internal ---

  /** Inserts a sample or run; RETURNING gives its id in the same round trip. */
  async #insertReport(report: ReportFields): Promise<Report> {
    const row = reports.toRow(report)
    const { id } = await this.#trx.insertInto('reports').values(row).returning('id').executeTakeFirstOrThrow()
    return reports.toDomain({ ...row, id })
  }

  // --- incident queries ---

  queryIncidents(query: IncidentQuery): Promise<readonly CodedIncident[]> {
    return queryIncidents(this.#trx, query)
  }

  // --- history export ---

  async exportHistory(query: HistoryQuery): Promise<HistoryPage> {
    const after = query.after ?? HISTORY_START
    const { from, to } = query
    const codes = new Map(
      (await this.#trx.selectFrom('contracts').select(['id', 'code']).execute()).map((c) => [Number(c.id), c.code]),
    )
    const codeOf = (id: number | null | undefined) => (id == null ? null : (codes.get(Number(id)) ?? null))

    const reportRows = await this.#trx
      .selectFrom('reports')
      .selectAll()
      .where('id', '>', after.reportId)
      .where((eb) =>
        eb.or([
          eb.and([eb('pushed_at', '>=', from), eb('pushed_at', '<=', to)]),
          eb.and([eb('pushed_at', 'is', null), eb('started_at', '>=', from), eb('started_at', '<=', to)]),
        ]),
      )
      .orderBy('id')
      .limit(query.limit)
      .execute()
    const inScope = reportRows.filter((row) => inHistoryScope(query, codeOf(row.contract_id)))
    const runIds = inScope.filter((row) => row.kind === 'run').map((row) => row.id)
    const stepsOf = new Map<number, Step[]>()
    const stepRows =
      runIds.length === 0
        ? []
        : await this.#trx.selectFrom('steps').selectAll().where('report_id', '=', anyOf(runIds)).orderBy('id').execute()
    for (const step of stepRows.map(steps.toDomain))
      stepsOf.set(step.reportId, [...(stepsOf.get(step.reportId) ?? []), step])

    const incidentRows = await this.#trx
      .selectFrom('incidents')
      .selectAll()
      .where('id', '>', after.incidentId)
      .where('opened_at', '>=', from)
      .where('opened_at', '<=', to)
      .orderBy('id')
      .limit(query.limit)
      .execute()
    const wanted = incidentRows.filter((row) => inHistoryScope(query, codeOf(row.contract_id)))
    const timelines = new Map<number, IncidentEvent[]>()
    const eventRows =
      wanted.length === 0
        ? []
        : await this.#trx
            .selectFrom('incident_events')
            .selectAll()
            .where('incident_id', '=', anyOf(wanted.map((row) => row.id)))
            .orderBy('id')
            .execute()
    for (const event of eventRows.map(incidentEvents.toDomain))
      timelines.set(event.incidentId, [...(timelines.get(event.incidentId) ?? []), event])

    const deliveryRows = await this.#trx
      .selectFrom('deliveries')
      .selectAll()
      .where('id', '>', after.deliveryId)
      .where('created_at', '>=', from)
      .where('created_at', '<=', to)
      .orderBy('id')
      .limit(query.limit)
      .execute()

    const page: HistoryPage = {
      reports: inScope.map((row): HistoryReport => {
        const report = reports.toDomain(row)
        const code = codeOf(row.contract_id) ?? ''
        return report.kind === 'sample' ? { ...report, code } : { ...report, code, steps: stepsOf.get(report.id) ?? [] }
      }),
      incidents: wanted.map((row) => {
        const incident = incidents.toDomain(row)
        return { ...incident, code: codeOf(incident.contractId), timeline: timelines.get(incident.id) ?? [] }
      }),
      deliveries: deliveryRows.flatMap((row) => {
        const delivery = deliveries.toDomain(row)
        const code = codeOf(delivery.event.incident?.contractId)
        return inHistoryScope(query, code) ? [{ ...delivery, code }] : []
      }),
    }
    const scanned = (rows: readonly { id: number | string }[], afterId: number) => ({
      count: rows.length,
      lastId: rows.length === 0 ? afterId : Number(rows[rows.length - 1]?.id),
    })
    const next = nextHistoryCursor(query.limit, {
      reportId: scanned(reportRows, after.reportId),
      incidentId: scanned(incidentRows, after.incidentId),
      deliveryId: scanned(deliveryRows, after.deliveryId),
    })
    return next === undefined ? page : { ...page, next }
  }
}

// --- internal ---

// Constants of the partial indexes' WHERE clauses, as literals so that the planner can match them
// whatever plan it keeps for the statement.
const RESOLVED = sql.lit('resolved')
const PENDING = sql.lit('pending')
const RUN = sql.lit('run')

/** `= ANY($1)` with one array parameter: one statement whatever the number of ids. */
function anyOf(ids: readonly number[]) {
  return sql<number>`ANY(${[...ids]}::bigint[])`
}

function pushTo(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}
