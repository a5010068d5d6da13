/**
 * MemoryStore's tables and indexes: a table tells each of its indexes about every row it writes
 * (including an undo's), so that lookups cost what an SQL store's indexed queries cost instead of
 * a scan of the whole table.
 */

/** A table's row: an object with its id. */
export type Row = { readonly id: number }

/** Kept up to date by a {@link Table}: told the row before and after each write (`undefined` when absent). */
export interface TableIndex<T> {
  change(before: T | undefined, after: T | undefined): void
}

/** A table: rows by id, with the next id never reused (as AUTOINCREMENT), and its indexes. */
export class Table<T extends Row> {
  readonly rows = new Map<number, T>()
  nextId = 1
  readonly #indexes: readonly TableIndex<T>[]
  readonly #patched: (row: T, patch: Partial<T>) => T

  /**
   * `patched` makes the row an {@link update} writes: by default, a copy of the row with each field
   * the patch sets.
   */
  constructor(indexes: readonly TableIndex<T>[] = [], patched: (row: T, patch: Partial<T>) => T = withPatch) {
    this.#indexes = indexes
    this.#patched = patched
  }

  /** Inserts or replaces the row with its id. */
  set(row: T): void {
    const before = this.rows.get(row.id)
    this.rows.set(row.id, row)
    for (const index of this.#indexes) index.change(before, row)
  }

  delete(id: number): void {
    const before = this.rows.get(id)
    if (before === undefined) return
    this.rows.delete(id)
    for (const index of this.#indexes) index.change(before, undefined)
  }

  /**
   * Replaces the row of `id` with a copy that has the fields `patch` sets (a field set to
   * `undefined` keeps its value); returns the row replaced, `undefined` (and writes nothing) when
   * there is none.
   */
  update(id: number, patch: Partial<T>): T | undefined {
    const before = this.rows.get(id)
    if (before === undefined) return undefined
    const after = this.#patched(before, patch)
    this.rows.set(id, after)
    for (const index of this.#indexes) index.change(before, after)
    return before
  }

  /** The rows of `ids`, in that order. */
  pick(ids: readonly number[]): T[] {
    return ids.map((id) => this.rows.get(id) as T)
  }
}

/**
 * What undoes a transaction's writes: each written row as it was before (`undefined`: absent) and
 * its table's next id, restored last first.
 */
export class UndoLog {
  readonly #entries: UndoEntry[] = []

  /**
   * Records the row `id` of `table` as it was before a write (`undefined`: absent), and the table's
   * next id as it is now: before an insert, which moves it.
   */
  record<T extends Row>(table: Table<T>, id: number, before: T | undefined): void {
    this.#entries.push({ table: table as unknown as Table<Row>, id, before, nextId: table.nextId })
  }

  /** Undoes the writes recorded, last first. */
  rollback(): void {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const { table, id, before, nextId } = this.#entries[i] as UndoEntry
      if (before === undefined) table.delete(id)
      else table.set(before)
      table.nextId = nextId
    }
  }
}

interface UndoEntry {
  readonly table: Table<Row>
  readonly id: number
  readonly before: Row | undefined
  readonly nextId: number
}

/** Ids by a unique key (a row whose key is `undefined` is not indexed). */
export class UniqueIndex<T extends Row, K> implements TableIndex<T> {
  readonly #ids = new Map<K, number>()
  readonly #key: (row: T) => K | undefined

  constructor(key: (row: T) => K | undefined) {
    this.#key = key
  }

  get(key: K): number | undefined {
    return this.#ids.get(key)
  }

  change(before: T | undefined, after: T | undefined): void {
    const old = before === undefined ? undefined : this.#key(before)
    const next = after === undefined ? undefined : this.#key(after)
    if (old === next) return
    if (old !== undefined && this.#ids.get(old) === before?.id) this.#ids.delete(old)
    if (next !== undefined && after !== undefined) this.#ids.set(next, after.id)
  }
}

/**
 * Ids by a pair of keys unique together (a row whose first key is `undefined` is not indexed): one
 * map per first key, so that a lookup builds no composite key (a sample's push makes several).
 */
export class PairIndex<T extends Row, A, B> implements TableIndex<T> {
  readonly #ids = new Map<A, Map<B, number>>()
  readonly #first: (row: T) => A | undefined
  readonly #second: (row: T) => B

  constructor(first: (row: T) => A | undefined, second: (row: T) => B) {
    this.#first = first
    this.#second = second
  }

  get(first: A, second: B): number | undefined {
    return this.#ids.get(first)?.get(second)
  }

  change(before: T | undefined, after: T | undefined): void {
    const old = before === undefined ? undefined : this.#first(before)
    const next = after === undefined ? undefined : this.#first(after)
    const oldSecond = before === undefined || old === undefined ? undefined : this.#second(before)
    const nextSecond = after === undefined || next === undefined ? undefined : this.#second(after)
    if (old === next && oldSecond === nextSecond) return
    if (old !== undefined && before !== undefined) {
      const ids = this.#ids.get(old)
      if (ids?.get(oldSecond as B) === before.id) {
        ids.delete(oldSecond as B)
        if (ids.size === 0) this.#ids.delete(old)
      }
    }
    if (next !== undefined && after !== undefined) {
      const ids = this.#ids.get(next)
      if (ids === undefined) this.#ids.set(next, new Map([[nextSecond as B, after.id]]))
      else ids.set(nextSecond as B, after.id)
    }
  }
}

/** Ids in ascending order per group (a row whose group is `undefined` is not indexed). */
export class GroupIndex<T extends Row, K> implements TableIndex<T> {
  readonly #groups = new Map<K, number[]>()
  readonly #group: (row: T) => K | undefined

  constructor(group: (row: T) => K | undefined) {
    this.#group = group
  }

  /** The ids of a group, ascending; do not modify. */
  ids(group: K): readonly number[] {
    return this.#groups.get(group) ?? NO_IDS
  }

  change(before: T | undefined, after: T | undefined): void {
    const old = before === undefined ? undefined : this.#group(before)
    const next = after === undefined ? undefined : this.#group(after)
    if (old === next) return
    if (old !== undefined && before !== undefined) this.#remove(old, before.id)
    if (next !== undefined && after !== undefined) this.#add(next, after.id)
  }

  #add(group: K, id: number): void {
    const ids = this.#groups.get(group)
    if (ids === undefined) this.#groups.set(group, [id])
    else if (ids.length === 0 || (ids.at(-1) as number) < id) ids.push(id)
    else ids.splice(positionIn(ids, id), 0, id)
  }

  #remove(group: K, id: number): void {
    const ids = this.#groups.get(group)
    if (ids === undefined) return
    const at = ids.at(-1) === id ? ids.length - 1 : positionIn(ids, id)
    // The newest or the oldest, as a rule (a probe's previous sample): no array of the removed ids.
    if (ids[at] !== id) return
    if (at === ids.length - 1) ids.pop()
    else if (at === 0) ids.shift()
    else ids.splice(at, 1)
    if (ids.length === 0) this.#groups.delete(group)
  }
}

/**
 * Ids ordered by an instant (ms), then by id: deadlines (a row whose instant is `undefined` is not
 * indexed). A heap with each id's position, so that a row's deadline moves in O(log n): a sorted
 * array's splice costs the number of deadlines, and every push moves its probe's, from the front
 * (the earliest) to the back (measured: 3.5 µs per push at 1,000 probes, 37 at 10,000). With 4
 * children per entry and positions in an array, such a move costs 0.11 µs at 1,000 and 0.12 at
 * 10,000 (a binary heap with positions in a Map, 0.34 and 0.42).
 */
export class DueIndex<T extends Row> implements TableIndex<T> {
  readonly #ats: number[] = []
  readonly #ids: number[] = []
  /**
   * Each indexed id's position in the heap, by id: an array rather than a Map, as ids are positive
   * integers (V8 keeps a sparse array as a dictionary) and a push writes a position per level.
   */
  readonly #positions: (number | undefined)[] = []
  readonly #at: (row: T) => number | undefined

  constructor(at: (row: T) => number | undefined) {
    this.#at = at
  }

  /** The earliest instant, if any. */
  first(): number | undefined {
    return this.#ats[0]
  }

  /** Ids due at or before `at`, earliest first, at most `limit`. */
  due(at: number, limit: number): number[] {
    // Best first from the root: the frontier holds, in order, the entries that may come next (an
    // entry's children come after it), so a call costs its `limit`, not every due entry (all of
    // them after an outage).
    const ids: number[] = []
    const frontier = this.#ats.length > 0 && (this.#ats[0] as number) <= at ? [0] : []
    for (let i = frontier.shift(); i !== undefined && ids.length < limit; i = frontier.shift()) {
      ids.push(this.#ids[i] as number)
      for (let child = ARITY * i + 1; child <= ARITY * i + ARITY; child++) {
        if (child >= this.#ats.length || (this.#ats[child] as number) > at) continue
        frontier.splice(
          lowerBound(frontier.length, (k) => this.#before(frontier[k] as number, child)),
          0,
          child,
        )
      }
    }
    return ids
  }

  change(before: T | undefined, after: T | undefined): void {
    const old = before === undefined ? undefined : this.#at(before)
    const next = after === undefined ? undefined : this.#at(after)
    if (old === next) return
    // A deadline that moves (every push moves its probe's) is moved in place: no removal and insertion.
    const at = old !== undefined && next !== undefined ? this.#positions[(after as T).id] : undefined
    if (at !== undefined) {
      this.#settle(at, next as number, (after as T).id)
      return
    }
    if (old !== undefined && before !== undefined) this.#remove(before.id)
    if (next !== undefined && after !== undefined) this.#insert(next, after.id)
  }

  /** Whether the entry at `a` comes before the one at `b`. */
  #before(a: number, b: number): boolean {
    return precedes(this.#ats[a] as number, this.#ids[a] as number, this.#ats[b] as number, this.#ids[b] as number)
  }

  #insert(at: number, id: number): void {
    this.#settle(this.#ats.length, at, id)
  }

  #remove(id: number): void {
    const i = this.#positions[id]
    if (i === undefined) return
    delete this.#positions[id]
    const lastAt = this.#ats.pop() as number
    const lastId = this.#ids.pop() as number
    if (i < this.#ats.length) this.#settle(i, lastAt, lastId)
  }

  /**
   * Puts the entry into the hole at `i` (a free or the last position) where it belongs: the
   * entries it passes move into the hole one at a time, so that each level costs one write of a
   * position (a swap costs two, and a push's deadline passes every level).
   */
  #settle(i: number, at: number, id: number): void {
    const ats = this.#ats
    const ids = this.#ids
    let parent = (i - 1) >> ARITY_BITS
    if (i > 0 && precedes(at, id, ats[parent] as number, ids[parent] as number)) {
      do {
        this.#place(i, ats[parent] as number, ids[parent] as number)
        i = parent
        parent = (i - 1) >> ARITY_BITS
      } while (i > 0 && precedes(at, id, ats[parent] as number, ids[parent] as number))
    } else {
      const length = i < ats.length ? ats.length : i + 1
      for (;;) {
        const firstChild = ARITY * i + 1
        if (firstChild >= length) break
        let child = firstChild
        const end = Math.min(firstChild + ARITY, length)
        for (let other = firstChild + 1; other < end; other++) {
          if (precedes(ats[other] as number, ids[other] as number, ats[child] as number, ids[child] as number))
            child = other
        }
        if (!precedes(ats[child] as number, ids[child] as number, at, id)) break
        this.#place(i, ats[child] as number, ids[child] as number)
        i = child
      }
    }
    this.#place(i, at, id)
  }

  #place(i: number, at: number, id: number): void {
    this.#ats[i] = at
    this.#ids[i] = id
    this.#positions[id] = i
  }
}

/** The ids of an empty group: one array, not one per lookup (a push looks up its probe's active incidents). */
const NO_IDS: readonly number[] = []

/** A {@link DueIndex}'s heap has 4 children per entry: half the levels of a binary one to pass. */
const ARITY_BITS = 2
const ARITY = 1 << ARITY_BITS

/** Whether a deadline comes before another: by instant, then by id. */
function precedes(at: number, id: number, otherAt: number, otherId: number): boolean {
  return at < otherAt || (at === otherAt && id < otherId)
}

/** The first index in `[0, length)` for which `before` is false (`before` holds for a prefix). */
export function lowerBound(length: number, before: (index: number) => boolean): number {
  let low = 0
  let high = length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (before(mid)) low = mid + 1
    else high = mid
  }
  return low
}

/** Where `id` is or would go in `ids`, ascending. */
function positionIn(ids: readonly number[], id: number): number {
  let low = 0
  let high = ids.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if ((ids[mid] as number) < id) low = mid + 1
    else high = mid
  }
  return low
}

/** A copy of `row` with each field `patch` sets (a field set to `undefined` keeps its value). */
function withPatch<T extends Row>(row: T, patch: Partial<T>): T {
  const after: Record<string, unknown> = { ...row }
  // A for-in, not Object.entries: no array per field.
  for (const key in patch) {
    const value = (patch as Record<string, unknown>)[key]
    if (value !== undefined) after[key] = value
  }
  return after as T
}
