/**
 * `timon daemon`: the process that runs the daemon library (`@timon/socket-daemon`). The library
 * starts, reloads and stops a daemon and never touches the process; this module owns what belongs
 * to the process: the V8 heap settings, the signals (SIGTERM/SIGINT stop, SIGHUP reloads), the
 * handler of unhandled rejections, and the exit status.
 *
 * The daemon's package is loaded with `import()` only (types aside), so that the CLI bundle never
 * holds it (see scripts/bundle.mjs).
 */
import { setFlagsFromString } from 'node:v8'
import { errorMessage } from '@timon/core/lite'
import type { DaemonConfig, Logger, RunningDaemon } from '@timon/socket-daemon'
import { CliError } from '../errors.js'

/** What `timon daemon` was given. */
export interface RunDaemonOptions {
  /** `--config FILE`. */
  readonly configPath?: string | undefined
  /** `-v`: log at debug level whatever the config says. */
  readonly verbose?: boolean
  readonly env: Readonly<Record<string, string | undefined>>
  /** Reported by `GET /healthz` and in the `User-Agent` of webhooks. */
  readonly version: string
  /** Where signals come from (default: the process). */
  readonly signals?: SignalSource
  /**
   * Ends the process at once, for a second SIGTERM/SIGINT while the daemon is stopping (default
   * `process.exit`): the one place the CLI exits the process itself.
   */
  readonly exitNow?: (status: number) => void
  /** Called once the daemon serves (tests). */
  readonly onStarted?: (daemon: RunningDaemon) => void
}

/** The part of `process` that signals come through. */
export interface SignalSource {
  on(event: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: (signal: NodeJS.Signals) => void): unknown
  off(event: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: (signal: NodeJS.Signals) => void): unknown
}

/**
 * Loads the config, starts the daemon and serves until SIGTERM or SIGINT, then stops it
 * gracefully and resolves with 0 (1 when stopping failed). A second SIGTERM/SIGINT ends the
 * process at once with status 1. SIGHUP re-reads the configuration and applies its checks, notifier
 * tables and plugins (a broken one is logged and the running one kept).
 *
 * @throws CliError for a config that does not load, a log file that cannot be opened, or a
 *   daemon that refuses to start, with the message to print after `Error: `.
 */
export async function runDaemon(options: RunDaemonOptions): Promise<number> {
  // Before loading the daemon: its modules' start-up allocations would grow the young generation first.
  limitHeapGrowth()
  const { DaemonStartError, createLogger, loadConfig, startDaemon } = await import('@timon/socket-daemon')
  const load = () => loadConfig({ configPath: options.configPath, env: options.env })
  const config = load()
  if (config.isErr()) throw new CliError(config.error)
  let log: Logger
  try {
    log = createLogger({
      level: options.verbose === true ? 'debug' : config.value.logLevel,
      logDir: config.value.logDir,
    })
  } catch (error) {
    throw new CliError(`cannot open the log file in log_dir "${config.value.logDir ?? ''}": ${errorMessage(error)}`, {
      cause: error,
    })
  }
  if (config.value.path !== undefined) log.debug(`configuration read from ${config.value.path}`)

  let daemon: RunningDaemon
  try {
    daemon = await startDaemon({ config: config.value, log, version: options.version })
  } catch (error) {
    // On stdout the log line would repeat the `Error:` one; a log file keeps its own record.
    if (config.value.logDir !== undefined) {
      if (error instanceof DaemonStartError) log.fatal(error.message)
      else log.fatal('the daemon could not start', error)
    }
    log.close()
    throw new CliError(
      error instanceof DaemonStartError ? error.message : `the daemon could not start: ${errorMessage(error)}`,
      { cause: error },
    )
  }
  options.onStarted?.(daemon)
  return serveUntilStopped(daemon, log, load, options)
}

// --- internal ---

function serveUntilStopped(
  daemon: RunningDaemon,
  log: Logger,
  load: () => ReturnType<typeof import('@timon/socket-daemon').loadConfig>,
  options: RunDaemonOptions,
): Promise<number> {
  const signals = options.signals ?? process
  const exitNow = options.exitNow ?? ((status: number) => process.exit(status))
  return new Promise<number>((resolve) => {
    let stopping = false
    const finish = (status: number) => {
      signals.off('SIGTERM', onStop)
      signals.off('SIGINT', onStop)
      signals.off('SIGHUP', onReload)
      process.off('unhandledRejection', onRejection)
      log.close()
      resolve(status)
    }
    function onStop(signal: NodeJS.Signals): void {
      if (stopping) {
        log.warn(`${signal} received again: exiting without finishing`)
        finish(1)
        exitNow(1)
        return
      }
      stopping = true
      log.info(`${signal} received: stopping`)
      daemon.stop().then(
        () => finish(0),
        (error: unknown) => {
          log.error('stopping failed', error)
          finish(1)
        },
      )
    }
    function onReload(): void {
      const next = load()
      if (next.isErr()) log.error(`SIGHUP received: configuration not reloaded: ${next.error}`)
      else daemon.reload(next.value satisfies DaemonConfig).catch((error: unknown) => log.error('reload failed', error))
    }
    function onRejection(reason: unknown): void {
      log.error('unhandled promise rejection (a bug; the daemon keeps running)', reason)
    }
    signals.on('SIGTERM', onStop)
    signals.on('SIGINT', onStop)
    signals.on('SIGHUP', onReload)
    process.on('unhandledRejection', onRejection)
  })
}

/**
 * Keeps the daemon's memory small under bursts: V8 otherwise grows its young generation to 32 MB
 * and its old space by half again at each step, and gives the memory back only after ~20 s of
 * rest; the live heap itself stays around 16 MB. The heap's size limits are fixed when the process
 * starts (`--max-semi-space-size` set here had no effect: 125 MB after 100,000 pushes), but the
 * growth factors are read at each growth: the young generation keeps its first size (measured:
 * about 95 MB instead of 125, throughput unchanged within noise) — if they are set before the
 * daemon's modules load (set after, 128 MB: loading them had grown it already). A process setting,
 * so the process (this command) sets it, not the daemon library.
 */
function limitHeapGrowth(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
  setFlagsFromString('--heap-growing-percent=30')
}
