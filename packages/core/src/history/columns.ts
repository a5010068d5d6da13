/**
 * The compact form of a history page (`GET /v1/history?format=columns`, docs/wire-api.md): the
 * samples, the bulk of a month's history, as columns — one array per field, instants as epoch
 * milliseconds, each distinct probe and rule set once per page — instead of one object each.
 * Converting a sample object to and from the wire (keys renamed, instants as RFC 3339 text) cost
 * the daemon and the CLI more than reading and replaying it. Runs, incidents and deliveries stay
 * objects: they are few.
 *
 * The daemon encodes a page with {@link historyColumnsOf}, or has its store export the columns
 * directly (`StoreTx.exportHistoryColumns`, see {@link exportHistoryColumns}), a column possibly as
 * its JSON text ({@link JsonColumn}): both go through one {@link HistoryColumnsBuilder}, so they
 * give the same columns for the same reports. The client decodes with {@link historyPageOf}. Part
 * of `@timon/core/lite`: loads nothing but the domain.
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
 * A column given as the JSON text of its values' array, as a store may read it whole (SQLite's
 * `json_group_array`): the wire writes the text as it is (`toWireJson`), so that the daemon builds
 * no array of a page's values, whose garbage cost it more than reading them. Its values are plain
 * JSON values, no instants nor object keys to rename: what the wire writes of them is their JSON.
 */
export class JsonColumn<T> {
  /** @param json the JSON text of an array of the column's values, as `JSON.stringify` writes it */
  constructor(readonly json: string) {}

  /** The values. */
  values(): T[] {
    return JSON.parse(this.json) as T[]
  }

  /** What `JSON.stringify` writes of the column: its values. */
  toJSON(): T[] {
    return this.values()
  }
}

/** A column of a history page: the array of its values, or their JSON text. */
export type Column<T> = readonly T[] | JsonColumn<T>

/**
 * One column per sample field, all of the same length, in id order. Mapped from `Sample`, so that a
 * field added to it is a column the encoder and decoder must fill (else they fail to compile).
 */
export type SampleColumns = {
  readonly [K in Exclude<keyof Sample, 'kind' | 'contractId' | 'pushedAt' | 'rules'>]-?: Column<Sample[K]>
} & {
  /** Index into {@link HistoryColumns.contracts}. */
  readonly contract: readonly number[]
  /** Epoch milliseconds. */
  readonly pushedAt: Column<number>
  /** Index into {@link HistoryColumns.rules}. */
  readonly rules: readonly number[]
}

/** The value type of a {@link Column}. */
type ValueOf<C> = C extends Column<infer T> ? T : never

/**
 * One sample as {@link HistoryColumnsBuilder.sample} takes it: a value of each column (its instant
 * in epoch milliseconds), with its probe's id and code and its rules in place of their indexes.
 */
export type SampleEntry = {
  readonly [K in Exclude<keyof SampleColumns, 'contract' | 'rules'>]-?: ValueOf<SampleColumns[K]>
} & {
  readonly contractId: number
  readonly code: string
  readonly rules: Rules
}

/**
 * A page's samples as {@link HistoryColumnsBuilder.samples} takes them, all at once: each column as
 * the page has it, with each sample's probe id and rules in place of the indexes the builder gives.
 */
export type SampleBatch = Omit<SampleColumns, 'contract' | 'rules'> & {
  readonly contractId: readonly number[]
  readonly rules: readonly Rules[]
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
  readonly #probes = new Map<number, Probe>()
  /** Rule sets by their JSON: probes mostly share a few sets. */
  readonly #rulesByValue = new Map<string, number>()
  /**
   * Rule sets by identity, before their JSON: a store mostly hands its probes a few shared objects,
   * and writing a set's JSON at each probe's first sample cost as much as the rest of its samples.
   */
  readonly #rulesByObject = new Map<Rules, number>()
  readonly #samples: { -readonly [K in keyof SampleColumns]: ValueOf<SampleColumns[K]>[] }
  #count = 0
  /** The columns of the samples {@link samples} was given, when it was. */
  #batch: SampleColumns | undefined
  readonly #runs: HistoryReport[] = []

  /**
   * @param expected how many samples to make room for (the page's `limit`; up to
   *   {@link PREALLOCATED_SAMPLES}) when they come one at a time: columns grown one sample at a time
   *   copy themselves as they grow, which doubled the garbage of building them.
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
    if (this.#batch !== undefined) throw new Error('HistoryColumnsBuilder: a sample after the batch of them')
    const probe = this.#probes.get(entry.contractId) ?? this.#probe(entry.contractId, entry.code)
    const samples = this.#samples
    const i = this.#count++
    samples.id[i] = entry.id
    samples.contract[i] = probe.index
    samples.uid[i] = entry.uid
    samples.health[i] = entry.health
    samples.pushedAt[i] = entry.pushedAt
    samples.comment[i] = entry.comment
    samples.rules[i] = this.#rulesIndex(probe, entry.rules)
    samples.progress[i] = entry.progress
    samples.host[i] = entry.host ?? null
    samples.detail[i] = entry.detail ?? null
  }

  /**
   * Adds the page's samples all at once, as columns (a store that reads them whole): their columns
   * as they are, numbering their probes (named by `codeOf`) and rule sets. No sample may come before
   * or after them.
   */
  samples(batch: SampleBatch, codeOf: (contractId: number) => string): void {
    if (this.#count > 0 || this.#batch !== undefined)
      throw new Error('HistoryColumnsBuilder: a batch of samples after others')
    const { contractId, rules, ...columns } = batch
    const contract = new Array<number>(contractId.length)
    const rulesIndexes = new Array<number>(contractId.length)
    for (let i = 0; i < contractId.length; i++) {
      const id = contractId[i] as number
      const probe = this.#probes.get(id) ?? this.#probe(id, codeOf(id))
      contract[i] = probe.index
      rulesIndexes[i] = this.#rulesIndex(probe, rules[i] as Rules)
    }
    this.#count = contractId.length
    this.#batch = { ...columns, contract, rules: rulesIndexes }
  }

  /** Adds a run (with its steps), after those added before it. */
  run(report: Extract<HistoryReport, { readonly kind: 'run' }>): void {
    this.#runs.push(report)
  }

  /** The columns of the reports added, with the page's other parts; the builder's last call. */
  columns(rest: Pick<HistoryPage, 'incidents' | 'deliveries' | 'next'>): HistoryColumns {
    const samples = this.#samples
    if (this.#batch === undefined) {
      // Made with room for more samples than came (runs, probes out of scope, the last page).
      for (const column of Object.values(samples)) column.length = this.#count
    }
    const columns = {
      format: 'columns' as const,
      contracts: this.#contracts,
      rules: this.#rules,
      // The batch's columns in place of the empty ones, in their order (the wire's).
      samples: this.#batch === undefined ? samples : { ...samples, ...this.#batch },
      runs: this.#runs,
      incidents: rest.incidents,
      deliveries: rest.deliveries,
    }
    return rest.next === undefined ? columns : { ...columns, next: rest.next }
  }

  /** Numbers probe `contractId` at its first sample. */
  #probe(contractId: number, code: string): Probe {
    const probe = { index: this.#contracts.push({ id: contractId, code }) - 1, rules: -1 }
    this.#probes.set(contractId, probe)
    return probe
  }

  /** The index of `rules`, a sample of `probe`'s, added when no set of the same values is there yet. */
  #rulesIndex(probe: Probe, rules: Rules): number {
    // A probe's rules rarely change from one sample to the next: compared with its previous set
    // first (by identity, when the caller kept the object), then looked up.
    if (probe.rules >= 0 && sameRules(this.#rules[probe.rules] as Rules, rules)) return probe.rules
    let index = this.#rulesByObject.get(rules)
    if (index === undefined) {
      const value = JSON.stringify(rules)
      index = this.#rulesByValue.get(value) ?? this.#rules.push(rules) - 1
      this.#rulesByValue.set(value, index)
      this.#rulesByObject.set(rules, index)
    }
    probe.rules = index
    return index
  }
}

/** A probe of a page: its index in `contracts`, and the index of the rules of its previous sample. */
interface Probe {
  readonly index: number
  rules: number
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
  const { runs } = columns
  const samples = sampleArraysOf(columns.samples)
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

/** {@link SampleColumns} with each column as the array of its values. */
export type SampleArrays = { readonly [K in keyof SampleColumns]: readonly ValueOf<SampleColumns[K]>[] }

/** Sample columns, each as the array of its values (a {@link JsonColumn} parsed; as the wire decodes them, they all are). */
export function sampleArraysOf(columns: SampleColumns): SampleArrays {
  return Object.fromEntries(
    Object.entries(columns).map(([name, column]) => [name, column instanceof JsonColumn ? column.values() : column]),
  ) as SampleArrays
}
