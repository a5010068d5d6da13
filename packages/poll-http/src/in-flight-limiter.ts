/**
 * Bounds concurrent requests: at most `max` in flight overall and one per key (a URL). Waiters are
 * served first come, first served, skipping those whose key is busy.
 */
export class InFlightLimiter {
  readonly #max: number
  #active = 0
  readonly #busy = new Set<string>()
  readonly #queue: Waiter[] = []

  /** @param max at most this many slots held at once; at least 1. */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`InFlightLimiter: max must be an integer >= 1, not ${max}`)
    this.#max = max
  }

  /** Slots held now. */
  get active(): number {
    return this.#active
  }

  /** Waiters queued now. */
  get waiting(): number {
    return this.#queue.length
  }

  /**
   * Waits for a slot for `key`.
   *
   * @returns a release function (call it once the request is over; later calls do nothing), or
   *   `undefined` when `signal` aborted first.
   */
  acquire(key: string, signal: AbortSignal): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined)
    // Whoever waits is blocked by their own key once a slot is free, so a free key goes first.
    if (this.#free(key)) return Promise.resolve(this.#grant(key))
    return new Promise((resolve) => {
      const waiter: Waiter = {
        key,
        grant: (release) => {
          signal.removeEventListener('abort', onAbort)
          resolve(release)
        },
      }
      const onAbort = () => {
        const at = this.#queue.indexOf(waiter)
        if (at !== -1) this.#queue.splice(at, 1)
        resolve(undefined)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#queue.push(waiter)
    })
  }

  // --- internal ---

  #free(key: string): boolean {
    return this.#active < this.#max && !this.#busy.has(key)
  }

  #grant(key: string): () => void {
    this.#active += 1
    this.#busy.add(key)
    let released = false
    return () => {
      if (released) return
      released = true
      this.#active -= 1
      this.#busy.delete(key)
      this.#drain()
    }
  }

  #drain(): void {
    for (let i = 0; i < this.#queue.length && this.#active < this.#max; ) {
      const waiter = this.#queue[i]
      if (waiter === undefined || this.#busy.has(waiter.key)) {
        i += 1
        continue
      }
      this.#queue.splice(i, 1)
      waiter.grant(this.#grant(waiter.key))
    }
  }
}

interface Waiter {
  readonly key: string
  readonly grant: (release: () => void) => void
}
