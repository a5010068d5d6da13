import type { Outcome, OutcomeIncident, OutcomeNotification } from './outcome.js'

/** One incident or notification in a comparison. */
export type ReplayEntry =
  | { readonly type: 'incident'; readonly incident: OutcomeIncident }
  | { readonly type: 'notification'; readonly notification: OutcomeNotification }

/** An incident or notification that happened in both, at other times: `shiftMs` > 0 when the replay's came later. */
export type ReplayChange =
  | {
      readonly type: 'incident'
      readonly recorded: OutcomeIncident
      readonly replayed: OutcomeIncident
      readonly shiftMs: number
    }
  | {
      readonly type: 'notification'
      readonly recorded: OutcomeNotification
      readonly replayed: OutcomeNotification
      readonly shiftMs: number
    }

/** What differs for one probe/job (`null`: manual incidents). */
export interface CodeComparison {
  readonly code: string | null
  /** In the replay only. */
  readonly added: readonly ReplayEntry[]
  /** Recorded only. */
  readonly removed: readonly ReplayEntry[]
  readonly changed: readonly ReplayChange[]
}

/** A recorded outcome against a replayed one. */
export interface Comparison {
  readonly summary: {
    readonly incidents: { readonly recorded: number; readonly replayed: number }
    readonly notifications: { readonly recorded: number; readonly replayed: number }
  }
  /** Codes with a difference, by code (manual incidents, `null`, first). */
  readonly codes: readonly CodeComparison[]
}

/**
 * Compares what was recorded with what a replay says would have happened. Incidents pair up per
 * code and trigger, notifications per code, trigger, event and target: first those at the same
 * instant (changed when anything else differs), then the rest in time order (changed, with the
 * shift); what is left over was added or removed.
 */
export function compareOutcomes(recorded: Outcome, replayed: Outcome): Comparison {
  const codes = new Map<string | null, { added: ReplayEntry[]; removed: ReplayEntry[]; changed: ReplayChange[] }>()
  const of = (code: string | null) => {
    let found = codes.get(code)
    if (found === undefined) codes.set(code, (found = { added: [], removed: [], changed: [] }))
    return found
  }
  for (const [a, b] of pairs(
    recorded.incidents,
    replayed.incidents,
    (i) => `${i.trigger}`,
    (i) => i.openedAt,
  )) {
    if (b === undefined) of(a!.code).removed.push({ type: 'incident', incident: a! })
    else if (a === undefined) of(b.code).added.push({ type: 'incident', incident: b })
    else if (!sameJson(a, b))
      of(a.code).changed.push({
        type: 'incident',
        recorded: a,
        replayed: b,
        shiftMs: b.openedAt.getTime() - a.openedAt.getTime(),
      })
  }
  for (const [a, b] of pairs(
    recorded.notifications,
    replayed.notifications,
    (n) => `${n.trigger}\u0000${n.event}\u0000${n.target}`,
    (n) => n.at,
  )) {
    if (b === undefined) of(a!.code).removed.push({ type: 'notification', notification: a! })
    else if (a === undefined) of(b.code).added.push({ type: 'notification', notification: b })
    else if (!sameJson(a, b))
      of(a.code).changed.push({
        type: 'notification',
        recorded: a,
        replayed: b,
        shiftMs: b.at.getTime() - a.at.getTime(),
      })
  }
  return {
    summary: {
      incidents: { recorded: recorded.incidents.length, replayed: replayed.incidents.length },
      notifications: { recorded: recorded.notifications.length, replayed: replayed.notifications.length },
    },
    codes: [...codes]
      .map(([code, found]) => ({ code, ...found }))
      .filter((c) => c.added.length + c.removed.length + c.changed.length > 0)
      .sort((a, b) => (a.code ?? '').localeCompare(b.code ?? '')),
  }
}

// --- internal ---

/** Pairs recorded and replayed items of the same code and key (see {@link compareOutcomes}); a missing side is `undefined`. */
function* pairs<T extends { readonly code: string | null }>(
  recorded: readonly T[],
  replayed: readonly T[],
  keyOf: (item: T) => string,
  timeOf: (item: T) => Date,
): Generator<[T | undefined, T | undefined]> {
  const groups = new Map<string, { recorded: T[]; replayed: T[] }>()
  const group = (item: T) => {
    const key = `${item.code ?? ''}\u0000${keyOf(item)}`
    let found = groups.get(key)
    if (found === undefined) groups.set(key, (found = { recorded: [], replayed: [] }))
    return found
  }
  for (const item of recorded) group(item).recorded.push(item)
  for (const item of replayed) group(item).replayed.push(item)
  for (const { recorded: left, replayed: right } of groups.values()) {
    const unmatched = new Set(right)
    const rest: T[] = []
    for (const a of left) {
      const same = right.find((b) => unmatched.has(b) && timeOf(b).getTime() === timeOf(a).getTime())
      if (same === undefined) rest.push(a)
      else {
        unmatched.delete(same)
        yield [a, same]
      }
    }
    const others = [...unmatched]
    for (let i = 0; i < Math.max(rest.length, others.length); i += 1) yield [rest[i], others[i]]
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
