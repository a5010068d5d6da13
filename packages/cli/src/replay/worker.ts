/**
 * A worker thread of `timon replay --jobs` (see `replayInParts`): replays its part of the history
 * as the main thread sends the pages' text, reading its share out of each, and answers the outcome.
 * Pages are taken one at a time and each is acknowledged, so that the sender keeps only a few ahead.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { parseHistoryColumns } from '@timon/client'
import { historyPageOf, type HistoryPage } from '@timon/core'
import { historyColumnsPart, replay, type ReplayPart } from '@timon/core/replay'
import type { FromWorker, ToWorker } from './messages.js'
import { replayInputOf, type PartSetup } from './setup.js'

const port = parentPort as MessagePort
// Listening before anything is awaited: no page arrives unheard.
const { setup, part } = workerData as PartSetup
const pages = received(port, part)
const { rules, history } = await replayInputOf(setup)
const { from, to, silences } = setup
const replayed = await replay({ history: history(pages), silences, rules, from, to, part })
const answer: FromWorker = replayed.isOk()
  ? { type: 'done', outcome: replayed.value }
  : { type: 'failed', error: replayed.error }
// The main thread ends this thread once it has the answer.
port.postMessage(answer)

/** This part's share of the pages the main thread sends, decoded as they are taken; each taken page is acknowledged. */
function received(from: MessagePort, part: ReplayPart): AsyncIterable<HistoryPage> {
  const queue: (string | undefined)[] = []
  let wake: (() => void) | undefined
  from.on('message', (message: ToWorker) => {
    queue.push(message.type === 'page' ? message.text : undefined)
    wake?.()
  })
  return (async function* () {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve))
      const text = queue.shift()
      if (text === undefined) return
      from.postMessage({ type: 'taken' } satisfies FromWorker)
      yield historyPageOf(historyColumnsPart(parseHistoryColumns(text), part))
    }
  })()
}
