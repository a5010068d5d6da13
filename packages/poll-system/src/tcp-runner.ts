import net from 'node:net'
import { formatHumanDuration } from '@timon/core'
import { classifyError, describeFailure, type CheckRunner, type Evaluation } from '@timon/poll-http'
import { formatAddress } from './address.js'
import type { TcpCheck } from './check-config.js'

/** At most this much of an answer is read while waiting for `expect`. */
const MAX_ANSWER_BYTES = 16 * 1024

/**
 * Runs a TCP check: connects to the address and, with `send`, writes it; with `expect`, reads
 * until the answer contains it. The check's timeout bounds it all. Reasons: `connected in 3ms`,
 * `connection refused`, `timeout after 5s`, `answer does not contain "SSH-"` (with its start).
 */
export function tcpRunner(check: TcpCheck): CheckRunner {
  const address = formatAddress(check)
  return {
    source: `tcp://${address}`,
    slotKey: `tcp:${address}`,
    run: (signal) => probeTcp(check, signal),
    close() {},
  }
}

// --- internal ---

function probeTcp(check: TcpCheck, signal: AbortSignal): Promise<Evaluation | undefined> {
  return new Promise((resolve) => {
    const started = performance.now()
    let answer = ''
    const socket = net.connect({ host: check.host, port: check.port })
    const finish = (result: Evaluation | undefined) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(result)
    }
    const onAbort = () => finish(undefined)
    const timer = setTimeout(() => {
      const waited =
        check.expect !== undefined && socket.readyState === 'open'
          ? `, no ${JSON.stringify(check.expect)} in the answer`
          : ''
      finish({ ok: false, reason: `timeout after ${formatHumanDuration(check.timeoutMs)}${waited}` })
    }, check.timeoutMs)
    signal.addEventListener('abort', onAbort, { once: true })
    const elapsed = () => `${Math.round(performance.now() - started)}ms`
    socket.on('connect', () => {
      if (check.send !== undefined) socket.write(check.send)
      if (check.expect === undefined) finish({ ok: true, reason: `connected in ${elapsed()}` })
    })
    socket.on('data', (chunk: Buffer) => {
      answer = (answer + chunk.toString('utf8')).slice(0, MAX_ANSWER_BYTES)
      if (check.expect !== undefined && answer.includes(check.expect))
        finish({ ok: true, reason: `answered ${JSON.stringify(check.expect)} in ${elapsed()}` })
    })
    socket.on('end', () =>
      finish({
        ok: false,
        reason: `answer does not contain ${JSON.stringify(check.expect)}: ${JSON.stringify(answer.slice(0, 40))}`,
      }),
    )
    socket.on('error', (error) => finish({ ok: false, reason: describeFailure(classifyError(error, check.host)) }))
  })
}
