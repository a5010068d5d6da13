import { NEW_CONTRACT_STATE, type Contract, type Delivery, type DeliveryStatus, type Incident, type IncidentEvent, type Reminder, type Report, type ReportMark, type Run, type Sample, type Silence, type Step } from './domain.js'
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
import { isIncidentTruncated, isReportTruncated, type TruncatePlan } from './truncate-policy.js'

/**
 * A Store kept in memory: for tests, examples and short-lived tools. Transactions run one at a
 * time and roll back on a throw (an undo log). Lookups scan, so it suits thousands of rows, not
 * millions: use `@timon/store-sqlite` for real data.
 */
export class MemoryStore implements Store {
  readonly #data = new Tables()
  readonly #queue = new SerialQueue()
  #closed = false

  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      if (this.#closed) throw new Error('MemoryStore is closed')
      const tx = new MemoryTx(this.#data)
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
}

// --- internal ---

/** A table: rows by id, with the next id never reused (as AUTOINCREMENT). */
class Table<T extends { readonly id: number }> {
  readonly rows = new Map<number, T>()
  nextId = 1
}

class Tables {
  readonly contracts = new Table<Contract>()
  readonly reports = new Table<Report>()
  readonly steps = new Table<Step>()
  readonly incidents = new Table<Incident>()
  readonly events = new Table<IncidentEvent>()
  readonly deliveries = new Table<Delivery>()
  readonly claims = new LocalDeliveryClaims()
  readonly tokens = new Table<ApiToken>()
  readonly silences = new Table<Silence>()
  /** Held incidents, keyed by incident id. */
  readonly holds = new Table<{ readonly id: number; readonly heldBy: string }>()
  readonly reminders = new Table<Reminder & { readonly id: number }>()
}

class MemoryTx implements StoreTx {
  readonly #t: Tables
  readonly #undo: (() => void)[] = []

  constructor(tables: Tables) {
    this.#t = tables
  }

  rollback(): void {
    for (const undo of this.#undo.reverse()) undo()
  }

  // --- contracts ---
  async findContract(code: string) {
    return [...this.#t.contracts.rows.values()].find((c) => c.code === code)
  }
  async getContract(id: number) {
    return this.#t.contracts.rows.get(id)
  }
  async insertContract(input: Parameters<StoreTx['insertContract']>[0]) {
    if (await this.findContract(input.code)) throw new Error(`UNIQUE constraint failed: contracts.code (${input.code})`)
    return this.#insert(this.#t.contracts, (id) => ({ id, ...input, ...NEW_CONTRACT_STATE}))
  }
  async updateContract(id: number, patch: Parameters<StoreTx['updateContract']>[1]) {
    this.#update(this.#t.contracts, id, patch)
  }
  async deleteContract(id: number) {
    for (const report of this.#where(this.#t.reports, (r) => r.contractId === id)) await this.deleteReport(report.id)
    for (const incident of this.#where(this.#t.incidents, (i) => i.contractId === id)) await this.deleteIncident(incident.id)
    this.#delete(this.#t.contracts, id)
  }
  async listContractOverviews(page: ContractPage): Promise<readonly ContractOverview[]> {
    const order = (c: Contract) => `${c.kind === 'probe' ? 0 : 1}\u0000${c.code}`
    const after = page.after === undefined ? undefined : `${page.after.kind === 'probe' ? 0 : 1}\u0000${page.after.code}`
    const contracts = [...this.#t.contracts.rows.values()]
      .filter((c) => after === undefined || order(c) > after)
      .sort((a, b) => (order(a) < order(b) ? -1 : 1))
      .slice(0, page.limit)
    const active = await this.listActiveIncidents()
    return contracts.map((contract) => ({
      contract,
      lastReport: contract.lastReportId === null ? undefined : this.#t.reports.rows.get(contract.lastReportId),
      activeIncidentIds: active.filter((i) => i.contractId === contract.id).map((i) => i.id),
    }))
  }

  // --- reports ---
  async insertSample(input: Parameters<StoreTx['insertSample']>[0]): Promise<Sample> {
    this.#uniqueUid(input.contractId, input.uid)
    return this.#insert(this.#t.reports, (id) => ({ id, kind: 'sample' as const, ...input, progress: input.progress ?? null, host: input.host ?? null })) as Sample
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
    return [...this.#t.reports.rows.values()].find((r) => r.contractId === contractId && r.uid === uid)
  }
  async updateRun(id: number, patch: Parameters<StoreTx['updateRun']>[1]) {
    const report = this.#t.reports.rows.get(id)
    if (report?.kind !== 'run') throw new Error(`no run with id ${id}`)
    this.#update(this.#t.reports, id, patch as Partial<Report>)
  }
  async latestReport(contractId: number) {
    return this.#reportsOf(contractId)[0]
  }
  async latestStartedRun(contractId: number) {
    return this.#reportsOf(contractId).find((r): r is Run => r.kind === 'run' && !r.skipped)
  }
  async listReports(contractId: number, page: Parameters<StoreTx['listReports']>[1]) {
    const reports = this.#reportsOf(contractId).filter((r) => page.beforeId === undefined || r.id < page.beforeId)
    return page.limit === undefined ? reports : reports.slice(0, page.limit)
  }
  async recentReportMarks(contractIds: readonly number[], perContract: number) {
    const wanted = new Set(contractIds)
    const recent = new Map<number, ReportMark[]>()
    for (const report of [...this.#t.reports.rows.values()].reverse()) {
      if (!wanted.has(report.contractId)) continue
      const list = recent.get(report.contractId) ?? []
      if (list.length === 0) recent.set(report.contractId, list)
      if (list.length < perContract) list.push({ kind: report.kind, health: report.health, running: report.kind === 'run' && report.endedAt === null })
    }
    return recent
  }
  async countReports(contractId: number) {
    return this.#reportsOf(contractId).length
  }
  async unfinishedRuns(contractId: number, excludeId?: number) {
    return this.#reportsOf(contractId)
      .filter((r): r is Run => r.kind === 'run' && r.endedAt === null && r.id !== excludeId)
      .reverse()
  }
  async deleteReport(id: number) {
    for (const step of this.#where(this.#t.steps, (s) => s.reportId === id)) this.#delete(this.#t.steps, step.id)
    for (const event of this.#where(this.#t.events, (e) => e.reportId === id)) this.#update(this.#t.events, event.id, { reportId: null })
    for (const contract of this.#where(this.#t.contracts, (c) => c.lastReportId === id)) {
      this.#update(this.#t.contracts, contract.id, { lastReportId: null })
    }
    this.#delete(this.#t.reports, id)
  }

  async runLogPaths(contractId: number) {
    return this.#reportsOf(contractId).flatMap((r) => (r.kind === 'run' && r.logPath !== null ? [r.logPath] : []))
  }

  // --- steps ---
  async insertStep(input: Parameters<StoreTx['insertStep']>[0]) {
    return this.#insert(this.#t.steps, (id) => ({ id, ...input, detail: input.detail ?? null }))
  }
  async listSteps(reportId: number) {
    return this.#where(this.#t.steps, (s) => s.reportId === reportId)
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
    return this.#where(this.#t.incidents, (i) => i.contractId === contractId && i.triggerType === trigger && i.state !== 'resolved')[0]
  }
  async updateIncident(id: number, patch: Parameters<StoreTx['updateIncident']>[1]) {
    this.#update(this.#t.incidents, id, patch)
  }
  async deleteIncident(id: number) {
    this.#delete(this.#t.holds, id)
    await this.clearReminders(id)
    for (const event of this.#where(this.#t.events, (e) => e.incidentId === id)) this.#delete(this.#t.events, event.id)
    this.#delete(this.#t.incidents, id)
  }
  async listActiveIncidents() {
    return this.#where(this.#t.incidents, (i) => i.state !== 'resolved')
  }
  async activeIncidentsOfContract(contractId: number) {
    return this.#where(this.#t.incidents, (i) => i.contractId === contractId && i.state !== 'resolved')
  }
  async activeIncidentIdsOfReports(reportIds: readonly number[]) {
    const wanted = new Set(reportIds)
    const linked = new Map<number, Set<number>>()
    for (const event of this.#t.events.rows.values()) {
      if (event.reportId === null || !wanted.has(event.reportId)) continue
      if (this.#t.incidents.rows.get(event.incidentId)?.state === 'resolved') continue
      linked.set(event.reportId, (linked.get(event.reportId) ?? new Set()).add(event.incidentId))
    }
    return new Map([...linked].map(([id, ids]) => [id, [...ids].sort((a, b) => a - b)] as const))
  }
  async insertIncidentEvent(input: Parameters<StoreTx['insertIncidentEvent']>[0]) {
    return this.#insert(this.#t.events, (id) => ({ id, ...input }))
  }
  async listIncidentEvents(incidentId: number) {
    return this.#where(this.#t.events, (e) => e.incidentId === incidentId)
  }

  // --- deadlines ---
  async dueContracts(at: Date, limit: number) {
    return [...this.#t.contracts.rows.values()]
      .map((contract) => ({ contract, due: earliest(contract.staleAt, contract.staleIncidentAt) }))
      .filter(({ due }) => due !== undefined && due <= at.getTime())
      .sort((a, b) => (a.due ?? 0) - (b.due ?? 0))
      .slice(0, limit)
      .map(({ contract }) => contract)
  }
  async dueRuns(at: Date, limit: number) {
    return [...this.#t.reports.rows.values()]
      .filter((r): r is Run => r.kind === 'run' && r.endedAt === null && r.overtimeAt !== null && r.overtimeAt <= at)
      .sort((a, b) => (a.overtimeAt?.getTime() ?? 0) - (b.overtimeAt?.getTime() ?? 0))
      .slice(0, limit)
  }
  async dueMissed(at: Date, limit: number) {
    return [...this.#t.contracts.rows.values()]
      .filter((c) => c.missedAt !== null && c.missedAt <= at)
      .sort((a, b) => (a.missedAt?.getTime() ?? 0) - (b.missedAt?.getTime() ?? 0) || a.id - b.id)
      .slice(0, limit)
  }
  async nextDeadline() {
    let next: number | undefined
    for (const c of this.#t.contracts.rows.values()) next = earliest(next, c.staleAt, c.staleIncidentAt, c.missedAt)
    for (const r of this.#t.reports.rows.values()) if (r.kind === 'run' && r.endedAt === null) next = earliest(next, r.overtimeAt)
    return next === undefined ? undefined : new Date(next)
  }

  // --- aggregates ---
  async summarize(): Promise<SummaryCounts> {
    const buckets = { critical: [] as string[], stale: [] as string[], warning: [] as string[], healthy: [] as string[], running: [] as string[] }
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
    const counts = { samples: 0, runs: 0, incidents: 0, logPaths: [] as string[] }
    for (const incident of this.#where(this.#t.incidents, (i) => isIncidentTruncated(i, plan))) {
      await this.deleteIncident(incident.id)
      counts.incidents += 1
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
    const pending = this.#where(this.#t.deliveries, (d) => d.status === 'pending')
    const heads = new Map<string, number>()
    for (const d of pending) {
      const key = d.orderingKey === null ? undefined : `${d.target}\u0000${d.orderingKey}`
      if (key !== undefined && !heads.has(key)) heads.set(key, d.id)
    }
    return pending
      .filter((d) => d.nextAttemptAt <= at && (d.orderingKey === null || heads.get(`${d.target}\u0000${d.orderingKey}`) === d.id))
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
    const failed = this.#where(this.#t.deliveries, (d) => d.status === 'failed' && (id === undefined || d.id === id))
    for (const d of failed) this.#update(this.#t.deliveries, d.id, { status: 'pending', attempts: 0, nextAttemptAt: at, finishedAt: null })
    return failed.length
  }
  async nextDeliveryAt() {
    let next: number | undefined
    for (const d of this.#t.deliveries.rows.values()) if (d.status === 'pending') next = earliest(next, d.nextAttemptAt)
    return next === undefined ? undefined : new Date(next)
  }
  async listDeliveries(query: Parameters<StoreTx['listDeliveries']>[0]) {
    return this.#where(this.#t.deliveries, (d) => query.status === undefined || d.status === query.status)
      .reverse()
      .slice(0, query.limit)
  }
  async countDeliveries() {
    const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 }
    for (const d of this.#t.deliveries.rows.values()) counts[d.status] += 1
    return counts
  }

  // --- API tokens ---
  async insertToken(input: Parameters<StoreTx['insertToken']>[0]) {
    if (await this.findTokenByName(input.name)) throw new Error(`UNIQUE constraint failed: tokens.name (${input.name})`)
    return this.#insert(this.#t.tokens, (id) => ({ id, ...input, codes: [...input.codes], lastUsedAt: null, revoked: false }))
  }
  async findTokenByName(name: string) {
    return [...this.#t.tokens.rows.values()].find((t) => t.name === name && !t.revoked)
  }
  async findTokenBySecretHash(secretHash: string) {
    return [...this.#t.tokens.rows.values()].find((t) => t.secretHash === secretHash)
  }
  async listTokens() {
    return [...this.#t.tokens.rows.values()].filter((t) => !t.revoked).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }
  async updateToken(id: number, patch: Parameters<StoreTx['updateToken']>[1]) {
    this.#update(this.#t.tokens, id, patch)
  }

  // --- incident queries ---
  async queryIncidents(query: IncidentQuery): Promise<readonly CodedIncident[]> {
    const { states, triggers, codes, since, until, before } = query
    const newestFirst = (a: Incident, b: Incident) => b.openedAt.getTime() - a.openedAt.getTime() || b.id - a.id
    return [...this.#t.incidents.rows.values()]
      .map((incident): CodedIncident => ({ ...incident, code: incident.contractId === null ? null : (this.#t.contracts.rows.get(incident.contractId)?.code ?? null) }))
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
    const codeOf = (contractId: number | null | undefined) => (contractId == null ? null : (this.#t.contracts.rows.get(contractId)?.code ?? null))
    const reports = this.#windowRows(this.#t.reports, after.reportId, query, (r) => (r.kind === 'sample' ? r.pushedAt : r.startedAt))
    const incidents = this.#windowRows(this.#t.incidents, after.incidentId, query, (i) => i.openedAt)
    const deliveries = this.#windowRows(this.#t.deliveries, after.deliveryId, query, (d) => d.createdAt)
    const page: HistoryPage = {
      reports: reports.rows.flatMap((r): HistoryReport[] => {
        const code = codeOf(r.contractId)
        if (code === null || !inHistoryScope(query, code)) return []
        return [r.kind === 'sample' ? { ...r, code } : { ...r, code, steps: this.#where(this.#t.steps, (s) => s.reportId === r.id) }]
      }),
      incidents: incidents.rows.flatMap((i): HistoryIncident[] => {
        const code = codeOf(i.contractId)
        return inHistoryScope(query, code) ? [{ ...i, code, timeline: this.#where(this.#t.events, (e) => e.incidentId === i.id) }] : []
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
  #windowRows<T extends { readonly id: number }>(table: Table<T>, afterId: number, query: HistoryQuery, timeOf: (row: T) => Date) {
    const rows: T[] = []
    for (const row of table.rows.values()) {
      if (rows.length >= query.limit) break
      const at = timeOf(row)
      if (row.id > afterId && at >= query.from && at <= query.to) rows.push(row)
    }
    return { rows, count: rows.length, lastId: rows.at(-1)?.id ?? afterId }
  }

  // --- internal ---

  #reportsOf(contractId: number): Report[] {
    return this.#where(this.#t.reports, (r) => r.contractId === contractId).reverse()
  }

  #uniqueUid(contractId: number, uid: string): void {
    for (const r of this.#t.reports.rows.values()) {
      if (r.contractId === contractId && r.uid === uid) throw new Error(`UNIQUE constraint failed: reports (contract, uid ${uid})`)
    }
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
    const at = earliest(...this.#where(this.#t.silences, (silence) => !silence.released).map((silence) => silence.endsAt))
    return at === undefined ? undefined : new Date(at)
  }
  async holdIncident(incidentId: number, heldBy: string) {
    const before = this.#t.holds.rows.get(incidentId)
    this.#t.holds.rows.set(incidentId, { id: incidentId, heldBy })
    this.#undo.push(() => (before === undefined ? this.#t.holds.rows.delete(incidentId) : this.#t.holds.rows.set(incidentId, before)))
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
    const armed = this.#where(this.#t.reminders, (r) => r.incidentId === reminder.incidentId && r.target === reminder.target)[0]
    if (armed === undefined) this.#insert(this.#t.reminders, (id) => ({ id, ...reminder }))
    else this.#update(this.#t.reminders, armed.id, { remindAt: reminder.remindAt })
  }
  async clearReminders(incidentId: number) {
    for (const reminder of this.#where(this.#t.reminders, (r) => r.incidentId === incidentId)) this.#delete(this.#t.reminders, reminder.id)
  }
  async dueReminders(at: Date, limit: number) {
    return this.#where(this.#t.reminders, (r) => r.remindAt <= at)
      .sort((a, b) => a.remindAt.getTime() - b.remindAt.getTime() || a.id - b.id)
      .slice(0, limit)
      .map(({ incidentId, target, remindAt }) => ({ incidentId, target, remindAt }))
  }
  async nextReminder() {
    const at = earliest(...[...this.#t.reminders.rows.values()].map((r) => r.remindAt))
    return at === undefined ? undefined : new Date(at)
  }

  /** Rows in id order that match. */
  #where<T extends { readonly id: number }>(table: Table<T>, match: (row: T) => boolean): T[] {
    return [...table.rows.values()].filter(match).sort((a, b) => a.id - b.id)
  }

  #insert<T extends { readonly id: number }>(table: Table<T>, make: (id: number) => T): T {
    const id = table.nextId
    const row = make(id)
    table.rows.set(id, row)
    table.nextId += 1
    this.#undo.push(() => {
      table.rows.delete(id)
      table.nextId = id
    })
    return row
  }

  #update<T extends { readonly id: number }>(table: Table<T>, id: number, patch: NoInfer<Partial<T>>): void {
    const before = table.rows.get(id)
    if (before === undefined) return
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>
    table.rows.set(id, { ...before, ...defined })
    this.#undo.push(() => table.rows.set(id, before))
  }

  #delete<T extends { readonly id: number }>(table: Table<T>, id: number): void {
    const before = table.rows.get(id)
    if (before === undefined) return
    table.rows.delete(id)
    this.#undo.push(() => table.rows.set(id, before))
  }
}

function earliest(...dates: (Date | number | null | undefined)[]): number | undefined {
  let min: number | undefined
  for (const d of dates) {
    if (d === null || d === undefined) continue
    const t = typeof d === 'number' ? d : d.getTime()
    if (min === undefined || t < min) min = t
  }
  return min
}
