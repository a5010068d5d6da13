/**
 * Runs async tasks one after another, in the order they were queued; a task that fails does not
 * stop the next. Store adapters use it so that transactions never interleave.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()

  /** Queues `task`; resolves or rejects with its outcome once it has run. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task)
    this.#tail = result.catch(() => undefined)
    return result
  }

  /** Resolves once every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.#tail
  }
}
