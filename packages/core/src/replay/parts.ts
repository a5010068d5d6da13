/**
 * A replay split into parts by code, to run them side by side (`timon replay --jobs`): a code's
 * incidents and notifications depend only on its own history and on the probe it depends on, so
 * each part replays its codes in a Monitor of its own and {@link mergeOutcomes} puts the outcomes
 * together as one replay of the whole history would have given them. A dependency on a code of
 * another part cannot be replayed apart: the part's replay answers a `cross_part` error, and the
 * caller replays in one part.
 */
import { sampleArraysOf, type HistoryColumns } from '../history/columns.js'
import { incidentOrder, notificationOrder, type Outcome } from './outcome.js'

/** One of `count` parts of a replay (`index` from 0): the codes {@link partOfCode} gives it, and the manual incidents in part 0. */
export interface ReplayPart {
  readonly index: number
  readonly count: number
}

/**
 * The part (of `count`) whose replay takes the code: an FNV-1a hash of it, so that every process
 * and thread splits alike; `null` (a manual incident) goes to part 0.
 */
export function partOfCode(code: string | null, count: number): number {
  if (code === null || count === 1) return 0
  let hash = 0x811c9dc5
  for (let i = 0; i < code.length; i++) hash = Math.imul(hash ^ code.charCodeAt(i), 0x01000193)
  return (hash >>> 0) % count
}

/**
 * The share of a history page (in column form) that `part` replays: the samples and runs of its
 * codes, the incidents of its codes (the manual ones in part 0), and every delivery (a replay
 * routes its notifications where the recorded ones went, whatever their code). The probes and
 * rule sets are kept whole, so the samples' indexes stay valid.
 */
export function historyColumnsPart(columns: HistoryColumns, part: ReplayPart): HistoryColumns {
  const { index, count } = part
  const inPart = columns.contracts.map((contract) => partOfCode(contract.code, count) === index)
  const samples = sampleArraysOf(columns.samples)
  const picked = [] as number[]
  for (let i = 0; i < samples.id.length; i++) if (inPart[samples.contract[i] as number]) picked.push(i)
  const pick = <T>(column: readonly T[]): T[] => picked.map((i) => column[i] as T)
  return {
    ...columns,
    samples: {
      id: pick(samples.id),
      contract: pick(samples.contract),
      uid: pick(samples.uid),
      health: pick(samples.health),
      pushedAt: pick(samples.pushedAt),
      comment: pick(samples.comment),
      rules: pick(samples.rules),
      progress: pick(samples.progress),
      host: pick(samples.host),
      detail: pick(samples.detail),
    },
    runs: columns.runs.filter((run) => partOfCode(run.code, count) === index),
    incidents: columns.incidents.filter((incident) => partOfCode(incident.code, count) === index),
  }
}

/** The outcomes of a replay's parts as one, ordered as the outcome of one replay of the whole history. */
export function mergeOutcomes(outcomes: readonly Outcome[]): Outcome {
  // A stable sort of the parts in turn: entries that tie come from one part (same code), in its order.
  return {
    incidents: outcomes.flatMap((outcome) => outcome.incidents).sort(incidentOrder),
    notifications: outcomes.flatMap((outcome) => outcome.notifications).sort(notificationOrder),
  }
}
