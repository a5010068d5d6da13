/**
 * Runs async tasks one after another, in the order they were queued; a task that fails does not
 * stop the next. Store adapters use it so that transactions never interleave.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()
  /** Tasks queued and not settled yet. */
  #pending = 0
  readonly #settled = () => {
    this.#pending -= 1
  }

  /**
   * Queues `task`: it starts at once (before `run` returns) when no task is pending, else once the
   * previous one has settled. Resolves or rejects with its outcome once it has run.
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    // With none pending, the task starts at once: waiting on a settled tail cost a transaction
    // three promise hops, and `replay` runs millions of them.
    const result = this.#pending === 0 ? start(task) : this.#tail.then(task, task)
    this.#pending += 1
    this.#tail = result.then(this.#settled, this.#settled)
    return result
  }

  /** Resolves once every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.#tail
  }
}

/** Runs `task`, a throw before its first await rejecting its promise as one after would. */
function start<T>(task: () => Promise<T>): Promise<T> {
  try {
    // As `then` takes it: a task's promise as it is, anything else settled.
    return Promise.resolve(task())
  } catch (error) {
    return Promise.reject(error)
  }
}
