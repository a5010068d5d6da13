import { SystemClock, type Clock, type LogSink } from '@timon/core'
import { ScheduledPoller, type CheckRunner, type RunStart } from '@timon/poll-http'
import type { SystemCheck } from './check-config.js'
import { commandRunner } from './command-runner.js'
import { diskRunner, systemRunner } from './resource-runners.js'
import { tcpRunner } from './tcp-runner.js'
import { tlsRunner } from './tls-runner.js'

/** Options of a {@link SystemPoller}. */
export interface SystemPollerOptions {
  /** The checks, from `parseSystemChecks`; codes must be unique. */
  readonly checks: readonly SystemCheck[]
  /** Times the schedule and the certificates' days left; default: the system clock. */
  readonly clock?: Clock
  /** Places each check's first run within its first interval; default `Math.random`. */
  readonly random?: () => number
  /** Runs at once over all checks (commands running, connections open); default 32. */
  readonly maxInFlight?: number
  /** Default: silent. */
  readonly logger?: LogSink
  /** Called as each run starts. */
  readonly onRunStart?: (run: RunStart) => void
}

/**
 * The core's `Poller` port for command, TCP, TLS, disk and system checks: the same engine as
 * HTTP checks (`ScheduledPoller`: schedules with jitter, thresholds, skipped runs, `update` on
 * SIGHUP), with a runner per kind.
 */
export class SystemPoller extends ScheduledPoller<SystemCheck> {
  constructor(options: SystemPollerOptions) {
    const clock = options.clock ?? new SystemClock()
    super({ ...options, clock, name: 'SystemPoller', runner: (check) => runnerFor(check, clock) })
  }
}

// --- internal ---

function runnerFor(check: SystemCheck, clock: Clock): CheckRunner {
  switch (check.type) {
    case 'command':
      return commandRunner(check)
    case 'tcp':
      return tcpRunner(check)
    case 'tls':
      return tlsRunner(check, clock)
    case 'disk':
      return diskRunner(check)
    case 'system':
      return systemRunner(check)
  }
}
