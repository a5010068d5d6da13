// What every push reads, kept between transactions: contracts by code and by id, and each one's
// non-resolved incidents, as domain values. No queries here: contract-queries.ts and
// incident-queries.ts read through it and write through it, and the store runs its transaction
// statements through it (sqlite-store.ts). A cached value is what a read would give: the write-through
// values are built the way a read maps a row (rows/), and what the cache cannot follow value by value
// (a cascade, a rolled-back write, another connection's commit) makes it forget.
import type { Contract, ContractPatch, Incident, IncidentPatch } from '@timon/core'
import type { TransactionStatement } from './group-commit.js'
import { contracts } from './rows/contracts.js'
import { incidents } from './rows/incidents.js'

/**
 * Contracts kept at most, with their active incidents: about 650 bytes each (a probe with a
 * deadline or two armed), so some 7 MB when full. A store with more contracts than that seldom
 * pushes each of them fast enough for a lookup to matter.
 */
export const ROW_CACHE_CAPACITY = 10_000

/**
 * Contracts and their active incidents, least recently used forgotten first beyond the capacity.
 *
 * Its values are exactly what the database holds, as the connection sees it:
 * - this store's writes go through it (`contractUpdated`, `incidentInserted`…); those it cannot
 *   follow row by row forget every contract (`contractsChanged`);
 * - a write that is rolled back takes the whole cache with it: a transaction (or a savepoint of a
 *   shared commit) that wrote contracts or incidents, then rolled back, or ended without a COMMIT
 *   (SQLite rolls back by itself on some errors), leaves the cache empty;
 * - another connection's commits (another process on the file) change `PRAGMA data_version`, read as
 *   each transaction begins: the cache is emptied when it changed.
 *
 * The values it hands out are shared between callers, and frozen (see {@link frozen}).
 */
export class RowCache {
  readonly #dataVersion: () => number
  readonly #capacity: number
  /** By contract id, least recently used first. */
  readonly #byId = new Map<number, Entry>()
  readonly #byCode = new Map<string, Entry>()
  /** `PRAGMA data_version` as the last transaction began. */
  #version: number | undefined
  /** Whether the open transaction wrote contracts or incidents. */
  #transactionWrote = false
  /** Whether its current savepoint did. */
  #savepointWrote = false

  /**
   * @param dataVersion reads `PRAGMA data_version` on the store's connection
   * @param capacity contracts kept at most; 0 keeps none
   */
  constructor(dataVersion: () => number, capacity = ROW_CACHE_CAPACITY) {
    this.#dataVersion = dataVersion
    this.#capacity = Math.max(0, Math.trunc(capacity)) || 0
  }

  /** How many contracts it holds. */
  get size(): number {
    return this.#byId.size
  }

  /** Forgets everything. */
  clear(): void {
    this.#byId.clear()
    this.#byCode.clear()
  }

  // --- transactions ---

  /**
   * Runs one of the store's transaction statements (`run`), emptying the cache when what it ends
   * rolls back writes the cache followed, or when another connection committed since the last
   * transaction began.
   */
  transactionStatement(statement: TransactionStatement, run: () => void): void {
    switch (statement) {
      case 'BEGIN IMMEDIATE':
        run()
        this.#began()
        return
      case 'SAVEPOINT batched':
        run()
        this.#savepointWrote = false
        return
      case 'ROLLBACK TO batched':
        // First: the savepoint's writes are undone even when this throws (SQLite rolled it all back).
        if (this.#savepointWrote) this.clear()
        run()
        return
      case 'ROLLBACK':
        if (this.#transactionWrote) this.clear()
        this.#transactionWrote = false
        run()
        return
      case 'COMMIT':
        run()
        this.#transactionWrote = false
        return
      case 'RELEASE batched':
        run()
        return
    }
  }

  // --- contracts ---

  /** The contract of `code`, if cached. */
  contractByCode(code: string): Contract | undefined {
    const entry = this.#byCode.get(code)
    return entry === undefined ? undefined : this.#used(entry).contract
  }

  /** Contract `id`, if cached. */
  contractById(id: number): Contract | undefined {
    const entry = this.#byId.get(id)
    return entry === undefined ? undefined : this.#used(entry).contract
  }

  /** A contract just read from the database. */
  contractRead(contract: Contract): void {
    this.#put(contract)
  }

  /** A contract just inserted, as `insertContract` answers it. */
  contractInserted(contract: Contract): void {
    this.#wrote()
    const stored = contracts.stored(contract)
    if (stored !== undefined) this.#put(stored)
  }

  /** `updateContract(id, patch)` succeeded. */
  contractUpdated(id: number, patch: ContractPatch): void {
    this.#wrote()
    const entry = this.#byId.get(id)
    if (entry === undefined) return
    const patched = contracts.patched(entry.contract, patch)
    if (patched === undefined) this.#forget(entry)
    else entry.contract = frozen(patched)
  }

  /**
   * A write that may change contracts the cache cannot name: a deleted contract or report takes
   * its reports with it, and a contract pointing at one of them (`last_report_id ON DELETE SET
   * NULL`) changes. Forgets every contract, with their incidents. Rare: deletions and truncation.
   */
  contractsChanged(): void {
    this.#wrote()
    this.clear()
  }

  // --- incidents ---

  /** The non-resolved incidents of contract `contractId` (ascending id), if cached. */
  activeIncidents(contractId: number): readonly Incident[] | undefined {
    return this.#byId.get(contractId)?.incidents
  }

  /** The non-resolved incidents of a contract, just read (kept while the contract is cached). */
  activeIncidentsRead(contractId: number, active: readonly Incident[]): void {
    const entry = this.#byId.get(contractId)
    if (entry !== undefined) entry.incidents = frozenList(active)
  }

  /** An incident just inserted, as `insertIncident` answers it. */
  incidentInserted(incident: Incident): void {
    this.#wrote()
    const entry = incident.contractId === null ? undefined : this.#byId.get(incident.contractId)
    const active = entry?.incidents
    if (entry === undefined || active === undefined) return
    const stored = incidents.stored(incident)
    if (stored === undefined || stored.state === 'resolved') {
      entry.incidents = undefined
      return
    }
    const last = active.at(-1)
    const added = [...active, stored]
    entry.incidents = frozenList(last === undefined || last.id < stored.id ? added : added.sort(byId))
  }

  /** `updateIncident(id, patch)` changed incident `id`, of contract `contractId` (`null`: of none). */
  incidentUpdated(contractId: number | null, id: number, patch: IncidentPatch): void {
    this.#wrote()
    const entry = contractId === null ? undefined : this.#byId.get(contractId)
    const active = entry?.incidents
    if (entry === undefined || active === undefined) return
    const at = active.findIndex((incident) => incident.id === id)
    const before = active[at]
    if (before === undefined) {
      // Not active before (the list holds every active one): active now only if its state moved.
      if (patch.state !== undefined && patch.state !== 'resolved') entry.incidents = undefined
      return
    }
    const after = incidents.stored(before, patch)
    if (after === undefined) entry.incidents = undefined
    else entry.incidents = frozenList(after.state === 'resolved' ? active.toSpliced(at, 1) : active.with(at, after))
  }

  /** Incident `id`, of contract `contractId` (`null`: of none), was deleted. */
  incidentDeleted(contractId: number | null, id: number): void {
    this.#wrote()
    const entry = contractId === null ? undefined : this.#byId.get(contractId)
    const active = entry?.incidents
    if (entry === undefined || active === undefined) return
    const at = active.findIndex((incident) => incident.id === id)
    if (at !== -1) entry.incidents = frozenList(active.toSpliced(at, 1))
  }

  // --- internal ---

  #began(): void {
    // A transaction that wrote and ended without COMMIT or ROLLBACK was rolled back by SQLite.
    if (this.#transactionWrote) this.clear()
    this.#transactionWrote = false
    let version: number | undefined
    try {
      version = this.#dataVersion()
    } catch {
      // The transaction is open: it goes on, its reads from the database, and the next one looks again.
      version = undefined
    }
    if (version === undefined || version !== this.#version) this.clear()
    this.#version = version
  }

  #wrote(): void {
    this.#transactionWrote = true
    this.#savepointWrote = true
  }

  /** `entry`, made the most recently used. */
  #used(entry: Entry): Entry {
    const id = entry.contract.id
    this.#byId.delete(id)
    this.#byId.set(id, entry)
    return entry
  }

  #put(contract: Contract): void {
    if (this.#capacity === 0) return
    frozen(contract)
    const known = this.#byId.get(contract.id)
    if (known !== undefined && known.contract.code === contract.code) {
      known.contract = contract
      this.#used(known)
      return
    }
    if (known !== undefined) this.#forget(known)
    const sameCode = this.#byCode.get(contract.code)
    if (sameCode !== undefined) this.#forget(sameCode)
    const entry: Entry = { contract, incidents: undefined }
    this.#byId.set(contract.id, entry)
    this.#byCode.set(contract.code, entry)
    if (this.#byId.size > this.#capacity) {
      const oldest = this.#byId.values().next()
      if (oldest.done !== true) this.#forget(oldest.value)
    }
  }

  #forget(entry: Entry): void {
    this.#byId.delete(entry.contract.id)
    this.#byCode.delete(entry.contract.code)
  }
}

// --- internal ---

interface Entry {
  contract: Contract
  /** Its non-resolved incidents, ascending id; `undefined` until read. */
  incidents: readonly Incident[] | undefined
}

/** The active incidents of the many contracts that have none: one shared, frozen array. */
const NO_INCIDENTS: readonly Incident[] = Object.freeze([])

function byId(a: Incident, b: Incident): number {
  return a.id - b.id
}

/**
 * `contract`, and its rules, frozen: a caller that changed a cached value would change what every
 * later transaction reads; it fails instead (a TypeError, ES modules being strict). Its dates stay
 * mutable, and must not be changed either.
 */
function frozen(contract: Contract): Contract {
  Object.freeze(contract.rules)
  return Object.freeze(contract)
}

/** `active`, and its incidents, frozen (see {@link frozen}). */
function frozenList(active: readonly Incident[]): readonly Incident[] {
  if (active.length === 0) return NO_INCIDENTS
  for (const incident of active) Object.freeze(incident)
  return Object.freeze(active)
}
