import {
  SILENT_LOG,
  SystemClock,
  errorMessage,
  type Clock,
  type Health,
  type LogSink,
  type PolledSample,
  type PolledSource,
  type Poller,
} from '@timon/core'
import type { Evaluation } from './evaluate.js'
import { InFlightLimiter } from './in-flight-limiter.js'
import { firstRunAt, nextRunAt } from './schedule.js'
import { INITIAL_THRESHOLD_STATE, stepThreshold, type ThresholdState, type Thresholds } from './threshold.js'

/** What every scheduled check has, whatever it probes (an HTTP check, a command, a TCP port…). */
export interface ScheduledCheck extends Thresholds {
  /** The probe code its samples are recorded under; unique within a poller. */
  readonly code: string
  /** Milliseconds between two runs (scheduled time to scheduled time). */
  readonly intervalMs: number
  /** The longest one run may take, in milliseconds (at most the interval). */
  readonly timeoutMs: number
  /** The probe's stale-incident rule in milliseconds: sent with every sample. */
  readonly staleIncidentAfterMs: number
}

/**
 * A check made runnable, created once per check (and again when the check changes): what it
 * holds (a keep-alive agent…) is released by {@link CheckRunner.close} when the check is dropped.
 */
export interface CheckRunner {
  /** The source shown by `sources()` and in logs (a URL with credentials masked, a command line…). */
  readonly source: string
  /** Runs with the same key never overlap (one request per URL, one connection per address). */
  readonly slotKey: string
  /**
   * One run, bounded by the check's timeout: the verdict, or `undefined` when `signal` aborted it
   * (nothing is recorded then). A failure of the target is a verdict, not an exception.
   */
  run(signal: AbortSignal): Promise<Evaluation | undefined>
  /** Releases what the runner holds; called once its last run settled. */
  close(): void
}

/** A run that starts: for metrics and benchmarks. */
export interface RunStart {
  readonly code: string
  /** When the run was due, epoch milliseconds of the poller's clock. */
  readonly scheduledAt: number
  /** How late the run starts against that, in milliseconds (queueing for a slot included). */
  readonly lateMs: number
}

/** What {@link ScheduledPoller.update} did, by probe code. */
export interface PollerUpdate {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  /** Same code, different settings: restarted with a fresh schedule and fresh threshold counts. */
  readonly changed: readonly string[]
  /** How many checks kept their schedule and threshold state. */
  readonly unchanged: number
}

/** Options of a {@link ScheduledPoller}. */
export interface ScheduledPollerOptions<C extends ScheduledCheck> {
  /** The probes to poll; codes must be unique. */
  readonly checks: readonly C[]
  /** Makes a check runnable. */
  readonly runner: (check: C) => CheckRunner
  /** Names the poller in its exceptions (`HttpPoller: already started`); default `ScheduledPoller`. */
  readonly name?: string
  /** Times the schedule; default: the system clock. */
  readonly clock?: Clock
  /** Places each check's first run within its first interval (a number in [0, 1)); default `Math.random`. */
  readonly random?: () => number
  /** Runs going on at once over all checks; default 32. */
  readonly maxInFlight?: number
  /** Default: silent. Results at debug, health changes at info, skipped runs at warn, failed `record` calls at error. */
  readonly logger?: LogSink
  /** Called as each run starts. */
  readonly onRunStart?: (run: RunStart) => void
}

/**
 * The engine of the core's `Poller` port for checks that run on a schedule: it runs each check on
 * its own schedule through its {@link CheckRunner}, passes the verdict through the check's
 * thresholds (`stepThreshold`) and hands every result to `record` as a sample of the check's
 * probe, with the check's `staleIncidentAfterMs`.
 *
 * Scheduling: a check's first run falls at a random point of its first interval, then every
 * interval on that grid (measured from the schedule, not from when a run ends, so slow checks
 * do not drift). A check never has two runs at once: when a run is due while the previous one is
 * still going (queued for a slot, or its `record` still pending), that run is **skipped**, and the
 * first sample recorded after says so (`…; 1 run skipped, the check was still busy`). Runs the
 * process was too late for (a blocked event loop, a suspended machine) are not made up for.
 * At most `maxInFlight` runs go on at once overall, and one per {@link CheckRunner.slotKey}.
 */
export class ScheduledPoller<C extends ScheduledCheck> implements Poller {
  #entries: Map<string, Entry<C>>
  readonly #name: string
  readonly #runner: (check: C) => CheckRunner
  readonly #clock: Clock
  readonly #random: () => number
  readonly #logger: LogSink
  readonly #limiter: InFlightLimiter
  readonly #onRunStart: ((run: RunStart) => void) | undefined
  /** Runs not settled yet, of current and retired entries: `stop()` awaits them. */
  readonly #runs = new Set<Promise<void>>()
  #record: ((sample: PolledSample) => Promise<void>) | undefined

  constructor(options: ScheduledPollerOptions<C>) {
    this.#name = options.name ?? 'ScheduledPoller'
    this.#runner = options.runner
    this.#clock = options.clock ?? new SystemClock()
    this.#random = options.random ?? Math.random
    this.#logger = options.logger ?? SILENT_LOG
    this.#limiter = new InFlightLimiter(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)
    this.#onRunStart = options.onRunStart
    this.#entries = new Map(this.#unique(options.checks).map((check) => [check.code, this.#createEntry(check)]))
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
    if (this.#record !== undefined) throw new Error(`${this.#name}: already started`)
    this.#record = record
    const now = this.#now()
    for (const entry of this.#entries.values())
      this.#schedule(entry, firstRunAt(now, entry.check.intervalMs, this.#random))
  }

  /**
   * Stops polling: clears every timer, aborts the runs in flight (they record nothing) and waits
   * for them to settle (a `record` already called is awaited), then closes the runners. Threshold
   * states are kept: a later {@link start} goes on from them.
   */
  async stop(): Promise<void> {
    this.#record = undefined
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.timer)
      entry.timer = undefined
      entry.controller?.abort()
    }
    while (this.#runs.size > 0) await Promise.allSettled([...this.#runs])
    for (const entry of this.#entries.values()) entry.runner.close()
  }

  /** One source per probe, in the order of the checks. */
  sources(): readonly PolledSource[] {
    return [...this.#entries.values()].map((entry) => ({ code: entry.check.code, source: entry.runner.source }))
  }

  /**
   * Replaces the checks without a restart (the daemon calls it on SIGHUP with the reloaded
   * config's checks). A check deeply equal to the current one of its code keeps its schedule, its
   * threshold counts and its runner. A removed check's timer is cleared and its run in flight
   * aborted (nothing recorded). A new or changed check starts afresh, its first run within its
   * first interval. Works whether or not the poller is started.
   *
   * @throws TypeError when two checks share a code (nothing is changed then).
   */
  update(checks: readonly C[]): PollerUpdate {
    const wanted = this.#unique(checks)
    const now = this.#now()
    const next = new Map<string, Entry<C>>()
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
      const entry = this.#createEntry(check)
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

  #unique(checks: readonly C[]): readonly C[] {
    const codes = new Set<string>()
    for (const check of checks) {
      if (codes.has(check.code)) throw new TypeError(`${this.#name}: two checks feed the probe "${check.code}"`)
      codes.add(check.code)
    }
    return checks
  }

  #createEntry(check: C): Entry<C> {
    return {
      check,
      key: checkKey(check),
      runner: this.#runner(check),
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

  #now(): number {
    return this.#clock.now().getTime()
  }

  #schedule(entry: Entry<C>, at: number): void {
    entry.nextAt = at
    const delay = Math.min(Math.max(0, at - this.#now()), MAX_TIMER_MS)
    entry.timer = setTimeout(() => this.#due(entry), delay)
  }

  #due(entry: Entry<C>): void {
    entry.timer = undefined
    if (this.#record === undefined || entry.retired) return
    const now = this.#now()
    // An interval longer than Node's longest timer is reached in several hops.
    if (entry.nextAt - now > MAX_TIMER_MS / 2) {
      this.#schedule(entry, entry.nextAt)
      return
    }

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

  async #execute(entry: Entry<C>, due: number, record: (sample: PolledSample) => Promise<void>): Promise<void> {
    const { check, runner } = entry
    const controller = new AbortController()
    entry.controller = controller
    try {
      const release = await this.#limiter.acquire(runner.slotKey, controller.signal)
      if (release === undefined) return
      let evaluation: Awaited<ReturnType<typeof runner.run>>
      try {
        this.#onRunStart?.({ code: check.code, scheduledAt: due, lateMs: this.#now() - due })
        evaluation = await runner.run(controller.signal)
      } finally {
        release()
      }
      if (evaluation === undefined || controller.signal.aborted) return

      const step = stepThreshold(entry.threshold, evaluation, check)
      entry.threshold = step.state
      const skipped = entry.skipped
      entry.skipped = 0
      const note = skipped === 0 ? '' : `; ${skipped} run${skipped === 1 ? '' : 's'} skipped, the check was still busy`
      const comment = clipBytes(step.comment + note, MAX_COMMENT_BYTES)
      this.#log(entry, step.health, comment)
      try {
        const detail = evaluation.detail === undefined ? {} : { detail: clipBytes(evaluation.detail, MAX_DETAIL_BYTES) }
        await record({
          code: check.code,
          health: step.health,
          comment,
          ...detail,
          staleIncidentAfter: check.staleIncidentAfterMs,
        })
      } catch (error) {
        this.#logger.error(`check ${check.code}: cannot record the sample: ${errorMessage(error)}`)
      }
    } catch (error) {
      // A bug (or a runner that threw): say so, and keep the schedule going.
      this.#logger.error(
        `check ${check.code}: run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      )
    } finally {
      if (entry.controller === controller) entry.controller = undefined
    }
  }

  #log(entry: Entry<C>, health: Health, comment: string): void {
    const line = `check ${entry.check.code} (${entry.runner.source}): ${health}, ${comment}`
    if (entry.lastHealth !== undefined && entry.lastHealth !== health) this.#logger.info(line)
    else this.#logger.debug(line)
    entry.lastHealth = health
  }

  /** Ends an entry that `update` dropped or replaced: no more runs, its run aborted, its runner closed once it settles. */
  #retire(entry: Entry<C>): void {
    entry.retired = true
    clearTimeout(entry.timer)
    entry.timer = undefined
    entry.controller?.abort()
    if (entry.run === undefined) entry.runner.close()
    else void entry.run.finally(() => entry.runner.close())
  }
}

/**
 * Clips `text` to at most `max` UTF-8 bytes, with `…` at the end when it was longer (never
 * splitting a character).
 */
export function clipBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text
  let out = ''
  for (const char of text) {
    if (Buffer.byteLength(`${out}${char}…`) > max) break
    out += char
  }
  return `${out}…`
}

// --- internal ---

/** The default bound of runs in flight over all checks. */
const DEFAULT_MAX_IN_FLIGHT = 32
/** The longest timer Node can arm (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1
/** The core accepts comments of at most 250 bytes. */
const MAX_COMMENT_BYTES = 250
/** A detail is kept to a few KiB: the start of a plugin's long output. */
const MAX_DETAIL_BYTES = 4096

interface Entry<C extends ScheduledCheck> {
  readonly check: C
  /** The check's canonical form: `update` compares it. */
  readonly key: string
  readonly runner: CheckRunner
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

/** JSON with sorted keys, so that equal checks built in any key order compare equal. */
function checkKey(check: ScheduledCheck): string {
  return JSON.stringify(check, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  )
}
