/**
 * The streaming routes of run logs (`timon exec`, `timon logs`): receiving a run's output and
 * sending a log back, both as frames (`@timon/client`'s framing). The route table (`table.ts`) lists them;
 * this module does the work.
 */
import { stat } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { conflict, parseTarget, validation, type CoreError, type Monitor, type Run } from '@timon/core'
import { FrameDecoder, FrameError, OUTPUT_STREAMS, frameHeader, type OutputStream, type WireError } from '@timon/client'
import { readRunLog } from '../run-logs/reader.js'
import type { RunLogStore } from '../run-logs/store.js'
import type { StreamExchange, StreamResult } from './types.js'

/**
 * How long a follower waits for news of its run (its log starting, its end) before it looks at the
 * database anyway, in ms: a safety net for changes that send none (a deletion). News wakes it at once.
 */
export const FOLLOW_RECHECK_MS = 5_000

/** Output received but not written yet past which reading the body waits for the disk: 1 MiB. */
const MAX_BACKLOG_BYTES = 1024 * 1024

/**
 * `POST /v1/runs/{code}:{uid}/output`: the body is the run's output as frames (stdout and stderr
 * only), streamed for as long as the command runs; no body cap applies, the log's own cap does.
 * The log's path is recorded on the run before the body is read. Answers
 * `{log_path, received, cut}` once the body has ended and the log is written.
 */
export async function receiveOutput(
  monitor: Monitor,
  logs: RunLogStore | undefined,
  exchange: StreamExchange,
): Promise<StreamResult> {
  const { req, signal } = exchange
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (type !== 'application/octet-stream') {
    return {
      error: {
        code: 'unsupported_media_type',
        message: `Content-Type must be application/octet-stream${type === '' ? '' : `, not ${type}`}`,
      },
    }
  }
  for (const key of exchange.query.keys()) return { error: validation(`${key}: unknown parameter`) }
  const ref = parseRunRef(exchange.params[0] ?? '')
  if (ref.kind === 'error') return { error: ref.error }
  const { code, uid } = ref
  if (logs === undefined) return { error: noLogs() }
  const found = await findRun(monitor, code, uid)
  if ('message' in found) return { error: found }
  if (found.endedAt !== null) return { error: conflict('job has already ended') }
  if (found.logPath !== null) return { error: alreadyRecorded() }
  const writer = await logs.create(code, uid)
  if (writer === undefined) return { error: alreadyRecorded() }
  try {
    const recorded = await monitor.recordRunLog({ code, uid, path: writer.path })
    if (recorded.isErr()) {
      await writer.discard()
      return { error: recorded.error }
    }
    logs.runChanged(code, uid) // followers waiting for the log to start
    // The daemon stops: stop reading (what came is kept) and let the connection go.
    const onStop = () => req.destroy()
    signal.addEventListener('abort', onStop)
    if (signal.aborted) onStop()
    const decoder = new FrameDecoder(OUTPUT_STREAMS)
    const chunks = req[Symbol.asyncIterator]()
    try {
      for (;;) {
        let next: IteratorResult<Buffer>
        try {
          next = (await chunks.next()) as IteratorResult<Buffer>
        } catch {
          return undefined // the client went away (or the daemon stops): the log keeps what came
        }
        if (next.done === true) break
        try {
          for (const frame of decoder.push(next.value)) writer.write(frame.stream as OutputStream, frame.bytes)
        } catch (error) {
          if (!(error instanceof FrameError)) throw error
          for (const frame of error.frames) writer.write(frame.stream as OutputStream, frame.bytes)
          await writer.finish()
          return { error: validation(`malformed output: ${error.message}`) }
        }
        // Writes coalesce while the disk is busy; past a backlog, reading waits for the disk.
        const flushed = writer.flush()
        if (writer.backlog >= MAX_BACKLOG_BYTES) await flushed
        else flushed.catch(() => undefined) // a failure comes back from finish()
      }
    } finally {
      signal.removeEventListener('abort', onStop)
    }
    if (decoder.pending > 0) return { error: validation('malformed output: the body ended in the middle of a frame') }
    await writer.finish()
    return { status: 200, body: { logPath: writer.path, received: writer.received, cut: writer.cut } }
  } finally {
    if (!writer.done) await writer.finish().catch(() => undefined)
  }
}

/**
 * `GET /v1/runs/{code}:{uid}/log` and `GET /v1/runs/{code}/log` (the job's latest run that was not
 * skipped): the log as frames (stdout, stderr, and notes). With `?follow=true`, output written
 * later is sent as it comes until the run has ended; a run whose log has not started yet is waited
 * for. The answer's `X-Timon-Run` header names the run (`code:uid`).
 */
export async function sendLog(
  monitor: Monitor,
  logs: RunLogStore | undefined,
  exchange: StreamExchange,
): Promise<StreamResult> {
  const { req, res, signal } = exchange
  const follow = exchange.query.get('follow')
  for (const key of exchange.query.keys())
    if (key !== 'follow') return { error: validation(`${key}: unknown parameter`) }
  if (follow !== null && follow !== 'true' && follow !== 'false')
    return { error: validation('follow: must be "true" or "false"') }
  const following = follow === 'true'
  const target = parseTarget(exchange.params[0] ?? '')
  if (target.isErr()) return { error: target.error }
  if (target.value.kind === 'incident')
    return { error: validation('logs are kept for job runs: give <code> or <code>:<uid>') }
  const code = target.value.code
  const found =
    target.value.kind === 'report' ? await findRun(monitor, code, target.value.uid) : await latestRun(monitor, code)
  if ('message' in found) return { error: found }
  let run: Run = found
  const release = following ? logs?.follow() : undefined
  if (following && logs !== undefined && release === undefined) {
    return { error: { code: 'too_many_followers', message: 'too many readers are following logs; try again later' } }
  }

  // Stop on the daemon's stop or the client's leaving.
  const stop = new AbortController()
  const onStop = () => stop.abort()
  signal.addEventListener('abort', onStop)
  res.once('close', onStop)
  if (signal.aborted) onStop()
  const start = () => {
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Cache-Control': 'no-store',
      'X-Timon-Run': `${code}:${run.uid}`,
    })
    if (req.method === 'HEAD') res.end()
    else res.flushHeaders()
  }
  // Woken by the run's news (an abort ends the wait); without a log store, a look every recheck.
  const news = () =>
    logs === undefined
      ? sleep(FOLLOW_RECHECK_MS, undefined, { signal: stop.signal }).catch(() => undefined)
      : logs.waitForRun(code, run.uid, FOLLOW_RECHECK_MS, stop.signal)
  try {
    const waiting = following && run.logPath === null && run.endedAt === null
    if (!waiting && (run.logPath === null || (await stat(run.logPath).catch(() => undefined)) === undefined))
      return { error: noOutput() }
    start()
    if (req.method === 'HEAD') return undefined
    // A run whose output has not started yet (`timon exec` opens its log at the first byte): wait for it.
    while (run.logPath === null && run.endedAt === null && !stop.signal.aborted) {
      await news()
      const again = await findRun(monitor, code, run.uid)
      if ('message' in again) break
      run = again
    }
    const path = run.logPath
    if (stop.signal.aborted) return undefined
    if (path === null || (await stat(path).catch(() => undefined)) === undefined) {
      const note = Buffer.from(noOutput().message)
      res.write(frameHeader('note', note.length))
      res.end(note)
      return undefined
    }
    await logs?.checkReadable(path)
    const uid = run.uid
    const frames = readRunLog(path, {
      writer: logs?.active(path),
      follow: following,
      ended: async () => {
        const now = await findRun(monitor, code, uid)
        return 'message' in now || now.endedAt !== null
      },
      signal: stop.signal,
      changed: news,
    })
    for await (const frame of frames) {
      if (frame.bytes.length === 0) continue
      res.write(frameHeader(frame.stream, frame.bytes.length))
      if (!res.write(frame.bytes)) await drained(res)
      if (stop.signal.aborted) break
    }
    res.end()
    return undefined
  } finally {
    release?.()
    signal.removeEventListener('abort', onStop)
    res.off('close', onStop)
  }
}

// --- internal ---

/** `code:uid`, or the `validation` error of something else. */
function parseRunRef(
  text: string,
):
  | { readonly kind: 'run'; readonly code: string; readonly uid: string }
  | { readonly kind: 'error'; readonly error: CoreError } {
  const target = parseTarget(text)
  if (target.isErr()) return { kind: 'error', error: target.error }
  if (target.value.kind !== 'report')
    return { kind: 'error', error: validation(`invalid run ${JSON.stringify(text)} — must be <code>:<uid>`) }
  return { kind: 'run', code: target.value.code, uid: target.value.uid }
}

/** The run `code:uid`, or the error to answer. */
async function findRun(monitor: Monitor, code: string, uid: string): Promise<Run | CoreError> {
  const found = await monitor.findRun(code, uid)
  return found.isOk() ? found.value : found.error
}

/** The latest run of job `code` that was not skipped, or the error to answer. */
async function latestRun(monitor: Monitor, code: string): Promise<Run | CoreError> {
  const found = await monitor.latestRun(code)
  return found.isOk() ? found.value : found.error
}

function noOutput(): WireError {
  return { code: 'not_found', message: 'no output was recorded for this run', subject: 'log' }
}

function noLogs(): WireError {
  return { code: 'not_found', message: 'this daemon keeps no run logs' }
}

function alreadyRecorded(): CoreError {
  return conflict('output was already recorded for this run')
}

function drained(res: StreamExchange['res']): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.once('drain', done)
    res.once('close', done)
  })
}
