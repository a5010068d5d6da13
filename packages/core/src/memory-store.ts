import {
  NEW_CONTRACT_STATE,
  type Contract,
  type Delivery,
  type DeliveryStatus,
  type Incident,
  type IncidentEvent,
  type Reminder,
  type Report,
  type ReportMark,
  type Run,
  type Sample,
  type Silence,
  type Step,
} from './domain.js'
import { LocalDeliveryClaims } from './local-delivery-claims.js'
import type {
  CodedIncident,
  CodeCount,
  ContractOverview,
  ContractPage,
  HistoryDelivery,
  HistoryIncident,
  HistoryPage,
  HistoryQuery,
  HistoryReport,
  IncidentQuery,
  Store,
  StoreTx,
  SummaryCounts,
  TruncateCounts,
} from './ports/store.js'
import { SerialQueue } from './serial-queue.js'
import type { ApiToken } from './tokens/token.js'
import { matchesAnyCodeGlob } from './code-glob.js'
import { HISTORY_START, inHistoryScope, nextHistoryCursor } from './history/scope.js'
import { DueIndex, GroupIndex, lowerBound, PairIndex, type Row, Table, UndoLog, UniqueIndex } from './memory-table.js'
import { isDeliveryTruncated, isIncidentTruncated, isReportTruncated, type TruncatePlan } from './truncate-policy.js'

/** Options of a {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Which probe samples are kept: `all` (default), or only each probe's `latest` — the one its
   * `lastReportId` names and the newest — so that memory grows with the probes, not the samples.
   * `replay` uses `latest`: the Monitor reads no older sample back (threshold streaks live on the
   * contract), only `show`, `status` and a history export would miss them. Runs are always kept.
   */
  readonly samples?: 'all' | 'latest'
}

/**
 * A Store kept in memory: for tests, examples and short-lived tools. Transactions run one at a
 * time and roll back on a throw (an undo log). Lookups go through indexes as an SQL store's do
 * (`replay` runs millions of samples through one), but nothing is persisted: use
 * `@timon/store-sqlite` for real data.
 */
export class MemoryStore implements Store {
  readonly #data = new Tables()
  readonly #queue = new SerialQueue()
  readonly #keepOldSamples: boolean
  #closed = false

  constructor(options: MemoryStoreOptions = {}) {
    this.#keepOldSamples = (options.samples ?? 'all') === 'all'
  }

  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      if (this.#closed) throw new Error('MemoryStore is closed')
      const tx = new MemoryTx(this.#data, this.#keepOldSamples)
      try {
        return await work(tx)
      } catch (error) {
        tx.rollback()
        throw error
      }
    })
  }

  async close(): Promise<void> {
    await this.#queue.idle()
    this.#closed = true
  }

  /**
   * The earliest of the instants a `Monitor.check` has something to do at in this store — a rule's
   * deadline, a silence's end, a reminder — read at once, outside a transaction: for `replay`,
   * which owns its store and asks before every action it replays (one transaction each cost it
   * about a tenth of its time). Between transactions, it is what they would read.
   */
  nextDue(): Date | undefined {
    const t = this.#data
    return dateOf(earlierOf(earlierOf(t.nextDeadline(), t.nextSilenceEnd()), t.nextReminder()))
  }
}

// --- internal ---

/** The tables and the indexes their lookups use. */
class Tables {
  readonly contractByCode = new UniqueIndex<Contract, string>((c) => c.code)
  readonly contractByLastReport = new UniqueIndex<Contract, number>((c) => c.lastReportId ?? undefined)
  readonly contractsStale = new DueIndex<Contract>((c) => earlierOf(c.staleAt, c.staleIncidentAt))
  readonly contractsMissed = new DueIndex<Contract>((c) => c.missedAt?.getTime())
  readonly contracts = new Table<Contract>(
    [this.contractByCode, this.contractByLastReport, this.contractsStale, this.contractsMissed],
    patchedContract,
  )

  readonly reportsByContract = new GroupIndex<Report, number>((r) => r.contractId)
  readonly reportByUid = new PairIndex<Report, number, string>(
    (r) => r.contractId,
    (r) => r.uid,
  )
  readonly unfinishedRuns = new GroupIndex<Report, number>((r) =>
    r.kind === 'run' && r.endedAt === null ? r.contractId : undefined,
  )
  readonly runsOvertime = new DueIndex<Report>((r) =>
    r.kind === 'run' && r.endedAt === null ? r.overtimeAt?.getTime() : undefined,
  )
  readonly reports = new Table<Report>([
    this.reportsByContract,
    this.reportByUid,
    this.unfinishedRuns,
    this.runsOvertime,
  ])

  readonly stepsByReport = new GroupIndex<Step, number>((s) => s.reportId)
  readonly steps = new Table<Step>([this.stepsByReport])

  /** Active (unresolved) incidents: all of them under `ALL`, and per contract. */
  readonly activeIncidents = new GroupIndex<Incident, typeof ALL>((i) => (i.state === 'resolved' ? undefined : ALL))
  readonly activeByContract = new GroupIndex<Incident, number>((i) =>
    i.state === 'resolved' ? undefined : (i.contractId ?? undefined),
  )
  readonly incidents = new Table<Incident>([this.activeIncidents, this.activeByContract])

  readonly eventsByIncident = new GroupIndex<IncidentEvent, number>((e) => e.incidentId)
  readonly eventsByReport = new GroupIndex<IncidentEvent, number>((e) => e.reportId ?? undefined)
  readonly events = new Table<IncidentEvent>([this.eventsByIncident, this.eventsByReport])

  readonly deliveriesByStatus = new GroupIndex<Delivery, DeliveryStatus>((d) => d.status)
  readonly deliveries = new Table<Delivery>([this.deliveriesByStatus])
  readonly claims = new LocalDeliveryClaims()
  readonly tokens = new Table<ApiToken>()
  readonly silences = new Table<Silence>()
  /** Held incidents, keyed by incident id. */
  readonly holds = new Table<{ readonly id: number; readonly heldBy: string }>()
  readonly reminders = new Table<Reminder & { readonly id: number }>()

  // The next instants, in ms, that `StoreTx.nextDeadline`, `nextSilenceEnd` and `nextReminder` answer.
  // Loops, not filtered copies: `replay` asks before every action it replays.

  nextDeadline(): number | undefined {
    return earlierOf(earlierOf(this.contractsStale.first(), this.contractsMissed.first()), this.runsOvertime.first())
  }

  nextSilenceEnd(): number | undefined {
    let at: number | undefined
    for (const silence of this.silences.rows.values()) if (!silence.released) at = earlierOf(at, silence.endsAt)
    return at
  }

  nextReminder(): number | undefined {
    let at: number | undefined
    for (const reminder of this.reminders.rows.values()) at = earlierOf(at, reminder.remindAt)
    return at
  }
}

class MemoryTx implements StoreTx {
  readonly #t: Tables
  readonly #keepOldSamples: boolean
  readonly #undo = new UndoLog()

  constructor(tables: Tables, keepOldSamples: boolean) {
    this.#t = tables
    this.#keepOldSamples = keepOldSamples
  }

  rollback(): void {
    this.#undo.rollback()
  }

  // --- contracts ---
  async findContract(code: string) {
    const id = this.#t.contractByCode.get(code)
    return id === undefined ? undefined : this.#t.contracts.rows.get(id)
  }
  async getContract(id: number) {
    return this.#t.contracts.rows.get(id)
  }
  async insertContract(input: Parameters<StoreTx['insertContract']>[0]) {
    if (await this.findContract(input.code)) throw new Error(`UNIQUE constraint failed: contracts.code (${input.code})`)
    return this.#insert(this.#t.contracts, (id) => ({ id, ...input, ...NEW_CONTRACT_STATE }))
  }
  async updateContract(id: number, patch: Parameters<StoreTx['updateContract']>[1]) {
    this.#update(this.#t.contracts, id, patch)
  }
  async deleteContract(id: number) {
    for (const reportId of [...this.#t.reportsByContract.ids(id)]) await this.deleteReport(reportId)
    for (const incident of this.#where(this.#t.incidents, (i) => i.contractId === id))
      await this.deleteIncident(incident.id)
    this.#delete(this.#t.contracts, id)
  }
  async listContractOverviews(page: ContractPage): Promise<readonly ContractOverview[]> {
    const order = (c: Contract) => `${c.kind === 'probe' ? 0 : 1}\u0000${c.code}`
    const after =
      page.after === undefined ? undefined : `${page.after.kind === 'probe' ? 0 : 1}\u0000${page.after.code}`
    const contracts = [...this.#t.contracts.rows.values()]
      .filter((c) => after === undefined || order(c) > after)
      .sort((a, b) => (order(a) < order(b) ? -1 : 1))
      .slice(0, page.limit)
    return contracts.map((contract) => ({
      contract,
      lastReport: contract.lastReportId === null ? undefined : this.#t.reports.rows.get(contract.lastReportId),
      activeIncidentIds: [...this.#t.activeByContract.ids(contract.id)],
    }))
  }

  // --- reports ---
  async insertSample(input: Parameters<StoreTx['insertSample']>[0]): Promise<Sample> {
    this.#uniqueUid(input.contractId, input.uid)
    if (!this.#keepOldSamples) this.#dropOldSamples(input.contractId)
    // Field by field, not a spread of the input in the middle of the literal (slow in V8), and no
    // closure to make it: every push inserts one.
    const sample: Sample = {
      id: this.#t.reports.nextId,
      kind: 'sample',
      contractId: input.contractId,
      uid: input.uid,
      health: input.health,
      pushedAt: input.pushedAt,
      comment: input.comment,
      detail: input.detail ?? null,
      rules: input.rules,
      host: input.host ?? null,
      progress: input.progress ?? null,
    }
    this.#add(this.#t.reports, sample)
    return sample
  }
  async insertRun(input: Parameters<StoreTx['insertRun']>[0]): Promise<Run> {
    this.#uniqueUid(input.contractId, input.uid)
    const { skipped = false, ...fields } = input
    return this.#insert(this.#t.reports, (id) => ({
      id,
      kind: 'run' as const,
      health: skipped ? ('healthy' as const) : ('unknown' as const),
      endedAt: skipped ? input.startedAt : null,
      endComment: null,
      exit: null,
      logPath: null,
      skipped,
      progress: null,
      ...fields,
      host: fields.host ?? null,
    })) as Run
  }
  async getReport(id: number) {
    return this.#t.reports.rows.get(id)
  }
  async findReport(contractId: number, uid: string) {
    const id = this.#t.reportByUid.get(contractId, uid)
    return id === undefined ? undefined : this.#t.reports.rows.get(id)
  }
  async updateRun(id: number, patch: Parameters<StoreTx['updateRun']>[1]) {
    const report = this.#t.reports.rows.get(id)
    if (report?.kind !== 'run') throw new Error(`no run with id ${id}`)
    this.#update(this.#t.reports, id, patch as Partial<Report>)
  }
  async latestReport(contractId: number) {
    const id = this.#t.reportsByContract.ids(contractId).at(-1)
    return id === undefined ? undefined : this.#t.reports.rows.get(id)
  }
  async latestStartedRun(contractId: number) {
    const ids = this.#t.reportsByContract.ids(contractId)
    for (let i = ids.length - 1; i >= 0; i--) {
      const report = this.#t.reports.rows.get(ids[i] as number)
      if (report?.kind === 'run' && !report.skipped) return report
    }
    return undefined
  }
  async listReports(contractId: number, page: Parameters<StoreTx['listReports']>[1]) {
    const ids = this.#t.reportsByContract.ids(contractId)
    const end =
      page.beforeId === undefined
        ? ids.length
        : lowerBound(ids.length, (i) => (ids[i] as number) < (page.beforeId as number))
    const start = page.limit === undefined ? 0 : Math.max(0, end - page.limit)
    return this.#t.reports.pick(ids.slice(start, end)).reverse()
  }
  async recentReportMarks(contractIds: readonly number[], perContract: number) {
    const recent = new Map<number, ReportMark[]>()
    for (const contractId of contractIds) {
      const ids = this.#t.reportsByContract.ids(contractId)
      if (ids.length === 0 || recent.has(contractId)) continue
      const newest = this.#t.reports.pick(ids.slice(Math.max(0, ids.length - perContract))).reverse()
      recent.set(
        contractId,
        newest.map((report) => ({
          kind: report.kind,
          health: report.health,
          running: report.kind === 'run' && report.endedAt === null,
        })),
      )
    }
    return recent
  }
  async countReports(contractId: number) {
    return this.#t.reportsByContract.ids(contractId).length
  }
  async unfinishedRuns(contractId: number, excludeId?: number) {
    return (this.#t.reports.pick(this.#t.unfinishedRuns.ids(contractId)) as Run[]).filter((r) => r.id !== excludeId)
  }
  async deleteReport(id: number) {
    for (const stepId of [...this.#t.stepsByReport.ids(id)]) this.#delete(this.#t.steps, stepId)
    for (const eventId of [...this.#t.eventsByReport.ids(id)]) this.#update(this.#t.events, eventId, { reportId: null })
    const contractId = this.#t.contractByLastReport.get(id)
    if (contractId !== undefined) this.#update(this.#t.contracts, contractId, { lastReportId: null })
    this.#delete(this.#t.reports, id)
  }

  async runLogPaths(contractId: number) {
    return this.#t.reports
      .pick(this.#t.reportsByContract.ids(contractId))
      .reverse()
      .flatMap((r) => (r.kind === 'run' && r.logPath !== null ? [r.logPath] : []))
  }

  // --- steps ---
  async insertStep(input: Parameters<StoreTx['insertStep']>[0]) {
    return this.#insert(this.#t.steps, (id) => ({ id, ...input, detail: input.detail ?? null }))
  }
  async listSteps(reportId: number) {
    return this.#t.steps.pick(this.#t.stepsByReport.ids(reportId))
  }

  // --- incidents ---
  async insertIncident(input: Parameters<StoreTx['insertIncident']>[0]) {
    if (input.contractId !== null && (await this.activeIncident(input.contractId, input.triggerType))) {
      throw new Error(`UNIQUE constraint failed: one active ${input.triggerType} incident per contract`)
    }
    return this.#insert(this.#t.incidents, (id) => ({
      id,
      state: 'open' as const,
      recoveredAt: null,
      relapsedAt: null,
      resolvedAt: null,
      ...input,
    }))
  }
  async getIncident(id: number) {
    return this.#t.incidents.rows.get(id)
  }
  async activeIncident(contractId: number, trigger: Incident['triggerType']) {
    return (await this.activeIncidentsOfContract(contractId)).find((i) => i.triggerType === trigger)
  }
  async updateIncident(id: number, patch: Parameters<StoreTx['updateIncident']>[1]) {
    this.#update(this.#t.incidents, id, patch)
  }
  async deleteIncident(id: number) {
    this.#delete(this.#t.holds, id)
    await this.clearReminders(id)
    for (const eventId of [...this.#t.eventsByIncident.ids(id)]) this.#delete(this.#t.events, eventId)
    this.#delete(this.#t.incidents, id)
  }
  async listActiveIncidents() {
    return this.#t.incidents.pick(this.#t.activeIncidents.ids(ALL))
  }
  async activeIncidentsOfContract(contractId: number) {
    const ids = this.#t.activeByContract.ids(contractId)
    // Most contracts have none: no new array on the path of every push.
    return ids.length === 0 ? NONE : this.#t.incidents.pick(ids)
  }
  async activeIncidentIdsOfReports(reportIds: readonly number[]) {
    const linked = new Map<number, number[]>()
    for (const reportId of new Set(reportIds)) {
      const ids = new Set<number>()
      for (const event of this.#t.events.pick(this.#t.eventsByReport.ids(reportId))) {
        if (this.#t.incidents.rows.get(event.incidentId)?.state !== 'resolved') ids.add(event.incidentId)
      }
      if (ids.size > 0)
        linked.set(
          reportId,
          [...ids].sort((a, b) => a - b),
        )
    }
    return linked
  }
  async insertIncidentEvent(input: Parameters<StoreTx['insertIncidentEvent']>[0]) {
    return this.#insert(this.#t.events, (id) => ({ id, ...input }))
  }
  async listIncidentEvents(incidentId: number) {
    return this.#t.events.pick(this.#t.eventsByIncident.ids(incidentId))
  }

  // --- deadlines ---
  async dueContracts(at: Date, limit: number) {
    return this.#t.contracts.pick(this.#t.contractsStale.due(at.getTime(), limit))
  }
  async dueRuns(at: Date, limit: number) {
    return this.#t.reports.pick(this.#t.runsOvertime.due(at.getTime(), limit)) as Run[]
  }
  async dueMissed(at: Date, limit: number) {
    return this.#t.contracts.pick(this.#t.contractsMissed.due(at.getTime(), limit))
  }
  async nextDeadline() {
    return dateOf(this.#t.nextDeadline())
  }

  // --- aggregates ---
  async summarize(): Promise<SummaryCounts> {
    const buckets = {
      critical: [] as string[],
      stale: [] as string[],
      warning: [] as string[],
      healthy: [] as string[],
      running: [] as string[],
    }
    for (const contract of this.#t.contracts.rows.values()) {
      const last = contract.lastReportId === null ? undefined : this.#t.reports.rows.get(contract.lastReportId)
      if (last === undefined) continue
      if (contract.isStale) buckets.stale.push(contract.code)
      else if (last.kind === 'run' && last.endedAt === null) buckets.running.push(contract.code)
      else if (last.health !== 'unknown') buckets[last.health].push(contract.code)
    }
    const count = (codes: string[]): CodeCount => ({ count: codes.length, codes: codes.sort().slice(0, 3) })
    return {
      activeIncidents: (await this.listActiveIncidents()).length,
      critical: count(buckets.critical),
      stale: count(buckets.stale),
      warning: count(buckets.warning),
      healthy: count(buckets.healthy),
      running: count(buckets.running),
    }
  }

  // --- truncation ---
  async truncate(plan: TruncatePlan): Promise<TruncateCounts> {
    const counts = { samples: 0, runs: 0, incidents: 0, deliveries: 0, logPaths: [] as string[] }
    for (const incident of this.#where(this.#t.incidents, (i) => isIncidentTruncated(i, plan))) {
      await this.deleteIncident(incident.id)
      counts.incidents += 1
    }
    for (const delivery of this.#where(this.#t.deliveries, (d) => isDeliveryTruncated(d, plan))) {
      this.#delete(this.#t.deliveries, delivery.id)
      counts.deliveries += 1
    }
    const latest = new Set([...this.#t.contracts.rows.values()].map((c) => c.lastReportId))
    const candidates = this.#where(this.#t.reports, (r) => !latest.has(r.id) && isReportTruncated(r, plan))
    const linked = await this.activeIncidentIdsOfReports(candidates.map((r) => r.id))
    for (const report of candidates) {
      if (linked.has(report.id)) continue
      await this.deleteReport(report.id)
      counts[report.kind === 'sample' ? 'samples' : 'runs'] += 1
      if (report.kind === 'run' && report.logPath !== null) counts.logPaths.push(report.logPath)
    }
    return counts
  }

  // --- outbox ---
  async insertDelivery(input: Parameters<StoreTx['insertDelivery']>[0]) {
    return this.#insert(this.#t.deliveries, (id) => ({
      id,
      ...input,
      status: 'pending' as const,
      attempts: 0,
      lastError: null,
      finishedAt: null,
    }))
  }
  async getDelivery(id: number) {
    return this.#t.deliveries.rows.get(id)
  }
  async dueDeliveries(at: Date, limit: number) {
    const pending = this.#t.deliveries.pick(this.#t.deliveriesByStatus.ids('pending'))
    const heads = new Map<string, number>()
    for (const d of pending) {
      const key = d.orderingKey === null ? undefined : `${d.target}\u0000${d.orderingKey}`
      if (key !== undefined && !heads.has(key)) heads.set(key, d.id)
    }
    return pending
      .filter(
        (d) =>
          d.nextAttemptAt <= at && (d.orderingKey === null || heads.get(`${d.target}\u0000${d.orderingKey}`) === d.id),
      )
      .slice(0, limit)
  }
  async updateDelivery(id: number, patch: Parameters<StoreTx['updateDelivery']>[1]) {
    this.#update(this.#t.deliveries, id, patch)
  }
  async claimDueDeliveries(at: Date, claim: Parameters<StoreTx['claimDueDeliveries']>[1], limit: number) {
    return this.#t.claims.claim(at, claim, limit, (n) => this.dueDeliveries(at, n))
  }
  async settleDelivery(id: number, owner: string, patch: Parameters<StoreTx['settleDelivery']>[2]) {
    if (!this.#t.claims.release(id, owner)) return false
    this.#update(this.#t.deliveries, id, patch)
    return true
  }
  async requeueFailedDeliveries(at: Date, id?: number) {
    const failed = this.#t.deliveries
      .pick(this.#t.deliveriesByStatus.ids('failed'))
      .filter((d) => id === undefined || d.id === id)
    for (const d of failed)
      this.#update(this.#t.deliveries, d.id, { status: 'pending', attempts: 0, nextAttemptAt: at, finishedAt: null })
    return failed.length
  }
  async nextDeliveryAt() {
    let next: number | undefined
    for (const d of this.#t.deliveries.pick(this.#t.deliveriesByStatus.ids('pending')))
      next = earlierOf(next, d.nextAttemptAt)
    return next === undefined ? undefined : new Date(next)
  }
  async listDeliveries(query: Parameters<StoreTx['listDeliveries']>[0]) {
    const ids =
      query.status === undefined
        ? [...this.#t.deliveries.rows.keys()].sort((a, b) => a - b)
        : this.#t.deliveriesByStatus.ids(query.status)
    return this.#t.deliveries.pick(ids.slice(Math.max(0, ids.length - query.limit))).reverse()
  }
  async countDeliveries() {
    const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 }
    for (const d of this.#t.deliveries.rows.values()) counts[d.status] += 1
    return counts
  }

  // --- API tokens ---
  async insertToken(input: Parameters<StoreTx['insertToken']>[0]) {
    if (await this.findTokenByName(input.name)) throw new Error(`UNIQUE constraint failed: tokens.name (${input.name})`)
    return this.#insert(this.#t.tokens, (id) => ({
      id,
      ...input,
      codes: [...input.codes],
      lastUsedAt: null,
      revoked: false,
    }))
  }
  async findTokenByName(name: string) {
    return [...this.#t.tokens.rows.values()].find((t) => t.name === name && !t.revoked)
  }
  async findTokenBySecretHash(secretHash: string) {
    return [...this.#t.tokens.rows.values()].find((t) => t.secretHash === secretHash)
  }
  async listTokens() {
    return [...this.#t.tokens.rows.values()]
      .filter((t) => !t.revoked)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }
  async updateToken(id: number, patch: Parameters<StoreTx['updateToken']>[1]) {
    this.#update(this.#t.tokens, id, patch)
  }

  // --- incident queries ---
  async queryIncidents(query: IncidentQuery): Promise<readonly CodedIncident[]> {
    const { states, triggers, codes, since, until, before } = query
    const newestFirst = (a: Incident, b: Incident) => b.openedAt.getTime() - a.openedAt.getTime() || b.id - a.id
    return [...this.#t.incidents.rows.values()]
      .map(
        (incident): CodedIncident => ({
          ...incident,
          code: incident.contractId === null ? null : (this.#t.contracts.rows.get(incident.contractId)?.code ?? null),
        }),
      )
      .filter(
        (i) =>
          (states === undefined || states.includes(i.state)) &&
          (triggers === undefined || triggers.includes(i.triggerType)) &&
          (codes === undefined || (i.code !== null && matchesAnyCodeGlob(codes, i.code))) &&
          (since === undefined || i.openedAt >= since) &&
          (until === undefined || i.openedAt <= until) &&
          (before === undefined || newestFirst(i, { ...i, ...before }) > 0),
      )
      .sort(newestFirst)
      .slice(0, query.limit)
  }

  // --- history export ---
  async exportHistory(query: HistoryQuery): Promise<HistoryPage> {
    const after = query.after ?? HISTORY_START
    const codeOf = (contractId: number | null | undefined) =>
      contractId == null ? null : (this.#t.contracts.rows.get(contractId)?.code ?? null)
    const reports = this.#windowRows(this.#t.reports, after.reportId, query, (r) =>
      r.kind === 'sample' ? r.pushedAt : r.startedAt,
    )
    const incidents = this.#windowRows(this.#t.incidents, after.incidentId, query, (i) => i.openedAt)
    const deliveries = this.#windowRows(this.#t.deliveries, after.deliveryId, query, (d) => d.createdAt)
    const page: HistoryPage = {
      reports: reports.rows.flatMap((r): HistoryReport[] => {
        const code = codeOf(r.contractId)
        if (code === null || !inHistoryScope(query, code)) return []
        return [
          r.kind === 'sample'
            ? { ...r, code }
            : { ...r, code, steps: this.#t.steps.pick(this.#t.stepsByReport.ids(r.id)) },
        ]
      }),
      incidents: incidents.rows.flatMap((i): HistoryIncident[] => {
        const code = codeOf(i.contractId)
        return inHistoryScope(query, code)
          ? [{ ...i, code, timeline: this.#t.events.pick(this.#t.eventsByIncident.ids(i.id)) }]
          : []
      }),
      deliveries: deliveries.rows.flatMap((d): HistoryDelivery[] => {
        const code = codeOf(d.event.incident?.contractId)
        return inHistoryScope(query, code) ? [{ ...d, code }] : []
      }),
    }
    const next = nextHistoryCursor(query.limit, { reportId: reports, incidentId: incidents, deliveryId: deliveries })
    return next === undefined ? page : { ...page, next }
  }

  /** Up to `limit` rows after `afterId` whose time is within the window, in id order, and the last id scanned. */
  #windowRows<T extends Row>(table: Table<T>, afterId: number, query: HistoryQuery, timeOf: (row: T) => Date) {
    const rows: T[] = []
    // Ids are never reused, so the rows after the cursor are those up to `nextId` (as a primary key's range scan).
    for (let id = afterId + 1; id < table.nextId && rows.length < query.limit; id++) {
      const row = table.rows.get(id)
      if (row === undefined) continue
      const at = timeOf(row)
      if (at >= query.from && at <= query.to) rows.push(row)
    }
    return { rows, count: rows.length, lastId: rows.at(-1)?.id ?? afterId }
  }

  // --- internal ---

  /**
   * Drops the probe's samples but the one its `lastReportId` names (`samples: 'latest'`); the
   * timeline entries naming a dropped sample keep its id.
   */
  #dropOldSamples(contractId: number): void {
    const lastReportId = this.#t.contracts.rows.get(contractId)?.lastReportId
    const ids = this.#t.reportsByContract.ids(contractId)
    // Backwards, as a delete takes its id out of `ids`: no copy of it on the path of every push.
    for (let i = ids.length - 1; i >= 0; i--) {
      const id = ids[i] as number
      if (id !== lastReportId && this.#t.reports.rows.get(id)?.kind === 'sample') this.#delete(this.#t.reports, id)
    }
  }

  #uniqueUid(contractId: number, uid: string): void {
    if (this.#t.reportByUid.get(contractId, uid) !== undefined)
      throw new Error(`UNIQUE constraint failed: reports (contract, uid ${uid})`)
  }

  // --- silences ---
  async insertSilence(input: Parameters<StoreTx['insertSilence']>[0]) {
    return this.#insert(this.#t.silences, (id) => ({ id, ...input, released: false }))
  }
  async getSilence(id: number) {
    return this.#t.silences.rows.get(id)
  }
  async listSilences(at: Date) {
    return this.#where(this.#t.silences, (silence) => silence.endsAt > at)
  }
  async updateSilence(id: number, patch: Parameters<StoreTx['updateSilence']>[1]) {
    this.#update(this.#t.silences, id, patch)
  }
  async dueSilences(at: Date, limit: number) {
    return this.#where(this.#t.silences, (silence) => !silence.released && silence.endsAt <= at)
      .sort((a, b) => a.endsAt.getTime() - b.endsAt.getTime() || a.id - b.id)
      .slice(0, limit)
  }
  async nextSilenceEnd() {
    return dateOf(this.#t.nextSilenceEnd())
  }
  async holdIncident(incidentId: number, heldBy: string) {
    this.#undo.record(this.#t.holds, incidentId, this.#t.holds.rows.get(incidentId))
    this.#t.holds.set({ id: incidentId, heldBy })
  }
  async heldIncidents(afterId: number, limit: number) {
    return this.#where(this.#t.holds, (hold) => hold.id > afterId)
      .slice(0, limit)
      .flatMap((hold) => {
        const incident = this.#t.incidents.rows.get(hold.id)
        return incident === undefined ? [] : [{ incident, heldBy: hold.heldBy }]
      })
  }
  async releaseIncident(incidentId: number) {
    this.#delete(this.#t.holds, incidentId)
  }
  async armReminder(reminder: Reminder) {
    const armed = this.#where(
      this.#t.reminders,
      (r) => r.incidentId === reminder.incidentId && r.target === reminder.target,
    )[0]
    if (armed === undefined) this.#insert(this.#t.reminders, (id) => ({ id, ...reminder }))
    else this.#update(this.#t.reminders, armed.id, { remindAt: reminder.remindAt })
  }
  async clearReminders(incidentId: number) {
    for (const reminder of this.#where(this.#t.reminders, (r) => r.incidentId === incidentId))
      this.#delete(this.#t.reminders, reminder.id)
  }
  async dueReminders(at: Date, limit: number) {
    return this.#where(this.#t.reminders, (r) => r.remindAt <= at)
      .sort((a, b) => a.remindAt.getTime() - b.remindAt.getTime() || a.id - b.id)
      .slice(0, limit)
      .map(({ incidentId, target, remindAt }) => ({ incidentId, target, remindAt }))
  }
  async nextReminder() {
    return dateOf(this.#t.nextReminder())
  }

  /** Rows in id order that match. */
  #where<T extends Row>(table: Table<T>, match: (row: T) => boolean): T[] {
    return [...table.rows.values()].filter(match).sort((a, b) => a.id - b.id)
  }

  #insert<T extends Row>(table: Table<T>, make: (id: number) => T): T {
    const row = make(table.nextId)
    this.#add(table, row)
    return row
  }

  /** Inserts a row whose id is its table's next one. */
  #add<T extends Row>(table: Table<T>, row: T): void {
    this.#undo.record(table, row.id, undefined)
    table.set(row)
    table.nextId = row.id + 1
  }

  #update<T extends Row>(table: Table<T>, id: number, patch: NoInfer<Partial<T>>): void {
    const before = table.update(id, patch)
    if (before !== undefined) this.#undo.record(table, id, before)
  }

  #delete<T extends Row>(table: Table<T>, id: number): void {
    const before = table.rows.get(id)
    if (before === undefined) return
    this.#undo.record(table, id, before)
    table.delete(id)
  }
}

/** The one group of an index over all rows. */
const ALL = 0

/** No rows; shared, as a caller never modifies what a lookup returns. */
const NONE: readonly never[] = []

function dateOf(ms: number | undefined): Date | undefined {
  return ms === undefined ? undefined : new Date(ms)
}

/**
 * A contract with the fields `patch` sets (one set to `undefined` keeps its value): field by field,
 * in the order `insertContract` makes them, as a spread of a contract costs more than all the rest
 * of a push's update of it.
 */
function patchedContract(contract: Contract, patch: Partial<Contract>): Contract {
  return {
    id: contract.id,
    code: patched(patch.code, contract.code),
    kind: patched(patch.kind, contract.kind),
    rules: patched(patch.rules, contract.rules),
    createdAt: patched(patch.createdAt, contract.createdAt),
    isStale: patched(patch.isStale, contract.isStale),
    staleAt: patched(patch.staleAt, contract.staleAt),
    staleIncidentAt: patched(patch.staleIncidentAt, contract.staleIncidentAt),
    lastReportId: patched(patch.lastReportId, contract.lastReportId),
    expectedAt: patched(patch.expectedAt, contract.expectedAt),
    missedAt: patched(patch.missedAt, contract.missedAt),
    failureStreak: patched(patch.failureStreak, contract.failureStreak),
    successStreak: patched(patch.successStreak, contract.successStreak),
  }
}

/** A patch's value of a field, or the field's own when the patch leaves it `undefined`. */
function patched<V>(value: V | undefined, own: V): V {
  return value === undefined ? own : value
}

/** The earlier of two instants in ms, either absent; no rest array, as indexes ask on every write. */
function earlierOf(a: Date | number | null | undefined, b: Date | number | null | undefined): number | undefined {
  const x = a instanceof Date ? a.getTime() : (a ?? undefined)
  const y = b instanceof Date ? b.getTime() : (b ?? undefined)
  return x === undefined ? y : y === undefined || x <= y ? x : y
}
