/**
 * The compact form of a history page (`GET /v1/history?format=columns`, docs/wire-api.md): the
 * samples, the bulk of a month's history, as columns — one array per field, instants as epoch
 * milliseconds, each distinct probe and rule set once per page — instead of one object each.
 * Converting a sample object to and from the wire (keys renamed, instants as RFC 3339 text) cost
 * the daemon and the CLI more than reading and replaying it. Runs, incidents and deliveries stay
 * objects: they are few.
 *
 * The daemon encodes a page with {@link historyColumnsOf}, or has its store export the columns
 * directly (`StoreTx.exportHistoryColumns`, see {@link exportHistoryColumns}): both go through one
 * {@link HistoryColumnsBuilder}, so they give the same columns for the same reports. The client
 * decodes with {@link historyPageOf}. Part of `@timon/core/lite`: loads nothing but the domain.
 */
import type { Rules, Sample } from '../domain.js'
import { sameRules } from '../domain.js'
import type { HistoryPage, HistoryQuery, HistoryReport, StoreTx } from '../ports/store.js'

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

/**
 * One sample as {@link HistoryColumnsBuilder.sample} takes it: a value of each column (its instant
 * in epoch milliseconds), with its probe's id and code and its rules in place of their indexes.
 */
export type SampleEntry = {
  readonly [K in Exclude<keyof SampleColumns, 'contract' | 'rules'>]-?: SampleColumns[K][number]
} & {
  readonly contractId: number
  readonly code: string
  readonly rules: Rules
}

/**
 * Builds the {@link HistoryColumns} of a page one report at a time, in id order: each probe and
 * each distinct rule set gets its index at its first sample. {@link historyColumnsOf} feeds it a
 * page's objects, a store's `exportHistoryColumns` its rows, so both number them the same.
 */
export class HistoryColumnsBuilder {
  readonly #contracts: { readonly id: number; readonly code: string }[] = []
  readonly #rules: Rules[] = []
  /** Per probe id: its index in `contracts`, and the index of the rules of its previous sample. */
  readonly #probes = new Map<number, { readonly index: number; rules: number }>()
  /** Rule sets by their JSON: probes mostly share a few sets. */
  readonly #rulesByValue = new Map<string, number>()
  readonly #samples: { -readonly [K in keyof SampleColumns]: SampleColumns[K][number][] }
  #count = 0
  readonly #runs: HistoryReport[] = []

  /**
   * @param expected how many samples to make room for (the page's `limit`; up to
   *   {@link PREALLOCATED_SAMPLES}): columns grown one sample at a time copy themselves as they
   *   grow, which doubled the garbage of building them.
   */
  constructor(expected = 0) {
    const column = () => new Array(Math.min(expected, PREALLOCATED_SAMPLES))
    this.#samples = {
      id: column(),
      contract: column(),
      uid: column(),
      health: column(),
      pushedAt: column(),
      comment: column(),
      rules: column(),
      progress: column(),
      host: column(),
      detail: column(),
    }
  }

  /** Adds a sample, after those added before it. */
  sample(entry: SampleEntry): void {
    let probe = this.#probes.get(entry.contractId)
    if (probe === undefined) {
      probe = { index: this.#contracts.push({ id: entry.contractId, code: entry.code }) - 1, rules: -1 }
      this.#probes.set(entry.contractId, probe)
    }
    // A probe's rules rarely change from one sample to the next: compared with its previous set
    // first (by identity, when the caller kept the object), then looked up by value.
    if (probe.rules < 0 || !sameRules(this.#rules[probe.rules] as Rules, entry.rules)) {
      const value = JSON.stringify(entry.rules)
      probe.rules = this.#rulesByValue.get(value) ?? this.#rules.push(entry.rules) - 1
      this.#rulesByValue.set(value, probe.rules)
    }
    const samples = this.#samples
    const i = this.#count++
    samples.id[i] = entry.id
    samples.contract[i] = probe.index
    samples.uid[i] = entry.uid
    samples.health[i] = entry.health
    samples.pushedAt[i] = entry.pushedAt
    samples.comment[i] = entry.comment
    samples.rules[i] = probe.rules
    samples.progress[i] = entry.progress
    samples.host[i] = entry.host ?? null
    samples.detail[i] = entry.detail ?? null
  }

  /** Adds a run (with its steps), after those added before it. */
  run(report: Extract<HistoryReport, { readonly kind: 'run' }>): void {
    this.#runs.push(report)
  }

  /** The columns of the reports added, with the page's other parts; the builder's last call. */
  columns(rest: Pick<HistoryPage, 'incidents' | 'deliveries' | 'next'>): HistoryColumns {
    // Made with room for more samples than came (runs, probes out of scope, the last page).
    for (const column of Object.values(this.#samples)) column.length = this.#count
    const columns = {
      format: 'columns' as const,
      contracts: this.#contracts,
      rules: this.#rules,
      samples: this.#samples,
      runs: this.#runs,
      incidents: rest.incidents,
      deliveries: rest.deliveries,
    }
    return rest.next === undefined ? columns : { ...columns, next: rest.next }
  }
}

/**
 * The most samples a {@link HistoryColumnsBuilder} makes room for up front: V8 keeps an array made
 * with a length up to some 100,000 in fast mode, and a larger page still grows past it.
 */
const PREALLOCATED_SAMPLES = 16_384

/** The columns of a history page (the daemon's side). */
export function historyColumnsOf(page: HistoryPage): HistoryColumns {
  const builder = new HistoryColumnsBuilder(page.reports.length)
  for (const report of page.reports) {
    if (report.kind === 'run') {
      builder.run(report)
      continue
    }
    builder.sample({
      id: report.id,
      contractId: report.contractId,
      code: report.code,
      uid: report.uid,
      health: report.health,
      pushedAt: report.pushedAt.getTime(),
      comment: report.comment,
      rules: report.rules,
      progress: report.progress,
      host: report.host,
      detail: report.detail,
    })
  }
  return builder.columns(page)
}

/**
 * One page of the history of a window in column form, in the transaction `tx`: the store's own
 * {@link StoreTx.exportHistoryColumns} when it has one, else the columns of its
 * {@link StoreTx.exportHistory} page (the same columns either way).
 */
export function exportHistoryColumns(tx: StoreTx, query: HistoryQuery): Promise<HistoryColumns> {
  return tx.exportHistoryColumns === undefined
    ? tx.exportHistory(query).then(historyColumnsOf)
    : tx.exportHistoryColumns(query)
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
