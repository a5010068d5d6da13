import type http from 'node:http'
import { SystemClock, errorMessage, type Clock, type Health, type LogSink, type PolledSample, type PolledSource, type Poller } from '@timon/core'
import { createKeepAliveAgent, packageVersion } from '@timon/http-common'
import type { HttpCheck } from './check-config.js'
import { evaluate } from './evaluate.js'
import { sendRequest } from './http-request.js'
import { InFlightLimiter } from './in-flight-limiter.js'
import { firstRunAt, nextRunAt } from './schedule.js'
import { INITIAL_THRESHOLD_STATE, stepThreshold, type ThresholdState } from './threshold.js'

/** Where the poller reports what it does (the core's `LogSink`); `console` fits. */
export type HttpPollerLogger = LogSink

/** A run that starts its request: for metrics and benchmarks. */
export interface RunStart {
  readonly code: string
  /** When the run was due, epoch milliseconds of the poller's clock. */
  readonly scheduledAt: number
  /** How late the request starts against that, in milliseconds (queueing for a slot included). */
  readonly lateMs: number
}

/** Options of an {@link HttpPoller}. */
export interface HttpPollerOptions {
  /** The probes to poll, from `parseChecks`; codes must be unique. */
  readonly checks: readonly HttpCheck[]
  /** Times the schedule; default: the system clock. */
  readonly clock?: Clock
  /** Places each check's first run within its first interval (a number in [0, 1)); default `Math.random`. */
  readonly random?: () => number
  /** Requests in flight at once over all checks; default 32. */
  readonly maxInFlight?: number
  /** Default: silent. Results at debug, health changes at info, skipped runs at warn, failed `record` calls at error. */
  readonly logger?: HttpPollerLogger
  /** Sent as `User-Agent` unless a check sets its own; default `timon/<version of this package>`. */
  readonly userAgent?: string
  /** Called as each request starts. */
  readonly onRunStart?: (run: RunStart) => void
}

/** What {@link HttpPoller.update} did, by probe code. */
export interface PollerUpdate {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  /** Same code, different settings: restarted with a fresh schedule and fresh threshold counts. */
  readonly changed: readonly string[]
  /** How many checks kept their schedule and threshold state. */
  readonly unchanged: number
}

/**
 * The HTTP adapter of the core's `Poller` port: it requests each check's URL on the check's own
 * schedule, judges the answer (`evaluate`), runs it through the check's thresholds
 * (`stepThreshold`) and hands every result to `record` as a sample of the check's probe, with
 * the check's `staleIncidentAfterMs`.
 *
 * Scheduling: a check's first run falls at a random point of its first interval, then every
 * interval on that grid (measured from the schedule, not from when a request ends, so slow checks
 * do not drift). A check never has two runs at once: when a run is due while the previous one is
 * still going (queued for a slot, or its `record` still pending), that run is **skipped**, and the
 * first sample recorded after says so (`…; 1 run skipped, the check was still busy`). Runs the
 * process was too late for (a blocked event loop, a suspended machine) are not made up for.
 *
 * Requests: at most `maxInFlight` in flight overall and one per URL; each check has a keep-alive
 * agent of its own (a slow endpoint never holds another's sockets), which with `cert` trusts the
 * file's CAs in addition to the default ones. The check's `timeout` bounds the whole exchange, and
 * at most 64 KiB of a body is read. A hanging endpoint holds one slot until its timeout, never a
 * timer of another check.
 */
export class HttpPoller implements Poller {
  #entries: Map<string, Entry>
  readonly #clock: Clock
  readonly #random: () => number
  readonly #logger: HttpPollerLogger
  readonly #limiter: InFlightLimiter
  readonly #userAgent: string
  readonly #onRunStart: ((run: RunStart) => void) | undefined
  /** Runs not settled yet, of current and retired entries: `stop()` awaits them. */
  readonly #runs = new Set<Promise<void>>()
  #record: ((sample: PolledSample) => Promise<void>) | undefined

  constructor(options: HttpPollerOptions) {
    this.#clock = options.clock ?? new SystemClock()
    this.#random = options.random ?? Math.random
    this.#logger = options.logger ?? SILENT
    this.#limiter = new InFlightLimiter(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)
    this.#userAgent = options.userAgent ?? `timon/${packageVersion(import.meta.url)}`
    this.#onRunStart = options.onRunStart
    this.#entries = new Map(uniqueChecks(options.checks).map((check) => [check.code, createEntry(check, this.#userAgent)]))
  }

  /** True between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.#record !== undefined
  }

  /**
   * Starts every check's schedule (first runs spread over their first interval). Each result is
   * handed to `record`, and the check's next run waits until it resolves. A `record` that rejects
   * is logged; polling goes on.
   *
   * @throws Error when already started.
   */
  start(record: (sample: PolledSample) => Promise<void>): void {
    if (this.#record !== undefined) throw new Error('HttpPoller: already started')
    this.#record = record
    const now = this.#now()
    for (const entry of this.#entries.values()) this.#schedule(entry, firstRunAt(now, entry.check.intervalMs, this.#random))
  }

  /**
   * Stops polling: clears every timer, aborts the requests in flight (they record nothing) and
   * waits for the runs going on to settle (a `record` already called is awaited), then closes the
   * keep-alive sockets. Threshold states are kept: a later {@link start} goes on from them.
   */
  async stop(): Promise<void> {
    this.#record = undefined
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.timer)
      entry.timer = undefined
      entry.controller?.abort()
    }
    while (this.#runs.size > 0) await Promise.allSettled([...this.#runs])
    for (const entry of this.#entries.values()) entry.agent.destroy()
  }

  /** One source per probe, in the order of the checks: its code and URL (credentials masked). */
  sources(): readonly PolledSource[] {
    return [...this.#entries.values()].map((entry) => ({ code: entry.check.code, source: entry.source }))
  }

  /**
   * Replaces the checks without a restart (the daemon calls it on SIGHUP with the reloaded
   * config's checks). A check deeply equal to the current one of its code keeps its schedule, its
   * threshold counts and its connections. A removed check's timer is cleared and its request in
   * flight aborted (nothing recorded). A new or changed check starts afresh, its first run within
   * its first interval. Works whether or not the poller is started.
   *
   * @throws TypeError when two checks share a code (nothing is changed then).
   */
  update(checks: readonly HttpCheck[]): PollerUpdate {
    const wanted = uniqueChecks(checks)
    const now = this.#now()
    const next = new Map<string, Entry>()
    const added: string[] = []
    const changed: string[] = []
    let unchanged = 0
    for (const check of wanted) {
      const current = this.#entries.get(check.code)
      if (current !== undefined && current.key === checkKey(check)) {
        next.set(check.code, current)
        unchanged += 1
        continue
      }
      ;(current === undefined ? added : changed).push(check.code)
      const entry = createEntry(check, this.#userAgent)
      next.set(check.code, entry)
      if (this.running) this.#schedule(entry, firstRunAt(now, check.intervalMs, this.#random))
    }
    const removed: string[] = []
    for (const [code, entry] of this.#entries) {
      if (next.get(code) === entry) continue
      if (!next.has(code)) removed.push(code)
      this.#retire(entry)
    }
    this.#entries = next
    return { added, removed, changed, unchanged }
  }

  // --- internal ---

  #now(): number {
    return this.#clock.now().getTime()
  }

  #schedule(entry: Entry, at: number): void {
    entry.nextAt = at
    const delay = Math.min(Math.max(0, at - this.#now()), MAX_TIMER_MS)
    entry.timer = setTimeout(() => this.#due(entry), delay)
  }

  #due(entry: Entry): void {
    entry.timer = undefined
    if (this.#record === undefined || entry.retired) return
    const now = this.#now()
    // An interval longer than Node's longest timer is reached in several hops.
    if (entry.nextAt - now > MAX_TIMER_MS / 2) return this.#schedule(entry, entry.nextAt)

    const due = entry.nextAt
    const { at, missed } = nextRunAt(due, now, entry.check.intervalMs)
    if (missed > 0) this.#logger.warn(`check ${entry.check.code}: ${missed} run(s) missed, the process was late`)
    this.#schedule(entry, at)
    if (entry.run !== undefined) {
      entry.skipped += 1
      this.#logger.warn(`check ${entry.check.code}: run skipped, the previous one is still going`)
      return
    }
    const run = this.#execute(entry, due, this.#record).finally(() => {
      entry.run = undefined
      this.#runs.delete(run)
    })
    entry.run = run
    this.#runs.add(run)
  }

  async #execute(entry: Entry, due: number, record: (sample: PolledSample) => Promise<void>): Promise<void> {
    const { check } = entry
    const controller = new AbortController()
    entry.controller = controller
    try {
      const release = await this.#limiter.acquire(check.url, controller.signal)
      if (release === undefined) return
      let result
      try {
        const startedAt = this.#now()
        this.#onRunStart?.({ code: check.code, scheduledAt: due, lateMs: startedAt - due })
        result = await sendRequest({
          url: entry.url,
          method: check.method,
          headers: entry.headers,
          timeoutMs: check.timeoutMs,
          agent: entry.agent,
          signal: controller.signal,
        })
      } finally {
        release()
      }
      if (result.kind === 'aborted' || controller.signal.aborted) return

      const step = stepThreshold(entry.threshold, evaluate(check, result), check)
      entry.threshold = step.state
      const skipped = entry.skipped
      entry.skipped = 0
      const note = skipped === 0 ? '' : `; ${skipped} run${skipped === 1 ? '' : 's'} skipped, the check was still busy`
      const comment = clipBytes(step.comment + note, MAX_COMMENT_BYTES)
      this.#log(entry, step.health, comment)
      try {
        await record({ code: check.code, health: step.health, comment, staleIncidentAfter: check.staleIncidentAfterMs })
      } catch (error) {
        this.#logger.error(`check ${check.code}: cannot record the sample: ${errorMessage(error)}`)
      }
    } catch (error) {
      // A bug: say so, and keep the schedule going.
      this.#logger.error(`check ${check.code}: run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    } finally {
      if (entry.controller === controller) entry.controller = undefined
    }
  }

  #log(entry: Entry, health: Health, comment: string): void {
    const line = `check ${entry.check.code} (${entry.source}): ${health}, ${comment}`
    if (entry.lastHealth !== undefined && entry.lastHealth !== health) this.#logger.info(line)
    else this.#logger.debug(line)
    entry.lastHealth = health
  }

  /** Ends an entry that `update` dropped or replaced: no more runs, its request aborted, its sockets closed once it settles. */
  #retire(entry: Entry): void {
    entry.retired = true
    clearTimeout(entry.timer)
    entry.timer = undefined
    entry.controller?.abort()
    if (entry.run === undefined) entry.agent.destroy()
    else void entry.run.finally(() => entry.agent.destroy())
  }
}

// --- internal ---

/** The default bound of requests in flight over all checks. */
const DEFAULT_MAX_IN_FLIGHT = 32
/** The longest timer Node can arm (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1
/** The core accepts comments of at most 250 bytes. */
const MAX_COMMENT_BYTES = 250

const SILENT: HttpPollerLogger = { debug() {}, info() {}, warn() {}, error() {} }

interface Entry {
  readonly check: HttpCheck
  /** The check's canonical form: `update` compares it. */
  readonly key: string
  readonly agent: http.Agent
  /** The check's URL, parsed once. */
  readonly url: URL
  /** The URL shown in `sources()` and logs, credentials masked. */
  readonly source: string
  /** The request headers: the defaults, then the check's. */
  readonly headers: Readonly<Record<string, string>>
  threshold: ThresholdState
  lastHealth: Health | undefined
  nextAt: number
  timer: NodeJS.Timeout | undefined
  run: Promise<void> | undefined
  controller: AbortController | undefined
  /** Runs skipped since the last sample. */
  skipped: number
  retired: boolean
}

function createEntry(check: HttpCheck, userAgent: string): Entry {
  return {
    check,
    key: checkKey(check),
    agent: createAgent(check),
    url: new URL(check.url),
    source: displayUrl(check.url),
    headers: { 'User-Agent': userAgent, Accept: '*/*', ...withDefaultNames(check.headers) },
    threshold: INITIAL_THRESHOLD_STATE,
    lastHealth: undefined,
    nextAt: 0,
    timer: undefined,
    run: undefined,
    controller: undefined,
    skipped: 0,
    retired: false,
  }
}

/** One keep-alive agent per check, with one socket (a check has one request in flight); with `cert`, trusting its CAs besides the default ones. */
function createAgent(check: HttpCheck): http.Agent {
  return createKeepAliveAgent(check.url, { ca: check.cert?.pem, maxSockets: 1, maxFreeSockets: 1 })
}

function uniqueChecks(checks: readonly HttpCheck[]): readonly HttpCheck[] {
  const codes = new Set<string>()
  for (const check of checks) {
    if (codes.has(check.code)) throw new TypeError(`HttpPoller: two checks feed the probe "${check.code}"`)
    codes.add(check.code)
  }
  return checks
}

/** JSON with sorted keys, so that equal checks built in any key order compare equal. */
function checkKey(check: HttpCheck): string {
  return JSON.stringify(check, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  )
}

/** A check's headers, `User-Agent` and `Accept` spelt as the defaults are, so that they replace them whatever their case. */
function withDefaultNames(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) out[normalizedDefault(name)] = value
  return out
}

function normalizedDefault(name: string): string {
  const lower = name.toLowerCase()
  return lower === 'user-agent' ? 'User-Agent' : lower === 'accept' ? 'Accept' : name
}

/** The URL for status and logs, its user and password masked. */
function displayUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.username === '' && parsed.password === '') return url
  parsed.username = '***'
  parsed.password = ''
  return parsed.href
}

function clipBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text
  let out = ''
  for (const char of text) {
    if (Buffer.byteLength(`${out}${char}…`) > max) break
    out += char
  }
  return `${out}…`
}
