import http from 'node:http'
import https from 'node:https'
import { classifyError, MAX_BODY_BYTES, type HttpOutcome } from './evaluate.js'

/** One request of a check. */
export interface RequestSpec {
  readonly url: URL
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  /** The whole exchange, connect to last body byte, in milliseconds. */
  readonly timeoutMs: number
  readonly agent: http.Agent
  /** Aborting it ends the request at once with `aborted`. */
  readonly signal: AbortSignal
}

/** What {@link sendRequest} gives: an outcome to evaluate, or `aborted` (nothing to record). */
export type RequestResult = HttpOutcome | { readonly kind: 'aborted' }

/**
 * Sends one request and reads at most {@link MAX_BODY_BYTES} of the body (a longer body is cut
 * and its connection dropped). It never rejects. A request that fails with ECONNRESET/EPIPE before
 * any response on a *reused* keep-alive socket (the server closed it as we sent) is sent once more
 * at once, within the same time budget: that race is not the endpoint failing. Redirects are not
 * followed.
 */
export async function sendRequest(spec: RequestSpec): Promise<RequestResult> {
  const started = performance.now()
  const first = await requestOnce(spec, spec.timeoutMs, started)
  if (first.kind !== 'reused-socket-reset') return first
  const left = Math.max(1, spec.timeoutMs - (performance.now() - started))
  const second = await requestOnce(spec, left, started)
  return second.kind === 'reused-socket-reset' ? { kind: 'failure', failure: { kind: 'reset' } } : second
}

// --- internal ---

/** The longest timer Node can arm (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1

type OnceResult = RequestResult | { readonly kind: 'reused-socket-reset' }

function requestOnce(spec: RequestSpec, timeoutMs: number, started: number): Promise<OnceResult> {
  return new Promise((resolve) => {
    if (spec.signal.aborted) {
      resolve({ kind: 'aborted' })
      return
    }
    const { url } = spec
    const options = { method: spec.method, agent: spec.agent, headers: { ...spec.headers } }
    const request = url.protocol === 'https:' ? https.request(url, options) : http.request(url, options)
    let settled = false
    let timedOut = false
    let responded = false
    const settle = (result: OnceResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      spec.signal.removeEventListener('abort', onAbort)
      resolve(result)
    }
    const timeout = (): OnceResult => ({ kind: 'failure', failure: { kind: 'timeout', afterMs: spec.timeoutMs } })
    const timer = setTimeout(
      () => {
        timedOut = true
        request.destroy(new Error('timeout'))
      },
      Math.min(Math.max(1, Math.ceil(timeoutMs)), MAX_TIMER_MS),
    )
    const onAbort = () => request.destroy(new Error('aborted'))
    spec.signal.addEventListener('abort', onAbort, { once: true })

    request.on('error', (error: NodeJS.ErrnoException) => {
      if (spec.signal.aborted) return settle({ kind: 'aborted' })
      if (timedOut) return settle(timeout())
      const resetEarly = !responded && (error.code === 'ECONNRESET' || error.code === 'EPIPE')
      if (resetEarly && request.reusedSocket) return settle({ kind: 'reused-socket-reset' })
      settle({ kind: 'failure', failure: classifyError(error, url.hostname) })
    })

    request.on('response', (response) => {
      responded = true
      const chunks: Buffer[] = []
      let size = 0
      const done = (truncated: boolean) =>
        settle({
          kind: 'response',
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          truncated,
          elapsedMs: performance.now() - started,
        })
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size))
        size += chunk.length
        if (size > MAX_BODY_BYTES) {
          done(true)
          response.destroy()
        }
      })
      response.on('end', () => done(false))
      response.on('error', () => undefined) // the request's 'close' below decides
    })

    // Whatever else happened (a timeout or abort while reading the body, the connection dropped
    // mid-body), the exchange is over when the request closes.
    request.on('close', () => {
      if (spec.signal.aborted) settle({ kind: 'aborted' })
      else if (timedOut) settle(timeout())
      else
        settle({
          kind: 'failure',
          failure: responded ? { kind: 'reset' } : { kind: 'other', detail: 'the connection closed without an answer' },
        })
    })

    request.end()
  })
}
