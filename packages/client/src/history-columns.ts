/**
 * The compact form of a history page (`GET /v1/history?format=columns`, docs/wire-api.md): the
 * samples, the bulk of a month's history, as columns — one array per field, instants as epoch
 * milliseconds, each distinct probe and rule set once per page — instead of one object each.
 * Converting a sample object to and from the wire (keys renamed, instants as RFC 3339 text) cost
 * the daemon and the CLI more than reading and replaying it. Runs, incidents and deliveries stay
 * objects: they are few. The daemon encodes with {@link historyColumnsOf}, the client decodes
 * with {@link historyPageOf}; both sides' `toWire`/`fromWire` only rename the few keys.
 */
import type { HistoryPage, HistoryReport, Progress, Rules, Sample } from '@timon/core'
import { sameRules } from '@timon/core/lite'

type Health = Sample['health']

/** A history page with its samples as columns; the parts keep the page's id order. */
export interface HistoryColumns {
  readonly format: 'columns'
  /** The probes the samples belong to; a sample names one by its index. */
  readonly contracts: readonly { readonly id: number; readonly code: string }[]
  /** The distinct rule sets the samples carried; a sample names one by its index. */
  readonly rules: readonly Rules[]
  readonly samples: SampleColumns
  /** The runs, with their steps, as objects. */
  readonly runs: readonly HistoryReport[]
  readonly incidents: HistoryPage['incidents']
  readonly deliveries: HistoryPage['deliveries']
  readonly next?: HistoryPage['next']
}

/**
 * One array per sample field, all of the same length, in id order. Mapped from `Sample`, so that a
 * field added to it is a column the encoder and decoder must fill (else they fail to compile).
 */
export type SampleColumns = {
  readonly [K in Exclude<keyof Sample, 'kind' | 'contractId' | 'pushedAt' | 'rules'>]-?: readonly Sample[K][]
} & {
  /** Index into {@link HistoryColumns.contracts}. */
  readonly contract: readonly number[]
  /** Epoch milliseconds. */
  readonly pushedAt: readonly number[]
  /** Index into {@link HistoryColumns.rules}. */
  readonly rules: readonly number[]
}

/** The columns of a history page (the daemon's side). */
export function historyColumnsOf(page: HistoryPage): HistoryColumns {
  const contracts: { id: number; code: string }[] = []
  const contractIndex = new Map<number, number>()
  const rules: Rules[] = []
  // A probe's rules rarely change from one sample to the next: compared with its previous set
  // first, then looked up by value (probes mostly share a few sets).
  const lastRules = new Map<number, number>()
  const rulesByValue = new Map<string, number>()
  const samples = {
    id: [] as number[],
    contract: [] as number[],
    uid: [] as string[],
    health: [] as Health[],
    pushedAt: [] as number[],
    comment: [] as (string | null)[],
    rules: [] as number[],
    progress: [] as (Progress | null)[],
    host: [] as (string | null)[],
    detail: [] as (string | null)[],
  }
  const runs: HistoryReport[] = []
  for (const report of page.reports) {
    if (report.kind === 'run') {
      runs.push(report)
      continue
    }
    let contract = contractIndex.get(report.contractId)
    if (contract === undefined) {
      contract = contracts.push({ id: report.contractId, code: report.code }) - 1
      contractIndex.set(report.contractId, contract)
    }
    let rulesIndex = lastRules.get(report.contractId)
    if (rulesIndex === undefined || !sameRules(rules[rulesIndex] as Rules, report.rules)) {
      const value = JSON.stringify(report.rules)
      rulesIndex = rulesByValue.get(value) ?? rules.push(report.rules) - 1
      rulesByValue.set(value, rulesIndex)
      lastRules.set(report.contractId, rulesIndex)
    }
    samples.id.push(report.id)
    samples.contract.push(contract)
    samples.uid.push(report.uid)
    samples.health.push(report.health)
    samples.pushedAt.push(report.pushedAt.getTime())
    samples.comment.push(report.comment)
    samples.rules.push(rulesIndex)
    samples.progress.push(report.progress)
    samples.host.push(report.host ?? null)
    samples.detail.push(report.detail ?? null)
  }
  const columns = {
    format: 'columns' as const,
    contracts,
    rules,
    samples,
    runs,
    incidents: page.incidents,
    deliveries: page.deliveries,
  }
  return page.next === undefined ? columns : { ...columns, next: page.next }
}

/** The history page the columns hold (the client's side): samples and runs merged back in id order. */
export function historyPageOf(columns: HistoryColumns): HistoryPage {
  const { samples, runs } = columns
  const reports: HistoryReport[] = []
  let run = 0
  for (let i = 0; i < samples.id.length; i++) {
    const id = samples.id[i] as number
    while (run < runs.length && (runs[run] as HistoryReport).id < id) reports.push(runs[run++] as HistoryReport)
    const contract = columns.contracts[samples.contract[i] as number]
    if (contract === undefined) throw new Error(`history columns: sample ${id} names no probe`)
    const sample: Sample & { readonly code: string } = {
      id,
      contractId: contract.id,
      uid: samples.uid[i] as string,
      health: samples.health[i] as Health,
      rules: columns.rules[samples.rules[i] as number] as Rules,
      progress: samples.progress[i] ?? null,
      host: samples.host[i] ?? null,
      kind: 'sample',
      pushedAt: new Date(samples.pushedAt[i] as number),
      comment: samples.comment[i] ?? null,
      detail: samples.detail[i] ?? null,
      code: contract.code,
    }
    reports.push(sample)
  }
  while (run < runs.length) reports.push(runs[run++] as HistoryReport)
  const page = { reports, incidents: columns.incidents, deliveries: columns.deliveries }
  return columns.next === undefined ? page : { ...page, next: columns.next }
}
