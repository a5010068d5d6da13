import type { IncidentChanges, Monitor, Run } from '@timon/core'
import type { Result } from 'neverthrow'

/** What {@link observeMonitor} reports. */
export interface MonitorObserver {
  /** An accepted report: a probe sample, or a job's start, step, end or skip. */
  readonly pushed: (kind: 'probe' | 'job') => void
  /** A run of the job `code` ended (or was recorded as skipped). */
  readonly runEnded: (code: string, run: Run) => void
  /**
   * Something the dashboard shows changed: a report, an incident, a stale flag, a deletion.
   * `deliveries` is true when incidents opened, recovered, relapsed, were resolved or annotated;
   * `codes` names the probes/jobs a report changed (besides incidents), absent when anything may have.
   */
  readonly changed: (change: { readonly deliveries: boolean; readonly codes?: readonly string[] }) => void
}

/**
 * Makes the daemon's Monitor report every change it makes, whoever asked for it (the API routes,
 * ping URLs, pollers, the scheduler's checks, the dashboard's own actions): its mutating methods are
 * wrapped on this instance; what they answer is unchanged.
 */
export function observeMonitor(monitor: Monitor, observer: MonitorObserver): void {
  const {
    pushProbe,
    startJob,
    pushStep,
    endJob,
    skipRun,
    resolve,
    annotate,
    openIncident,
    check,
    delete: remove,
    truncate,
  } = ownMethods(monitor)
  const incidents = (changes: IncidentChanges) =>
    changes.opened.length + changes.recovered.length + changes.relapsed.length > 0
  const report = (kind: 'probe' | 'job', code: string) => (changes: IncidentChanges) => {
    observer.pushed(kind)
    observer.changed({ deliveries: incidents(changes), codes: [code] })
  }
  const ended = (code: string) => (changes: IncidentChanges & { readonly run: Run }) => {
    report('job', code)(changes)
    observer.runEnded(code, changes.run)
  }
  monitor.pushProbe = async (input) => tap(await pushProbe(input), report('probe', input.code))
  monitor.startJob = async (input) => tap(await startJob(input), report('job', input.code))
  monitor.pushStep = async (input) => tap(await pushStep(input), report('job', input.code))
  monitor.endJob = async (input) => tap(await endJob(input), ended(input.code))
  monitor.skipRun = async (input) => tap(await skipRun(input), ended(input.code))
  monitor.resolve = async (input) => tap(await resolve(input), () => observer.changed({ deliveries: true }))
  monitor.annotate = async (input) => tap(await annotate(input), () => observer.changed({ deliveries: true }))
  monitor.openIncident = async (input) => tap(await openIncident(input), () => observer.changed({ deliveries: true }))
  monitor.check = async () =>
    tap(await check(), (value) => {
      // Incidents of deadlines name no code here: the whole page then.
      if (incidents(value)) observer.changed({ deliveries: true })
      else if (value.markedStale.length > 0) observer.changed({ deliveries: false, codes: value.markedStale })
    })
  monitor.delete = async (target, options) =>
    tap(await remove(target, options), () => observer.changed({ deliveries: false }))
  monitor.truncate = async (input) => tap(await truncate(input), () => observer.changed({ deliveries: false }))
}

// --- internal ---

/** The instance's own methods, bound, before they are wrapped. */
function ownMethods(monitor: Monitor) {
  return {
    pushProbe: monitor.pushProbe.bind(monitor),
    startJob: monitor.startJob.bind(monitor),
    pushStep: monitor.pushStep.bind(monitor),
    endJob: monitor.endJob.bind(monitor),
    skipRun: monitor.skipRun.bind(monitor),
    resolve: monitor.resolve.bind(monitor),
    annotate: monitor.annotate.bind(monitor),
    openIncident: monitor.openIncident.bind(monitor),
    check: monitor.check.bind(monitor),
    delete: monitor.delete.bind(monitor),
    truncate: monitor.truncate.bind(monitor),
  }
}

/** Calls `then` with a success's value; returns the result as it was. */
function tap<T, E>(result: Result<T, E>, then: (value: T) => void): Result<T, E> {
  if (result.isOk()) then(result.value)
  return result
}
