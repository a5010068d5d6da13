/**
 * Runs async tasks one after another, in the order they were queued; a task that fails does not
 * stop the next. Store adapters use it so that transactions never interleave.
 */
export class SerialQueue {
  /** Whether a task is running; the tasks queued behind it wait in `#waiting`. */
  #busy = false
  readonly #waiting: (() => void)[] = []
  readonly #next = () => {
    const waiting = this.#waiting.shift()
    if (waiting === undefined) this.#busy = false
    else waiting()
  }

  /**
   * Queues `task`: it starts at once (before `run` returns) when none is running, else once those
   * queued before it have settled. Resolves or rejects with its outcome once it has run.
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    // An idle queue starts the task at once: chaining it on a settled promise cost a transaction
    // three promise hops, and `replay` runs millions of them.
    if (!this.#busy) return this.#start(task)
    return new Promise<T>((resolve, reject) => this.#waiting.push(() => void this.#start(task).then(resolve, reject)))
  }

  /** Resolves once every task queued so far has settled. */
  idle(): Promise<void> {
    return this.run(async () => undefined)
  }

  #start<T>(task: () => Promise<T>): Promise<T> {
    // Busy before the task starts: one it queues before its first await waits for it.
    this.#busy = true
    const result = settledOf(task)
    result.then(this.#next, this.#next)
    return result
  }
}

/** The promise of `task()`, a throw before its first await rejecting it as one after would. */
function settledOf<T>(task: () => Promise<T>): Promise<T> {
  try {
    // As `then` takes it: a task's promise as it is, anything else settled.
    return Promise.resolve(task())
  } catch (error) {
    return Promise.reject(error)
  }
}
