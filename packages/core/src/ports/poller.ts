import type { Health } from '../validate.js'

/** One result a poller hands over: recorded as a sample of the probe `code`. */
export interface PolledSample {
  readonly code: string
  readonly health: Health
  /** Why, in a few words (`HTTP 503`, `timeout after 10s`, `database is "failing", expected "ok"`). */
  readonly comment?: string
  /** More than the comment (a command's output after its first line, at most 4 KiB): the sample's detail, and the description of a critical incident it opens. */
  readonly detail?: string
  /** The stale-incident rule of the probe: an incident opens if the poller stops feeding it. */
  readonly staleIncidentAfter?: number
}

/** What a poller watches, for `status`: a probe code and where its samples come from. */
export interface PolledSource {
  readonly code: string
  /** A URL or another description of the source. */
  readonly source: string
}

/**
 * A source of probe samples that runs by itself: an HTTP health check, a TCP connect, a queue
 * depth… The daemon starts it with a `record` callback that pushes each sample through the
 * Monitor, so incidents, webhooks, status and history work as for pushed probes.
 */
export interface Poller {
  /** Starts polling. `record` resolves once the sample is stored; the poller awaits it. */
  start(record: (sample: PolledSample) => Promise<void>): void
  /** Stops polling and waits for the checks in flight to settle. */
  stop(): Promise<void>
  /** The probes this poller feeds, in a stable order. */
  sources(): readonly PolledSource[]
}
