import type { Delivery } from './domain.js'
import type { DeliveryClaim } from './ports/store.js'

/**
 * The delivery claims of a store that one process owns (`MemoryStore`, the SQLite store): kept in
 * memory, as no other process can claim, and gone on restart, when their owner is gone too. Its
 * two methods implement `StoreTx.claimDueDeliveries` and the guard of `StoreTx.settleDelivery`
 * over the store's own `dueDeliveries`; leases run on the caller's clock (`at`). A claim is not
 * part of the transaction: one rolled back leaves it, which costs at most a lease.
 */
export class LocalDeliveryClaims {
  readonly #claims = new Map<number, { readonly owner: string; readonly until: number }>()

  /** Claims for `claim.owner` what `due(n)` (the store's `dueDeliveries(at, n)`) offers, less what others hold. */
  async claim(
    at: Date,
    claim: DeliveryClaim,
    limit: number,
    due: (limit: number) => Promise<readonly Delivery[]>,
  ): Promise<readonly Delivery[]> {
    const now = at.getTime()
    const heldByOther = (id: number) => {
      const held = this.#claims.get(id)
      return held !== undefined && held.owner !== claim.owner && held.until > now
    }
    // Ask for enough to see `limit` that nobody else holds.
    const claimed = (await due(limit + this.#claims.size))
      .filter((delivery) => !heldByOther(delivery.id))
      .slice(0, limit)
    for (const delivery of claimed) this.#claims.set(delivery.id, { owner: claim.owner, until: now + claim.leaseMs })
    return claimed
  }

  /** Whether `owner` holds the latest claim of delivery `id`; if so, releases it. */
  release(id: number, owner: string): boolean {
    if (this.#claims.get(id)?.owner !== owner) return false
    this.#claims.delete(id)
    return true
  }
}
