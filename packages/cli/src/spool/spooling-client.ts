/**
 * A client that keeps what it cannot push: wraps the daemon's client so that a push the daemon
 * cannot take now (unreachable, timed out, or a 5xx) goes to the spool with its original time,
 * and so that the spool is sent first, in order, before any push of a command that reaches the
 * daemon. Everything but the push methods goes to the daemon as it is.
 */
import type { ClientError, OutputWriter } from '@timon/client'
import { ok, type Result } from 'neverthrow'
import type { CliClient } from '../client.js'
import type { SpoolDir, SpoolEntry, SpooledOperation } from './spool-dir.js'

/** How a flush went. */
export interface FlushReport {
  /** Entries the daemon took. */
  readonly sent: number
  /** Entries dropped: the daemon refused them for good (too old, invalid, already there). */
  readonly dropped: number
  /** Entries still waiting. */
  readonly left: number
  /** Why the flush stopped early (the daemon cannot be reached), if it did. */
  readonly stopped?: ClientError
}

/** How long a push waits for another process's flush before spooling itself instead. */
const LOCK_WAIT_MS = 10_000

/** The push methods of a client, with their inputs. */
type Pushes = Pick<CliClient, SpooledOperation>

/**
 * Wraps `inner` with the spool at `spool`. `warn` writes one line on stderr. `newUid` makes the
 * uid of a run started through the spool (12 lowercase hex characters).
 */
export function spoolingClient(
  inner: CliClient,
  spool: SpoolDir,
  warn: (line: string) => void,
  newUid: () => string = randomUid,
): CliClient & { flush(): Promise<FlushReport> } {
  let flushed = false
  let warned = false
  /** Runs started through the spool (`code:uid`): the daemon has no run to log their output to. */
  const spooledRuns = new Set<string>()

  /** Sends the spool, once per process, before the first push: why it could not all be sent, or `undefined` once it was. */
  const sendSpoolFirst = async (): Promise<ClientError | undefined> => {
    if (flushed || spool.names().length === 0) {
      flushed = true
      return undefined
    }
    const report = await flushSpool(inner, spool, warn, LOCK_WAIT_MS)
    flushed = report.stopped === undefined
    return report.stopped
  }

  const push = async <T>(
    operation: SpooledOperation,
    input: Record<string, unknown> & { code: string },
    send: () => Promise<Result<T, ClientError>>,
    spooled: (entry: SpoolEntry) => T,
  ): Promise<Result<T, ClientError>> => {
    const at = new Date().toISOString()
    const keep = (reason: string): Result<T, ClientError> => {
      const entry: SpoolEntry = { operation, input: { ...input, at } }
      spool.append(entry)
      if (operation === 'startJob') spooledRuns.add(`${input.code}:${String(input.uid)}`)
      // One line per command: `timon exec` may keep its start, steps and end.
      if (!warned) warn(`timon: warning: ${reason}; the push is kept in the spool ${spool.dir} and will be sent later`)
      warned = true
      return ok(spooled(entry))
    }
    // Behind older pushes that could not be sent: this one waits too, to keep the order.
    const waiting = await sendSpoolFirst()
    if (waiting !== undefined) return keep(waiting.message)
    const answer = await send()
    if (answer.isErr() && isAway(answer.error)) return keep(answer.error.message)
    return answer
  }

  const pushes: Pushes = {
    pushProbe: (input) =>
      push(
        'pushProbe',
        input,
        () => inner.pushProbe(input),
        (entry) => spooledSample(entry),
      ),
    startJob: (input) => {
      // The run's uid is chosen here: a start that times out but reached the daemon is not started twice when it is sent again.
      const chosen = { ...input, uid: input.uid ?? newUid() }
      return push(
        'startJob',
        chosen,
        () => inner.startJob(chosen),
        (entry) => spooledRun(entry),
      )
    },
    pushStep: (input) =>
      push(
        'pushStep',
        input,
        () => inner.pushStep(input),
        (entry) => spooledRun(entry),
      ),
    endJob: (input) =>
      push(
        'endJob',
        input,
        () => inner.endJob(input),
        (entry) => spooledRun(entry),
      ),
    skipRun: (input) =>
      push(
        'skipRun',
        input,
        () => inner.skipRun(input),
        (entry) => spooledRun(entry),
      ),
  }
  const own: Partial<Record<PropertyKey, unknown>> = {
    ...pushes,
    streamOutput: (code: string, uid: string, options: Parameters<CliClient['streamOutput']>[2]) =>
      spooledRuns.has(`${code}:${uid}`) ? Promise.resolve(DISCARDING_WRITER) : inner.streamOutput(code, uid, options),
    flush: () => flushSpool(inner, spool, warn, LOCK_WAIT_MS),
  }
  // Every other method goes to the daemon as it is, so a new client method needs nothing here.
  const spooling = new Proxy(inner, {
    get: (target, key) => {
      if (key in own) return own[key]
      const value: unknown = Reflect.get(target, key)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return spooling as CliClient & { flush(): Promise<FlushReport> }
}

/**
 * Sends the spool's entries in order under the flush lock, removing each once the daemon took it.
 * An entry the daemon refuses for good (422 too old, 400, 404, or 409: already there) is dropped
 * with a line on stderr; the flush stops at the first entry the daemon cannot take now.
 */
export async function flushSpool(
  client: Pushes,
  spool: SpoolDir,
  warn: (line: string) => void,
  waitMs: number,
): Promise<FlushReport> {
  const lock = await spool.lock(waitMs)
  if (lock === undefined)
    return {
      sent: 0,
      dropped: 0,
      left: spool.names().length,
      stopped: { code: 'timeout', message: `another timon process is sending the spool ${spool.dir}` },
    }
  let sent = 0
  let dropped = 0
  try {
    const names = spool.names()
    for (const [index, name] of names.entries()) {
      const listed = spool.read(name)
      if ('problem' in listed) {
        warn(`timon: warning: dropped spool entry ${name}: ${listed.problem}`)
        spool.remove(name)
        dropped += 1
        continue
      }
      const answer = await sendEntry(client, listed.entry)
      if (answer.isOk()) {
        spool.remove(name)
        sent += 1
        continue
      }
      if (isAway(answer.error) || isNotAllowed(answer.error))
        return { sent, dropped, left: names.length - index, stopped: answer.error }
      // 409 on a start with its uid, or an end already there: the daemon had it already (its answer was lost).
      if (answer.error.code !== 'conflict')
        warn(`timon: warning: dropped spooled ${describe(listed.entry)}: ${answer.error.message}`)
      spool.remove(name)
      dropped += 1
    }
    return { sent, dropped, left: 0 }
  } finally {
    lock.release()
  }
}

/** One line for an entry: `push probe web (2024-05-01T12:00:00.000Z)`. */
export function describe(entry: SpoolEntry): string {
  const { input } = entry
  const uid = typeof input.uid === 'string' ? `:${input.uid}` : ''
  return `${OPERATION_NAMES[entry.operation]} ${input.code}${uid} (${input.at})`
}

// --- internal ---

/** The output writer of a run kept in the spool: its output is not logged (the daemon has no run for it yet). */
const DISCARDING_WRITER: OutputWriter = {
  write: () => true,
  drained: () => Promise.resolve(),
  end: () => Promise.resolve(ok({ logPath: '', received: 0, cut: 0 })),
  error: undefined,
}

/** 12 random lowercase hex characters; `crypto` is the global one, loaded only when a run starts. */
function randomUid(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString('hex')
}

const OPERATION_NAMES: Readonly<Record<SpooledOperation, string>> = {
  pushProbe: 'push probe',
  startJob: 'push job start',
  pushStep: 'push job step',
  endJob: 'push job end',
  skipRun: 'skipped run',
}

/** The daemon cannot take a push now: it is away, did not answer, or failed (5xx). */
function isAway(error: ClientError): boolean {
  return (
    error.code === 'unreachable' ||
    error.code === 'timeout' ||
    (error.code === 'protocol' && error.status === undefined) ||
    (error.status ?? 0) >= 500
  )
}

/** The daemon refuses who sends (401, 403) or asks to slow down (429): keep the entries until that is fixed. */
function isNotAllowed(error: ClientError): boolean {
  return error.status === 401 || error.status === 403 || error.status === 429
}

function sendEntry(client: Pushes, entry: SpoolEntry): Promise<Result<unknown, ClientError>> {
  // The inputs were checked by the command that spooled them; the daemon checks them again.
  const input = entry.input as never
  switch (entry.operation) {
    case 'pushProbe':
      return client.pushProbe(input)
    case 'startJob':
      return client.startJob(input)
    case 'pushStep':
      return client.pushStep(input)
    case 'endJob':
      return client.endJob(input)
    case 'skipRun':
      return client.skipRun(input)
  }
}

/**
 * What a spooled push answers the command: the daemon has not seen it, so there is no stored
 * sample or run, only what the command prints (a run's uid) and `spooled: true` for `--json`.
 */
function spooledSample<T>(entry: SpoolEntry): T {
  const { code, health, comment, detail, host, at } = entry.input
  return {
    spooled: true,
    sample: {
      kind: 'sample',
      code,
      health,
      comment: comment ?? null,
      detail: detail ?? null,
      host: host ?? null,
      pushedAt: new Date(at),
    },
    opened: [],
    recovered: [],
    relapsed: [],
  } as T
}

function spooledRun<T>(entry: SpoolEntry): T {
  const { code, uid, host, at } = entry.input
  return {
    spooled: true,
    run: { kind: 'run', code, uid: uid ?? null, host: host ?? null, at: new Date(at) },
    opened: [],
    recovered: [],
    relapsed: [],
  } as T
}
