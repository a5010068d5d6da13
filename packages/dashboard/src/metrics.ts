import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { INCIDENT_STATES, TRIGGER_TYPES, type Clock, type ContractKind, type ReportHealth } from '@timon/core'
import type { Overview } from './overview-model.js'

/** Values of `timon_health`: the contract of issue 15. */
const HEALTH_VALUE: Readonly<Partial<Record<ReportHealth | 'none', number>>> = { healthy: 0, warning: 1, critical: 2 }

/**
 * Timon's Prometheus metrics on a registry of its own (never prom-client's global one): counters
 * the daemon feeds as things happen, the process's own metrics, and per-scrape gauges of every
 * probe/job read from the monitor.
 */
export class DashboardMetrics {
  /** The registry of the counters, the histogram and the process metrics. */
  readonly registry = new Registry()
  readonly #pushes = new Counter({
    name: 'timon_pushes_total',
    help: 'Pushes received, by kind of subject',
    labelNames: ['kind'],
    registers: [this.registry],
  })
  readonly #runs = new Counter({
    name: 'timon_runs_total',
    help: 'Job runs ended, by result',
    labelNames: ['result'],
    registers: [this.registry],
  })
  readonly #deliveries = new Counter({
    name: 'timon_deliveries_total',
    help: 'Notification delivery attempts, by target and result',
    labelNames: ['target', 'result'],
    registers: [this.registry],
  })
  readonly #runDuration = new Histogram({
    name: 'timon_run_duration_seconds',
    help: 'Duration of ended job runs',
    labelNames: ['code'],
    buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
    registers: [this.registry],
  })
  readonly #clock: Clock

  constructor(clock: Clock) {
    this.#clock = clock
    collectDefaultMetrics({ register: this.registry })
  }

  /** Counts one push of a sample (`probe`) or of a run start (`job`). */
  countPush(kind: ContractKind): void {
    this.#pushes.inc({ kind })
  }

  /** Counts one ended run by its health (`healthy`, `warning`, `critical`). */
  countRun(result: ReportHealth): void {
    this.#runs.inc({ result })
  }

  /** Counts one delivery attempt to a notifier target. */
  countDelivery(target: string, ok: boolean): void {
    this.#deliveries.inc({ target, result: ok ? 'delivered' : 'failed' })
  }

  /** Records how long an ended run of job `code` took, in seconds. */
  observeRunDuration(code: string, seconds: number): void {
    this.#runDuration.observe({ code }, seconds)
  }

  /** The content type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType
  }

  /**
   * The exposition text: gauges of the subjects and incidents in `overview`, followed by the
   * registry's metrics unless `subjectsOnly` (a caller limited to some codes sees no process-wide
   * series, whose labels name any code).
   */
  async render(overview: Overview, subjectsOnly: boolean): Promise<string> {
    const scrape = subjectGauges(overview, this.#clock.now())
    const subjects = await scrape.metrics()
    return subjectsOnly ? subjects : subjects + (await this.registry.metrics())
  }
}

// --- internal ---

/** A throwaway registry per scrape, so concurrent scrapes for different callers never mix values. */
function subjectGauges(overview: Overview, now: Date): Registry {
  const registry = new Registry()
  const registers = [registry]
  const health = new Gauge({
    name: 'timon_health',
    help: 'Health of the last report: 0 healthy, 1 warning, 2 critical',
    labelNames: ['code', 'kind', 'host'],
    registers,
  })
  const age = new Gauge({
    name: 'timon_last_report_age_seconds',
    help: 'Seconds since the last report',
    labelNames: ['code', 'kind'],
    registers,
  })
  const stale = new Gauge({
    name: 'timon_stale',
    help: '1 while the subject is flagged stale',
    labelNames: ['code', 'kind'],
    registers,
  })
  const incidents = new Gauge({
    name: 'timon_incidents',
    help: 'Active incidents by state and trigger',
    labelNames: ['state', 'trigger'],
    registers,
  })
  for (const row of overview.subjects) {
    const labels = { code: row.code, kind: row.kind }
    const value = HEALTH_VALUE[row.health]
    // Reports carry no host yet (issue 11 adds it): the label is there, empty, so queries need no change.
    if (value !== undefined) health.set({ ...labels, host: '' }, value)
    if (row.lastReportAt !== undefined) age.set(labels, (now.getTime() - row.lastReportAt.getTime()) / 1000)
    stale.set(labels, row.flags.includes('stale') ? 1 : 0)
  }
  for (const state of INCIDENT_STATES) {
    if (state === 'resolved') continue
    for (const trigger of TRIGGER_TYPES) incidents.set({ state, trigger }, 0)
  }
  for (const { incident } of overview.incidents) incidents.inc({ state: incident.state, trigger: incident.triggerType })
  return registry
}
