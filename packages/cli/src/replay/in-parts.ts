import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { HistoryColumnsWithText } from '@timon/client'
import { mergeOutcomes, type Outcome, type ReplayError } from '@timon/core/replay'
import { err, ok, type Result } from 'neverthrow'
import type { FromWorker, ToWorker } from './messages.js'
import type { PartSetup, ReplaySetup } from './setup.js'

/**
 * Replays a history in `count` worker threads, each the codes of its part (`historyColumnsPart`),
 * and merges their outcomes: one replay of the whole history would give the same. A replay is
 * CPU-bound, so the parts run on as many cores. Every worker gets each page's text and reads its
 * share out of it: this thread only fetches (cloning each share's objects across cost more than
 * parsing the text twice). Answers `cross_part` when a code depends on one of another part:
 * replay in one part then.
 */
export async function replayInParts(
  pages: AsyncIterable<HistoryColumnsWithText>,
  setup: ReplaySetup,
  count: number,
): Promise<Result<Outcome, ReplayError>> {
  const workers = Array.from({ length: count }, (_, index) => new PartWorker({ setup, part: { index, count } }))
  try {
    for await (const { text } of pages) {
      await Promise.all(workers.map((worker) => worker.send(text)))
      // A part that answered before the end failed (an invalid rule, a dependency across parts).
      const early = workers.find((worker) => worker.answered)
      if (early !== undefined) return await early.answer
    }
    for (const worker of workers) worker.end()
    const answers = await Promise.all(workers.map((worker) => worker.answer))
    const failed = answers.find((answer) => answer.isErr())
    return failed ?? ok(mergeOutcomes(answers.map((answer) => answer._unsafeUnwrap())))
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()))
  }
}

/** Whether replays can run in worker threads: run from the sources (the tests), the worker's module is not built. */
export function canReplayInParts(): boolean {
  return existsSync(fileURLToPath(WORKER))
}

// --- internal ---

const WORKER = new URL('./worker.js', import.meta.url)

/** Pages a worker may hold that it has not taken yet: enough to keep it busy, few enough to bound memory. */
const PAGES_AHEAD = 2

/** One worker thread replaying a part. */
class PartWorker {
  readonly #worker: Worker
  /** Pages sent and not yet taken. */
  #ahead = 0
  /** Wakes a sender waiting for room, on a page taken or an answer. */
  #wake: (() => void) | undefined
  #answered = false
  /** The part's outcome, or why it failed; rejects when the thread died. */
  readonly answer: Promise<Result<Outcome, ReplayError>>

  constructor(setup: PartSetup) {
    this.#worker = new Worker(WORKER, { workerData: setup })
    this.answer = new Promise((resolve, reject) => {
      this.#worker.on('message', (message: FromWorker) => {
        if (message.type === 'taken') this.#ahead -= 1
        else {
          this.#answered = true
          resolve(message.type === 'done' ? ok(message.outcome) : err(message.error))
        }
        this.#wake?.()
      })
      this.#worker.on('error', (error) => this.#fail(reject, error))
      this.#worker.on('exit', (status) =>
        this.#fail(reject, new Error(`a replay worker thread stopped (status ${status}) before answering`)),
      )
    })
    // Awaited once the pages are sent; a failure before that is seen through `answered`.
    this.answer.catch(() => undefined)
  }

  /** Whether the part has answered (before the end of the pages, it failed). */
  get answered(): boolean {
    return this.#answered
  }

  /** Sends a page's text once the worker has room for it; nothing once it answered. */
  async send(text: string): Promise<void> {
    while (this.#ahead >= PAGES_AHEAD && !this.#answered) await new Promise<void>((wake) => (this.#wake = wake))
    if (this.#answered) return
    this.#ahead += 1
    this.#post({ type: 'page', text })
  }

  /** Tells the worker there are no more pages. */
  end(): void {
    this.#post({ type: 'end' })
  }

  async terminate(): Promise<void> {
    await this.#worker.terminate()
  }

  #post(message: ToWorker): void {
    this.#worker.postMessage(message)
  }

  #fail(reject: (error: unknown) => void, error: unknown): void {
    if (this.#answered) return
    this.#answered = true
    reject(error)
    this.#wake?.()
  }
}
