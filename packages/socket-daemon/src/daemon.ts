import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { ensurePrivateDirectory, snakeCase } from '@timon/client'
import {
  Dispatcher,
  Monitor,
  SystemClock,
  TokenService,
  errorMessage,
  type Clock,
  type PolledSample,
} from '@timon/core'
import { packageVersion } from '@timon/http-common'
import { HttpPoller, type PollerUpdate } from '@timon/poll-http'
import { SystemPoller } from '@timon/poll-system'
import type { DaemonConfig } from './config/config.js'
import { DaemonStartError } from './daemon-start-error.js'
import { countingNotifier } from './dashboard/counting-notifier.js'
import { createDaemonDashboard, socketMount } from './dashboard/mount.js'
import { observeMonitor } from './dashboard/observe-monitor.js'
import { startTcpListeners, type TcpListener } from './http/tcp-listeners.js'
import { probeSocket } from './instance-check.js'
import { Liveness } from './liveness.js'
import { unsafeLogDirectory } from './run-logs/safe-paths.js'
import { TargetNotifier, type NotifierTables, type TargetsUpdate } from './notify/target-notifier.js'
import { PluginHost, PluginLoadError, composeNotifiers, type PluginsUpdate } from './plugins/index.js'
import { RunLogStore } from './run-logs/store.js'
import { silentLogger, type Logger } from './logger.js'
import { Scheduler } from './scheduler.js'

export { DaemonStartError }
import { ApiServer } from './server.js'
import { openStore, StoreOpenError } from './store-factory.js'

/** Options of {@link startDaemon}. */
export interface StartDaemonOptions {
  readonly config: DaemonConfig
  /** The clock of the Monitor and the Dispatcher; default: the system clock. */
  readonly clock?: Clock
  /** Default: silent. */
  readonly log?: Logger
  /** Reported by `GET /healthz` and in `User-Agent` of webhooks; default: this package's version. */
  readonly version?: string
}

/** What {@link RunningDaemon.reload} changed. */
export interface DaemonReload extends PollerUpdate {
  readonly targets: TargetsUpdate
  readonly plugins: PluginsUpdate
}

/** A daemon serving on its socket. */
export interface RunningDaemon {
  /** The socket it listens on. */
  readonly socketPath: string
  /** Its database: the SQLite file, or the PostgreSQL URL with the password masked. */
  readonly databasePath: string
  /** `[daemon] name`. */
  readonly name: string
  readonly monitor: Monitor
  readonly scheduler: Scheduler
  /** The API tokens of the TCP listeners. */
  readonly tokens: TokenService
  /** The TCP listeners (`[http] listen`), with the ports they bound. */
  readonly listeners: readonly TcpListener[]
  /**
   * Applies a re-read configuration without a restart (what `timon daemon` does on SIGHUP): checks
   * of every type are added, removed or changed (unchanged ones keep their schedule and thresholds);
   * the notifier tables (webhooks, emails, commands) and `[notify] test_target` are replaced (pending
   * deliveries of targets still named go on; those of a removed target fail, saying so); plugins
   * are added, rebuilt (another table, or their module file changed) or stopped (see `PluginHost`);
   * maintenance windows are replaced; and the change is logged. Other settings need a restart.
   * Reloads run one at a time, in the order called.
   */
  reload(config: DaemonConfig): Promise<DaemonReload>
  /**
   * Stops gracefully: stops accepting connections, lets requests in flight finish, stops the
   * scheduler and waits for the webhook attempts in flight, closes the store, removes the socket.
   * Calling it again returns the same promise.
   */
  stop(): Promise<void>
}

/**
 * Starts the daemon:
 * 1. for the default socket in Timon's own directory (`/run/timon`, `/tmp/timon-<uid>`), creates
 *    that directory for this user alone, or refuses one that another user owns or opened to others;
 *    refuses when a daemon already answers on the socket, before touching the database; removes a
 *    stale socket file nobody listens on;
 * 2. creates `data_dir` (0750) and opens the store (`openStore`: `<data_dir>/timon.db`, or
 *    PostgreSQL with `[store] url`), then beats its heartbeat there (`Liveness`);
 * 3. loads the `[[plugin]]` modules (`PluginHost`), builds the Monitor (the webhook, email, command and plugin
 *    targets as its notification router), the Dispatcher, the scheduler and the pollers (checks,
 *    plugins'); logs the test target when `[notify] test_target` is set;
 * 4. listens on the socket with mode `socket_mode` (0600 by default) and group `socket_group`;
 * 5. queues `timon.started` and starts the scheduler (deadlines missed while down fire now,
 *    pending deliveries go out), and logs `daemon started on unix socket <path>`.
 *
 * It installs no signal handler and never exits the process: the caller owns the process
 * (`timon daemon` stops it on SIGTERM/SIGINT and reloads it on SIGHUP).
 *
 * @throws DaemonStartError for the expected refusals (another daemon, an unknown group, a data_dir
 *   that cannot be created, a socket path in use, a plugin that cannot be loaded); anything else is a bug or a broken environment.
 */
export async function startDaemon(options: StartDaemonOptions): Promise<RunningDaemon> {
  const { config } = options
  const log = options.log ?? silentLogger
  const clock = options.clock ?? new SystemClock()
  const version = options.version ?? packageVersion(import.meta.url)
  const socketPath = config.socket

  if (config.socketDirectory !== undefined) {
    // The default socket's own directory (`/run/timon`, `/tmp/timon-<uid>`): created for this user
    // alone, or refused when another user prepared it (they could squat the socket).
    const unsafe = ensurePrivateDirectory(config.socketDirectory)
    if (unsafe !== undefined) throw new DaemonStartError(`cannot use the default socket ${socketPath}: ${unsafe}`)
  }
  await claimSocketPath(socketPath, log)
  let plugins: PluginHost
  try {
    plugins = await PluginHost.load(config.plugins, { log, clock, checkCodes: polledByChecks(config) })
  } catch (error) {
    if (error instanceof PluginLoadError) throw new DaemonStartError(error.message, { cause: error })
    throw error
  }
  const gid = config.socketGroup === undefined ? undefined : resolveGroup(config.socketGroup)

  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o750 })
  } catch (error) {
    throw new DaemonStartError(`cannot create data_dir "${config.dataDir}": ${errorMessage(error)}`, { cause: error })
  }
  try {
    mkdirSync(config.exec.logDir, { recursive: true, mode: 0o750 })
  } catch (error) {
    throw new DaemonStartError(
      `cannot create the run log directory "${config.exec.logDir}" ([exec] log_dir): ${errorMessage(error)}`,
      { cause: error },
    )
  }
  const unsafeLogDir = unsafeLogDirectory(config.exec.logDir)
  if (unsafeLogDir !== undefined)
    throw new DaemonStartError(
      `refusing the run log directory "${config.exec.logDir}" ([exec] log_dir): ${unsafeLogDir}`,
    )
  const runLogs = new RunLogStore({
    dir: config.exec.logDir,
    maxBytes: config.exec.maxLogBytes,
    maxFollowers: config.exec.maxFollowers,
    log,
  })
  let opened: Awaited<ReturnType<typeof openStore>>
  try {
    opened = await openStore(config.store)
  } catch (error) {
    if (error instanceof StoreOpenError) throw new DaemonStartError(error.message, { cause: error })
    throw error
  }
  const { store, description: databasePath } = opened
  const { leaseMs } = config.store
  const targets = new TargetNotifier(notifierTables(config), { hostname: config.hostname, version, logger: log, clock })
  const notifier = composeNotifiers([targets, plugins])
  // Validation errors name the wire's keys: the routes hand their input to the Monitor unvalidated.
  const monitor = new Monitor({
    store,
    clock,
    notifications: notifier,
    fieldName: snakeCase,
    maxPushAgeMs: config.maxPushAgeMs,
    timezone: config.timezone,
    maintenance: config.maintenance,
  })
  // The owner of this process's delivery claims: a restarted daemon of the same name does not take
  // its predecessor's claims for its own (they run out after the lease).
  const tokens = new TokenService({
    store,
    clock,
    sha256Hex: (secret) => createHash('sha256').update(secret).digest('hex'),
  })
  const dashboard = createDaemonDashboard({ monitor, tokens, runLogs, http: config.http, clock, log })
  const owner = `${config.name}/${randomBytes(4).toString('hex')}`
  // A retry moves the outbox's next due time: the scheduler re-reads it.
  const dispatcher = new Dispatcher({
    store,
    notifier: countingNotifier(notifier, (target, ok) => dashboard.metrics.countDelivery(target, ok)),
    clock,
    log,
    owner,
    leaseMs,
    onRetryAt: () => scheduler.rearm(),
  })
  const scheduler = new Scheduler({
    monitor,
    dispatcher,
    clock,
    log,
    pingIntervalMs: config.pingIntervalMs,
    daemonName: config.name,
    // Another daemon's claims run out unannounced: look at least once a lease.
    ...(opened.shared ? { safetyIntervalMs: leaseMs } : {}),
  })
  const liveness = new Liveness({
    store,
    beat: { name: config.name, startedAt: clock.now(), version },
    clock,
    log,
    leaseMs,
  })
  const poller = new HttpPoller({ checks: config.checks, clock, logger: log })
  const systemPoller = new SystemPoller({ checks: config.systemChecks, clock, logger: log })
  const pollers = [poller, systemPoller, plugins]
  // Every change, whoever makes it, reaches open pages and the counters of /metrics.
  observeMonitor(monitor, {
    pushed: (kind) => dashboard.metrics.countPush(kind),
    runEnded: (code, run) => {
      dashboard.metrics.countRun(run.health)
      if (!run.skipped && run.endedAt !== null)
        dashboard.metrics.observeRunDuration(code, (run.endedAt.getTime() - run.startedAt.getTime()) / 1000)
    },
    changed: ({ deliveries, codes }) => {
      dashboard.notifyChange(codes)
      // The dashboard's own actions (resolve, annotate) queue deliveries no route re-arms for.
      if (deliveries) scheduler.rearm({ deliveries })
    },
  })
  const context = {
    monitor,
    version,
    polled: () => pollers.flatMap((each) => each.sources()),
    runLogs,
    tokens,
    daemons: () => liveness.daemons(),
    storeHealth: async () => (await store.health?.()) ?? { ok: true as const },
    notifyTest: (target: string | undefined) => targets.test(target),
  }
  const onChange = (change: { readonly deliveries: boolean }) => scheduler.rearm(change)
  const server = new ApiServer({
    context,
    log,
    onChange,
    maxConnections: config.http.maxConnections,
    mount: socketMount(dashboard),
  })
  let listeners: TcpListener[] = []

  let socketIno: number | undefined
  try {
    await server.listen(socketPath, config.socketMode, gid).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        throw new DaemonStartError(`another Timon daemon is already running on ${socketPath}`, { cause: error })
      throw new DaemonStartError(`cannot listen on ${socketPath}: ${error.message}`, { cause: error })
    })
    socketIno = statSync(socketPath).ino
    listeners = await startTcpListeners({ http: config.http, context, log, onChange, dashboard })
    liveness.start()
    await monitor.emit('timon.started', { daemon: config.name })
  } catch (error) {
    dashboard.close()
    await Promise.all(listeners.map((listener) => listener.server.close().catch(() => undefined)))
    await liveness.stop()
    await server.close().catch(() => undefined)
    targets.close()
    await store.close()
    throw error
  }
  scheduler.start()
  // Each polled result is a probe sample like a pushed one (its detail kept): rules, incidents and webhooks apply.
  const record = async (sample: PolledSample) => {
    const pushed = await monitor.pushProbe(sample)
    if (pushed.isErr()) throw new Error(pushed.error.message)
    const { opened, recovered, relapsed } = pushed.value
    scheduler.rearm({ deliveries: opened.length + recovered.length + relapsed.length > 0 })
  }
  for (const each of pollers) each.start(record)
  log.info(`daemon started on unix socket ${socketPath} (name ${config.name}, database ${databasePath})`)
  logTestTarget(targets.testTarget, log)
  log.debug(
    `${config.webhooks.length} webhook(s), ${config.emails.length} email(s), ${config.commands.length} command(s), ${config.plugins.length} plugin(s), ping ${config.pingIntervalMs === undefined ? 'off' : `every ${config.pingIntervalMs}ms`}`,
  )

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      dashboard.close() // ends the open event streams, so the servers can close
      await Promise.all([server.close(), ...listeners.map((listener) => listener.server.close())])
      await runLogs.close()
      await reloading // a reload going on would start pollers after they stopped
      for (const each of pollers) await each.stop()
      await scheduler.stop()
      await liveness.stop()
      targets.close()
      await store.close()
      await removeOwnSocket(socketPath, socketIno)
      log.info('daemon stopped')
    })()
    return stopping
  }
  const applyReload = async (next: DaemonConfig): Promise<DaemonReload> => {
    const http = poller.update(next.checks)
    const system = systemPoller.update(next.systemChecks)
    const changedTargets = targets.update(notifierTables(next))
    monitor.setMaintenance(next.maintenance)
    const changedPlugins = await plugins.reload(next.plugins, polledByChecks(next))
    const update: PollerUpdate = {
      added: [...http.added, ...system.added],
      removed: [...http.removed, ...system.removed],
      changed: [...http.changed, ...system.changed],
      unchanged: http.unchanged + system.unchanged,
    }
    log.info(
      `configuration reloaded: checks ${update.added.length} added, ${update.removed.length} removed, ${update.changed.length} changed, ${update.unchanged} unchanged; ` +
        `notifier targets ${describeNames(changedTargets.added)} added, ${describeNames(changedTargets.removed)} removed, ${changedTargets.kept} kept; ` +
        `plugins ${describeNames(changedPlugins.added)} added, ${describeNames(changedPlugins.removed)} removed, ${describeNames(changedPlugins.changed)} rebuilt, ${changedPlugins.kept} kept` +
        `${changedPlugins.failed.length === 0 ? '' : `, ${describeNames(changedPlugins.failed)} failed to load`}; ` +
        `maintenance windows ${next.maintenance.length} (other settings apply after a restart)`,
    )
    logTestTarget(targets.testTarget, log)
    // Removed targets' pending deliveries fail now, and a test target applies to what is due.
    scheduler.rearm({ deliveries: true })
    return { ...update, targets: changedTargets, plugins: changedPlugins }
  }
  // One reload at a time: a second SIGHUP waits for the plugins of the first to load.
  let reloading: Promise<unknown> = Promise.resolve()
  const reload = (next: DaemonConfig): Promise<DaemonReload> => {
    const done = reloading.then(() => applyReload(next))
    reloading = done.catch(() => undefined)
    return done
  }
  return { socketPath, databasePath, name: config.name, monitor, scheduler, tokens, listeners, reload, stop }
}

// --- internal ---

/** The probe codes the config's `[[check]]`s poll (a plugin's checks may not poll them too). */
function polledByChecks(config: Pick<DaemonConfig, 'checks' | 'systemChecks'>): string[] {
  return [...config.checks, ...config.systemChecks].map((check) => check.code)
}

function notifierTables(config: DaemonConfig): NotifierTables {
  return {
    webhooks: config.webhooks,
    emails: config.emails,
    commands: config.commands,
    testTarget: config.notify.testTarget,
  }
}

function logTestTarget(testTarget: string | undefined, log: Logger): void {
  if (testTarget !== undefined)
    log.warn(
      `notification test routing: every notification goes to "${testTarget}" only, marked with the target it was meant for ([notify] test_target / TIMON_NOTIFY_TEST_TARGET)`,
    )
}

/** `2 (a, b)`, or `0`. */
function describeNames(names: readonly string[]): string {
  return names.length === 0 ? '0' : `${names.length} (${names.join(', ')})`
}

/** The single-instance check: refuse a live daemon (or anything unexpected), remove a stale socket. */
async function claimSocketPath(socketPath: string, log: Logger): Promise<void> {
  const state = await probeSocket(socketPath)
  switch (state) {
    case 'absent':
      return
    case 'stale':
      log.info(`removing stale socket ${socketPath}`)
      try {
        unlinkSync(socketPath)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new DaemonStartError(`cannot remove the stale socket ${socketPath}: ${errorMessage(error)}`, {
            cause: error,
          })
        }
      }
      return
    case 'timon':
      throw new DaemonStartError(`another Timon daemon is already running on ${socketPath}`)
    case 'other':
      throw new DaemonStartError(`${socketPath} is in use by another program (it does not answer as a Timon daemon)`)
    case 'not_socket':
      throw new DaemonStartError(`${socketPath} exists and is not a socket; remove it or choose another socket path`)
    case 'no_access':
      throw new DaemonStartError(
        `cannot check ${socketPath}: permission denied (is another user's daemon running there?)`,
      )
  }
}

/** A group name or numeric gid → gid, from `/etc/group`. */
function resolveGroup(group: string): number {
  if (/^[0-9]+$/.test(group)) return Number(group)
  let text: string
  try {
    text = readFileSync('/etc/group', 'utf8')
  } catch (error) {
    throw new DaemonStartError(
      `daemon.socket_group: cannot read /etc/group to find "${group}": ${errorMessage(error)}`,
      { cause: error },
    )
  }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':')
    if (name === group && gid !== undefined && /^[0-9]+$/.test(gid)) return Number(gid)
  }
  throw new DaemonStartError(`daemon.socket_group: unknown group "${group}"`)
}

/** Removes the socket file if it is still the one this daemon created (not a newer daemon's). */
async function removeOwnSocket(socketPath: string, ino: number | undefined): Promise<void> {
  try {
    if (ino !== undefined && statSync(socketPath).ino === ino) await unlink(socketPath)
  } catch {
    // Already gone (the server removes it on close).
  }
}
