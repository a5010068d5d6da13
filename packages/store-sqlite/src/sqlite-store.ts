import { closeSync, constants as fsConstants, fchmodSync, openSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import {
  Kysely,
  SqliteDialect,
  sql,
  type Selectable,
} from 'kysely'
import {
  CONTRACT_KINDS,
  DELIVERY_STATUSES,
  EVENT_NAMES,
  HEALTHS,
  INCIDENT_EVENT_TYPES,
  INCIDENT_STATES,
  REPORT_HEALTHS,
  TRIGGER_TYPES,
  type CodeCount,
  type Contract,
  type ContractOverview,
  type ContractPage,
  type ContractPatch,
  type Delivery,
  type DeliveryPatch,
  type DeliveryQuery,
  type DeliveryStatus,
  type Incident,
  type IncidentEvent,
  type IncidentPatch,
  type NewContract,
  type NewDelivery,
  type NewIncident,
  type NewIncidentEvent,
  type NewRun,
  type NewSample,
  type NewStep,
  type NotificationEvent,
  type Report,
  type ReportPage,
  type Rules,
  type Run,
  type RunPatch,
  type Sample,
  type Step,
  type Store,
  type StoreTx,
  type SummaryCounts,
  type TriggerType,
  type TruncateCounts,
  type TruncatePlan,
} from '@timon/core'
import { GroupCommit } from './group-commit.js'
import { migrate } from './migrations.js'
import type {
  ContractsTable,
  DeliveriesTable,
  IncidentEventsTable,
  IncidentsTable,
  ReportsTable,
  StepsTable,
  Tables,
} from './tables.js'

/** How to open a {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * A file path (created with mode 0600 when missing), `':memory:'`, or an open better-sqlite3
   * handle. The store configures and migrates it, and closes it on `close()` (a handle passed in
   * too); nothing else may use the handle meanwhile.
   */
  readonly database: string | BetterSqlite3.Database
  /**
   * How long a statement waits for a lock held by another connection, in milliseconds.
   * Defaults to 5000.
   */
  readonly busyTimeout?: number
  /**
   * Let concurrent callers share commits: a transaction that finishes alone waits one
   * event-loop turn (`setImmediate`) before committing, so that requests already read join it.
   * Worth it in a server with many concurrent writers (the daemon turns it on); a single caller
   * only pays the wait. Default `false`: transactions that queue up while one runs still share
   * its commit.
   */
  readonly shareCommits?: boolean
}

/**
 * The {@link Store} on SQLite, through Kysely over better-sqlite3. Opening sets WAL,
 * `synchronous = NORMAL`, `foreign_keys = ON` (on this connection: the Go original lost its
 * cascades by setting it in a migration only, Q-11) and a busy timeout, then applies pending
 * migrations; it throws `SchemaVersionError` when the file was written by a newer Timon.
 *
 * There is one connection: transactions run one after another (Kysely's connection mutex) and
 * begin `IMMEDIATE`, so a transaction never fails half-way on a lock another process took.
 */
export class SqliteStore implements Store {
  readonly #db: Kysely<Tables>
  readonly #statements: Statements
  /** Transactions run one after another on the one connection, sharing commits under load. */
  readonly #transactions: GroupCommit

  constructor(options: SqliteStoreOptions) {
    const handle = typeof options.database === 'string' ? openDatabase(options.database) : options.database
    try {
      configure(handle, options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT)
      migrate(handle)
    } catch (error) {
      if (typeof options.database === 'string') handle.close()
      throw error
    }
    this.#statements = new Statements(handle)
    this.#db = new Kysely<Tables>({ dialect: new StoreDialect(handle, this.#statements) })
    const statements = this.#statements
    this.#transactions = new GroupCommit(
      {
      // IMMEDIATE takes the write lock up front (waiting up to busy_timeout): a deferred
      // transaction that reads, then writes, fails at once with SQLITE_BUSY if another process
      // wrote in between.
        run: (statement) => void statements.prepare(statement).run(),
        get inTransaction() {
          return handle.inTransaction
        },
      },
      options.shareCommits === true ? { gather: () => new Promise((resolve) => setImmediate(resolve)) } : {},
    )
  }

  /**
   * Runs `work` in a transaction of its own. The store drives BEGIN/COMMIT itself (rather than
   * through Kysely's transaction API, which costs a fifth of a probe push), never interleaves
   * transactions on the connection, and lets transactions that queue up under load share one
   * COMMIT (see `GroupCommit`); a transaction settles only once its writes are committed.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#transactions.run(() => work(new SqliteTx(this.#db, this.#statements)))
  }

  async close(): Promise<void> {
    // Wait for a transaction still running before closing the connection under its feet.
    await this.#transactions.idle()
    await this.#db.destroy()
  }
}

// --- internal ---

const DEFAULT_BUSY_TIMEOUT = 5000
/** Prepared statements kept per SQL text; the store's queries are far fewer. */
const STATEMENT_CACHE_SIZE = 256
/** Bound parameters per `IN (…)` list, well below SQLite's limit. */
const IN_CHUNK = 500

// Constants of the partial indexes' WHERE clauses. They must appear in queries as literals: SQLite
// decides at prepare time whether a partial index applies, and a bound parameter never matches.
const RESOLVED = sql.lit('resolved')
const PENDING = sql.lit('pending')
const RUN = sql.lit('run')

type ContractRow = Selectable<ContractsTable>
type ReportRow = Selectable<ReportsTable>
type StepRow = Selectable<StepsTable>
type IncidentRow = Selectable<IncidentsTable>
type IncidentEventRow = Selectable<IncidentEventsTable>
type DeliveryRow = Selectable<DeliveriesTable>

/**
 * One transaction's view of the store. Valid only while its transaction runs.
 *
 * Queries go through Kysely, except the few on the push path (marked "hot path"), which run a
 * prepared statement on the connection directly: Kysely builds and compiles every query afresh,
 * which costs more than SQLite takes to run these. The transaction holds Kysely's connection
 * mutex, so they run inside it all the same.
 */
class SqliteTx implements StoreTx {
  readonly #trx: Kysely<Tables>
  readonly #statements: Statements

  constructor(trx: Kysely<Tables>, statements: Statements) {
    this.#trx = trx
    this.#statements = statements
  }

  // --- contracts ---

  async findContract(code: string): Promise<Contract | undefined> {
    // hot path
    const row = this.#statements.prepare('SELECT * FROM contracts WHERE code = ?').get(code) as ContractRow | undefined
    return row === undefined ? undefined : contracts.toDomain(row)
  }

  async getContract(id: number): Promise<Contract | undefined> {
    const row = await this.#trx.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : contracts.toDomain(row)
  }

  async insertContract(input: NewContract): Promise<Contract> {
    const row = contracts.toRow({
      ...input,
      isStale: false,
      staleAt: null,
      staleIncidentAt: null,
      lastReportId: null,
    })
    const { insertId } = await this.#trx.insertInto('contracts').values(row).executeTakeFirstOrThrow()
    return contracts.toDomain({ ...row, id: Number(insertId) })
  }

  async updateContract(id: number, patch: ContractPatch): Promise<void> {
    // hot path
    this.#update('contracts', id, contracts.patchToRow(patch))
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
    for (const ids of chunks(lastReportIds)) {
      const reportRows = await this.#trx.selectFrom('reports').selectAll().where('id', 'in', ids).execute()
      for (const row of reportRows) lastReports.set(row.id, reports.toDomain(row))
    }
    const activeIds = new Map<number, number[]>()
    for (const ids of chunks(rows.map((row) => row.id))) {
      const incidentRows = await this.#trx
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
  }

  // --- reports ---

  async insertSample(input: NewSample): Promise<Sample> {
    return this.#insertReport(reports.toRow({ ...input, kind: 'sample' })) as Sample
  }

  async insertRun(input: NewRun): Promise<Run> {
    const skipped = input.skipped ?? false
    return this.#insertReport(
      reports.toRow({
        ...input,
        kind: 'run',
        health: skipped ? 'healthy' : 'unknown',
        endedAt: skipped ? input.startedAt : null,
        endComment: null,
        exit: null,
        logPath: null,
        skipped,
      }),
    ) as Run
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
    await this.#trx.updateTable('reports').set(set).where('id', '=', id).where('kind', '=', 'run').execute()
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
      .where('skipped', '=', 0)
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
    const { insertId } = await this.#trx.insertInto('steps').values(row).executeTakeFirstOrThrow()
    return steps.toDomain({ ...row, id: Number(insertId) })
  }

  async listSteps(reportId: number): Promise<readonly Step[]> {
    const rows = await this.#trx.selectFrom('steps').selectAll().where('report_id', '=', reportId).orderBy('id').execute()
    return rows.map(steps.toDomain)
  }

  // --- incidents ---

  async insertIncident(input: NewIncident): Promise<Incident> {
    const row = incidents.toRow({ ...input, state: 'open', recoveredAt: null, relapsedAt: null, resolvedAt: null })
    const { insertId } = await this.#trx.insertInto('incidents').values(row).executeTakeFirstOrThrow()
    return incidents.toDomain({ ...row, id: Number(insertId) })
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
    const rows = await this.#trx.selectFrom('incidents').selectAll().where('state', '<>', RESOLVED).orderBy('id').execute()
    return rows.map(incidents.toDomain)
  }

  async activeIncidentsOfContract(contractId: number): Promise<readonly Incident[]> {
    // hot path: every push reads the contract's active incidents once
    const rows = this.#statements
      .prepare("SELECT * FROM incidents WHERE contract_id = ? AND state <> 'resolved' ORDER BY id")
      .all(contractId) as IncidentRow[]
    return rows.map(incidents.toDomain)
  }

  async activeIncidentIdsOfReports(reportIds: readonly number[]): Promise<ReadonlyMap<number, readonly number[]>> {
    const linked = new Map<number, number[]>()
    for (const ids of chunks([...new Set(reportIds)])) {
      const rows = await this.#trx
        .selectFrom('incident_events as e')
        .innerJoin('incidents as i', 'i.id', 'e.incident_id')
        .select(['e.report_id', 'e.incident_id'])
        .distinct()
        .where('e.report_id', 'in', ids)
        .where('i.state', '<>', RESOLVED)
        .orderBy('e.report_id')
        .orderBy('e.incident_id')
        .execute()
      for (const { report_id, incident_id } of rows) {
        if (report_id !== null) pushTo(linked, report_id, incident_id)
      }
    }
    return linked
  }

  async insertIncidentEvent(input: NewIncidentEvent): Promise<IncidentEvent> {
    const row = incidentEvents.toRow(input)
    const { insertId } = await this.#trx.insertInto('incident_events').values(row).executeTakeFirstOrThrow()
    return incidentEvents.toDomain({ ...row, id: Number(insertId) })
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
    // The OR of two indexable ranges lets SQLite union the two partial indexes: the work is
    // proportional to the contracts that are due, not to all contracts.
    const rows = await this.#trx
      .selectFrom('contracts')
      .selectAll()
      .where((eb) => eb.or([eb('stale_at', '<=', at.getTime()), eb('stale_incident_at', '<=', at.getTime())]))
      .orderBy(sql`min(coalesce(stale_at, stale_incident_at), coalesce(stale_incident_at, stale_at))`)
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map(contracts.toDomain)
  }

  async dueRuns(at: Date, limit: number): Promise<readonly Run[]> {
    // The terms repeat the partial index's WHERE (`reports_overtime_at`) so that SQLite uses it.
    const rows = await this.#trx
      .selectFrom('reports')
      .selectAll()
      .where('ended_at', 'is', null)
      .where('overtime_at', 'is not', null)
      .where('overtime_at', '<=', at.getTime())
      .where('kind', '=', RUN)
      .orderBy('overtime_at')
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map((row) => reports.toDomain(row) as Run)
  }

  async nextDeadline(): Promise<Date | undefined> {
    // Three min() lookups, each the first entry of a partial index.
    const row = await this.#trx
      .selectNoFrom((eb) => [
        eb.selectFrom('contracts').select((e) => e.fn.min('stale_at').as('v')).where('stale_at', 'is not', null).as('stale'),
        eb
          .selectFrom('contracts')
          .select((e) => e.fn.min('stale_incident_at').as('v'))
          .where('stale_incident_at', 'is not', null)
          .as('staleIncident'),
        eb
          .selectFrom('reports')
          .select((e) => e.fn.min('overtime_at').as('v'))
          .where('ended_at', 'is', null)
          .where('overtime_at', 'is not', null)
          .as('overtime'),
      ])
      .executeTakeFirstOrThrow()
    const candidates = [row.stale, row.staleIncident, row.overtime].filter((v): v is number => typeof v === 'number')
    return candidates.length === 0 ? undefined : new Date(Math.min(...candidates))
  }

  // --- aggregates ---

  async summarize(): Promise<SummaryCounts> {
    // One category per contract with a last report, then the first three codes of each category
    // and its size, by window functions: nothing is read but the answer.
    const { rows } = await sql<{ category: string; code: string; total: number }>`
      WITH categorized AS (
        SELECT c.code,
          CASE
            WHEN c.is_stale = 1 THEN 'stale'
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
      if (!isKey(categories, category)) throw corrupt(`summary category ${category}`)
      categories[category].count = total
      categories[category].codes.push(code)
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
        .where('resolved_at', '<=', plan.incidentCutoff.getTime())
      if (plan.contractId !== null) query = query.where('contract_id', '=', plan.contractId)
      incidentCount = Number((await query.executeTakeFirst()).numDeletedRows)
    }
    if (plan.reportCutoffs === undefined) return { samples: 0, runs: 0, incidents: incidentCount, logPaths: [] }
    const cutoffs = plan.reportCutoffs
    // The SQL form of isReportTruncated, minus the two protections of the store: each contract's
    // last report and any report a non-resolved incident's timeline points at.
    const deleteReports = async (kind: 'sample' | 'run') => {
      const { rows } = await sql<{ log_path: string | null }>`
        DELETE FROM reports AS r
        WHERE r.kind = ${kind}
          ${plan.contractId === null ? sql`` : sql`AND r.contract_id = ${plan.contractId}`}
          AND (CASE r.kind WHEN 'sample' THEN r.pushed_at ELSE coalesce(r.ended_at, r.started_at) END)
            <= (CASE r.health
                  WHEN 'healthy' THEN ${cutoffs.healthy?.getTime() ?? null}
                  WHEN 'warning' THEN ${cutoffs.warning?.getTime() ?? null}
                  ELSE ${cutoffs.critical?.getTime() ?? null}
                END)
          AND r.id IS NOT (SELECT c.last_report_id FROM contracts AS c WHERE c.id = r.contract_id)
          AND NOT EXISTS (
            SELECT 1 FROM incident_events AS e JOIN incidents AS i ON i.id = e.incident_id
            WHERE e.report_id = r.id AND i.state <> 'resolved'
          )
        RETURNING log_path
      `.execute(this.#trx)
      return rows
    }
    const samples = (await deleteReports('sample')).length
    const runs = await deleteReports('run')
    const logPaths = runs.flatMap((row) => (row.log_path === null ? [] : [row.log_path]))
    return { samples, runs: runs.length, incidents: incidentCount, logPaths }
  }

  // --- outbox ---

  async insertDelivery(input: NewDelivery): Promise<Delivery> {
    const row = deliveries.toRow({ ...input, status: 'pending', attempts: 0, lastError: null, finishedAt: null })
    const { insertId } = await this.#trx.insertInto('deliveries').values(row).executeTakeFirstOrThrow()
    return deliveries.toDomain({ ...row, id: Number(insertId) })
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
      .where('d.next_attempt_at', '<=', at.getTime())
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

  async nextDeliveryAt(): Promise<Date | undefined> {
    const { next } = await this.#trx
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('next'))
      .where('status', '=', PENDING)
      .executeTakeFirstOrThrow()
    return typeof next === 'number' ? new Date(next) : undefined
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

  // --- hot path statements ---

  /** Inserts a sample or run (hot path). */
  #insertReport(row: Omit<ReportRow, 'id'>): Report {
    const columns = Object.keys(row)
    const text = `INSERT INTO reports (${columns.join(', ')}) VALUES (${columns.map((column) => `@${column}`).join(', ')})`
    const { lastInsertRowid } = this.#statements.prepare(text).run(row)
    return reports.toDomain({ ...row, id: Number(lastInsertRowid) })
  }

  /** `UPDATE table SET <the row's columns> WHERE id = @id` (hot path); a statement per set of columns. */
  #update(table: 'contracts', id: number, set: Readonly<Record<string, unknown>>): void {
    const columns = Object.keys(set)
    if (columns.length === 0) return
    const text = `UPDATE ${table} SET ${columns.map((column) => `${column} = @${column}`).join(', ')} WHERE id = @id`
    this.#statements.prepare(text).run({ ...set, id })
  }
}

// --- row mapping: one toDomain / toRow pair per table ---

type RuleColumns = Pick<ContractRow, 'stale_after' | 'stale_incident_after' | 'overtime_incident_after' | 'overlap_incident'>

const rules = {
  toDomain(row: RuleColumns): Rules {
    return {
      staleAfter: row.stale_after,
      staleIncidentAfter: row.stale_incident_after,
      overtimeIncidentAfter: row.overtime_incident_after,
      overlapIncident: bool(row.overlap_incident),
    }
  },
  toRow(value: Rules): RuleColumns {
    return {
      stale_after: value.staleAfter,
      stale_incident_after: value.staleIncidentAfter,
      overtime_incident_after: value.overtimeIncidentAfter,
      overlap_incident: bit(value.overlapIncident),
    }
  },
}

const contracts = {
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
    }
  },
  patchToRow(patch: ContractPatch): Partial<Omit<ContractRow, 'id'>> {
    return {
      ...(patch.rules === undefined ? {} : rules.toRow(patch.rules)),
      ...(patch.isStale === undefined ? {} : { is_stale: bit(patch.isStale) }),
      ...(patch.staleAt === undefined ? {} : { stale_at: msOrNull(patch.staleAt) }),
      ...(patch.staleIncidentAt === undefined ? {} : { stale_incident_at: msOrNull(patch.staleIncidentAt) }),
      ...(patch.lastReportId === undefined ? {} : { last_report_id: patch.lastReportId }),
    }
  },
}

/** A report without its id, in the shape of either kind. */
type ReportFields =
  | (Omit<Sample, 'id'> & { readonly kind: 'sample' })
  | (Omit<Run, 'id'> & { readonly kind: 'run' })

const reports = {
  toDomain(row: ReportRow): Report {
    const base = {
      id: row.id,
      contractId: row.contract_id,
      uid: row.uid,
      rules: rules.toDomain(row),
    }
    if (row.kind === 'sample' && row.pushed_at !== null) {
      return {
        ...base,
        kind: 'sample',
        health: oneOf(HEALTHS, row.health, 'reports.health'),
        pushedAt: new Date(row.pushed_at),
        comment: row.comment,
      }
    }
    if (row.kind === 'run' && row.started_at !== null) {
      return {
        ...base,
        kind: 'run',
        health: oneOf(REPORT_HEALTHS, row.health, 'reports.health'),
        startedAt: new Date(row.started_at),
        startComment: row.start_comment,
        endedAt: dateOrNull(row.ended_at),
        endComment: row.end_comment,
        overtimeAt: dateOrNull(row.overtime_at),
        exit: row.exit_code === null && row.exit_signal === null ? null : { code: row.exit_code, signal: row.exit_signal },
        logPath: row.log_path,
        skipped: bool(row.skipped),
      }
    }
    throw corrupt(`report ${row.id} of kind ${row.kind}`)
  },
  toRow(report: ReportFields): Omit<ReportRow, 'id'> {
    const common = {
      contract_id: report.contractId,
      kind: report.kind,
      uid: report.uid,
      health: report.health,
      ...rules.toRow(report.rules),
    }
    return report.kind === 'sample'
      ? {
          ...common,
          pushed_at: report.pushedAt.getTime(),
          comment: report.comment,
          started_at: null,
          start_comment: null,
          ended_at: null,
          end_comment: null,
          overtime_at: null,
          exit_code: null,
          exit_signal: null,
          log_path: null,
          skipped: 0,
        }
      : {
          ...common,
          pushed_at: null,
          comment: null,
          started_at: report.startedAt.getTime(),
          start_comment: report.startComment,
          ended_at: msOrNull(report.endedAt),
          end_comment: report.endComment,
          overtime_at: msOrNull(report.overtimeAt),
          exit_code: report.exit?.code ?? null,
          exit_signal: report.exit?.signal ?? null,
          log_path: report.logPath,
          skipped: bit(report.skipped),
        }
  },
  runPatchToRow(patch: RunPatch): Partial<Omit<ReportRow, 'id'>> {
    return {
      ...(patch.health === undefined ? {} : { health: patch.health }),
      ...(patch.endedAt === undefined ? {} : { ended_at: patch.endedAt.getTime() }),
      ...(patch.endComment === undefined ? {} : { end_comment: patch.endComment }),
      ...(patch.overtimeAt === undefined ? {} : { overtime_at: msOrNull(patch.overtimeAt) }),
      ...(patch.exit === undefined ? {} : { exit_code: patch.exit?.code ?? null, exit_signal: patch.exit?.signal ?? null }),
      ...(patch.logPath === undefined ? {} : { log_path: patch.logPath }),
    }
  },
}

const steps = {
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
    return { report_id: step.reportId, label: step.label, health: step.health, at: step.at.getTime(), detail: step.detail }
  },
}

const incidents = {
  toDomain(row: IncidentRow): Incident {
    return {
      id: row.id,
      state: oneOf(INCIDENT_STATES, row.state, 'incidents.state'),
      triggerType: oneOf(TRIGGER_TYPES, row.trigger_type, 'incidents.trigger_type'),
      title: row.title,
      description: row.description,
      contractId: row.contract_id,
      openedAt: new Date(row.opened_at),
      recoveredAt: dateOrNull(row.recovered_at),
      relapsedAt: dateOrNull(row.relapsed_at),
      resolvedAt: dateOrNull(row.resolved_at),
    }
  },
  toRow(incident: Omit<Incident, 'id'>): Omit<IncidentRow, 'id'> {
    return {
      state: incident.state,
      trigger_type: incident.triggerType,
      title: incident.title,
      description: incident.description,
      contract_id: incident.contractId,
      opened_at: incident.openedAt.getTime(),
      recovered_at: msOrNull(incident.recoveredAt),
      relapsed_at: msOrNull(incident.relapsedAt),
      resolved_at: msOrNull(incident.resolvedAt),
    }
  },
  patchToRow(patch: IncidentPatch): Partial<Omit<IncidentRow, 'id'>> {
    return {
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.state === undefined ? {} : { state: patch.state }),
      ...(patch.recoveredAt === undefined ? {} : { recovered_at: msOrNull(patch.recoveredAt) }),
      ...(patch.relapsedAt === undefined ? {} : { relapsed_at: msOrNull(patch.relapsedAt) }),
      ...(patch.resolvedAt === undefined ? {} : { resolved_at: msOrNull(patch.resolvedAt) }),
    }
  },
}

const incidentEvents = {
  toDomain(row: IncidentEventRow): IncidentEvent {
    return {
      id: row.id,
      incidentId: row.incident_id,
      type: oneOf(INCIDENT_EVENT_TYPES, row.type, 'incident_events.type'),
      reportId: row.report_id,
      note: row.note,
      isSystem: bool(row.is_system),
      at: new Date(row.at),
    }
  },
  toRow(event: Omit<IncidentEvent, 'id'>): Omit<IncidentEventRow, 'id'> {
    return {
      incident_id: event.incidentId,
      type: event.type,
      report_id: event.reportId,
      note: event.note,
      is_system: bit(event.isSystem),
      at: event.at.getTime(),
    }
  },
}

/** A NotificationEvent after JSON.stringify: Dates became ISO strings. */
interface EventJson {
  readonly name: string
  readonly at: string
  readonly incident?: Record<keyof Incident, unknown>
  readonly note?: string
}

const deliveries = {
  toDomain(row: DeliveryRow): Delivery {
    return {
      id: row.id,
      deliveryId: row.delivery_id,
      target: row.target,
      event: eventFromJson(row.event, row.id),
      orderingKey: row.ordering_key,
      status: oneOf(DELIVERY_STATUSES, row.status, 'deliveries.status'),
      attempts: row.attempts,
      nextAttemptAt: new Date(row.next_attempt_at),
      lastError: row.last_error,
      createdAt: new Date(row.created_at),
      finishedAt: dateOrNull(row.finished_at),
    }
  },
  toRow(delivery: Omit<Delivery, 'id'>): Omit<DeliveryRow, 'id'> {
    return {
      delivery_id: delivery.deliveryId,
      target: delivery.target,
      event: JSON.stringify(delivery.event),
      ordering_key: delivery.orderingKey,
      status: delivery.status,
      attempts: delivery.attempts,
      next_attempt_at: delivery.nextAttemptAt.getTime(),
      last_error: delivery.lastError,
      created_at: delivery.createdAt.getTime(),
      finished_at: msOrNull(delivery.finishedAt),
    }
  },
  patchToRow(patch: DeliveryPatch): Partial<Omit<DeliveryRow, 'id'>> {
    return {
      ...(patch.status === undefined ? {} : { status: patch.status }),
      ...(patch.attempts === undefined ? {} : { attempts: patch.attempts }),
      ...(patch.nextAttemptAt === undefined ? {} : { next_attempt_at: patch.nextAttemptAt.getTime() }),
      ...(patch.lastError === undefined ? {} : { last_error: patch.lastError }),
      ...(patch.finishedAt === undefined ? {} : { finished_at: msOrNull(patch.finishedAt) }),
    }
  },
}

/** Revives the Dates of a stored event (its own and its incident's). */
function eventFromJson(text: string, deliveryId: number): NotificationEvent {
  const where = `deliveries.event of ${deliveryId}`
  const raw = JSON.parse(text) as EventJson
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
  return event
}

// --- opening ---

/** Opens a database file, creating it with mode 0600 first so that it is never readable by others. */
function openDatabase(path: string): BetterSqlite3.Database {
  if (path !== ':memory:' && path !== '' && !path.startsWith('file:')) createPrivateFile(path)
  return new BetterSqlite3(path)
}

function createPrivateFile(path: string): void {
  let fd: number
  try {
    fd = openSync(path, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return
    throw error
  }
  try {
    fchmodSync(fd, 0o600) // the umask may have taken more than it should
  } finally {
    closeSync(fd)
  }
}

/** Per-connection settings; foreign_keys in particular is not stored in the file. */
function configure(db: BetterSqlite3.Database, busyTimeout: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeout))}`)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  // The pragma is a silent no-op inside a transaction; make sure it took.
  if (db.pragma('foreign_keys', { simple: true }) !== 1) {
    throw new Error('SqliteStore: could not enable foreign keys on the database connection')
  }
}

/**
 * Kysely's SQLite dialect over one better-sqlite3 handle, with prepared statements kept per SQL
 * text (Kysely prepares every query afresh, which costs more than running it). Transactions are
 * the store's own (see `SqliteStore.transaction`).
 */
class StoreDialect extends SqliteDialect {
  constructor(handle: BetterSqlite3.Database, statements: Statements) {
    super({ database: { close: () => handle.close(), prepare: (text) => statements.prepare(text) } })
  }
}

/** The prepared statements of one connection, kept per SQL text (Kysely's and the hot path's). */
class Statements {
  readonly #db: BetterSqlite3.Database
  readonly #cache = new Map<string, BetterSqlite3.Statement>()

  constructor(db: BetterSqlite3.Database) {
    this.#db = db
  }

  prepare(text: string): BetterSqlite3.Statement {
    let statement = this.#cache.get(text)
    if (statement === undefined) {
      statement = this.#db.prepare(text)
      if (this.#cache.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#cache.keys().next()
        if (oldest.done !== true) this.#cache.delete(oldest.value)
      }
      this.#cache.set(text, statement)
    }
    return statement
  }
}

// --- small helpers ---

function bit(value: boolean): number {
  return value ? 1 : 0
}

function bool(value: number): boolean {
  return value !== 0
}

function msOrNull(date: Date | null): number | null {
  return date === null ? null : date.getTime()
}

function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms)
}

function isoDate(value: unknown, where: string): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined
  if (date === undefined || Number.isNaN(date.getTime())) throw corrupt(`${where}: bad instant ${String(value)}`)
  return date
}

function oneOf<const T extends string>(vocabulary: readonly T[], value: unknown, where: string): T {
  if (typeof value === 'string' && (vocabulary as readonly string[]).includes(value)) return value as T
  throw corrupt(`${where}: unexpected value ${String(value)}`)
}

function isKey<T extends object>(object: T, key: string): key is Extract<keyof T, string> {
  return Object.hasOwn(object, key)
}

function corrupt(what: string): Error {
  const error = new Error(`SqliteStore: corrupt row: ${what}`)
  error.name = 'CorruptRowError'
  return error
}

function* chunks<T>(values: readonly T[]): Generator<T[]> {
  for (let i = 0; i < values.length; i += IN_CHUNK) yield values.slice(i, i + IN_CHUNK)
}

function pushTo(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}
