import { spawn, type ChildProcess } from 'node:child_process'
import { formatHumanDuration, SILENT_LOG, type Delivery, type DeliveryOutcome, type LogSink } from '@timon/core'
import { buildPayload, defaultHostname, ConfiguredNotifier } from '@timon/notify-webhook'
import type { CommandConfig } from './command-config.js'

/** Options of a {@link CommandNotifier}. */
export interface CommandNotifierOptions {
  /** The commands, in config order (from `parseCommands`). */
  readonly commands: readonly CommandConfig[]
  /** `_hostname` of the payloads; default: the OS hostname, else `localhost`. */
  readonly hostname?: string
  /** The environment the commands inherit (before the `TIMON_*` variables); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv
  /** Default: silent. Successes are logged at debug, failures at warn. */
  readonly logger?: LogSink
}

/**
 * The command adapter of the core's `Notifier` port: it routes events to the `[[command]]` targets
 * whose `on` matches, and runs the command once per {@link deliver} call. Retries, their spacing
 * and their persistence belong to the core's `Dispatcher` and the outbox; this class never sleeps.
 *
 * A run: the program is started without a shell, in a process group of its own, with the event's
 * payload (the webhook payload, as JSON and a newline) on its stdin, and in its environment
 * `TIMON_EVENT` (`incident.open`…), `TIMON_INCIDENT` (`INC-<id>`, for incident events only) and
 * `TIMON_DELIVERY` (the delivery id, the same on every retry). Its stdout is ignored.
 *
 * Outcomes: exit status 0 is delivered. Any other status, a signal, a program that cannot be
 * started, or a run longer than `timeout` (its whole process group is then killed with SIGKILL) is
 * retried, its error quoting the first 200 bytes of stderr. A run ends when the program has exited
 * and its stderr is closed, so a background child that keeps stderr open holds it until `timeout`.
 */
export class CommandNotifier extends ConfiguredNotifier<CommandConfig> {
  readonly #hostname: string
  readonly #env: NodeJS.ProcessEnv
  readonly #logger: LogSink
  readonly #running = new Set<ChildProcess>()

  constructor(options: CommandNotifierOptions) {
    super(options.commands, (command) => command)
    this.#hostname = options.hostname ?? defaultHostname()
    this.#env = options.env ?? process.env
    this.#logger = options.logger ?? SILENT_LOG
  }

  /** Runs the delivery's command once. It never throws for a failed run: the outcome says what happened. */
  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const command = this.target(delivery.target)
    if (command === undefined) return { ok: false, error: `no command named "${delivery.target}"`, final: true }
    const what = `command "${command.name}": ${delivery.event.name} (delivery ${delivery.deliveryId}, attempt ${delivery.attempts + 1})`
    const incident = delivery.event.incident
    const env: NodeJS.ProcessEnv = {
      ...this.#env,
      TIMON_EVENT: delivery.event.name,
      TIMON_DELIVERY: delivery.deliveryId,
      ...(incident === undefined ? {} : { TIMON_INCIDENT: `INC-${incident.id}` }),
    }
    if (incident === undefined) delete env['TIMON_INCIDENT']
    const input = `${JSON.stringify(buildPayload(delivery.event, this.#hostname))}\n`

    const started = performance.now()
    const outcome = await this.#run(command, env, input)
    const took = `${Math.round(performance.now() - started)}ms`
    if (outcome.ok) this.#logger.debug(`${what} delivered in ${took}`)
    else this.#logger.warn(`${what} failed after ${took}: ${outcome.error}`)
    return outcome
  }

  /** Kills the process groups of the runs in flight (they fail); the notifier must not be used after. */
  close(): void {
    for (const child of this.#running) killGroup(child)
  }

  // --- internal ---

  #run(command: CommandConfig, env: NodeJS.ProcessEnv, input: string): Promise<DeliveryOutcome> {
    const [program, ...args] = command.command
    return new Promise((resolve) => {
      const child = spawn(program, args, { env, stdio: ['pipe', 'ignore', 'pipe'], detached: true })
      this.#running.add(child)
      const stderr = new FirstBytes(QUOTED_BYTES)
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
      let timedOut = false
      let settled = false
      const settle = (outcome: DeliveryOutcome) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.#running.delete(child)
        resolve(outcome)
      }
      const timer = setTimeout(
        () => {
          timedOut = true
          killGroup(child)
          // The program may be gone already while a child of it holds stderr open: that ends it too.
          if (exit !== undefined) settle(describeExit(exit, stderr.text()))
        },
        Math.min(command.timeoutMs, MAX_TIMER_MS),
      )

      child.on('error', (error: NodeJS.ErrnoException) =>
        settle({ ok: false, error: `cannot run ${program}: ${error.message}` }),
      )
      // A program that does not read its stdin closes it: that is not a failure of the run.
      child.stdin?.on('error', () => {})
      child.stderr?.on('data', (chunk: Buffer) => stderr.add(chunk))
      child.on('exit', (code, signal) => {
        exit = { code, signal }
      })
      child.on('close', (code, signal) => {
        if (timedOut)
          settle({
            ok: false,
            error: withStderr(
              `timed out after ${formatHumanDuration(command.timeoutMs)} (process group killed)`,
              stderr.text(),
            ),
          })
        else settle(describeExit(exit ?? { code, signal }, stderr.text()))
      })
      child.stdin?.end(input)
    })
  }
}

// --- internal ---

/** The stderr bytes quoted in an error. */
const QUOTED_BYTES = 200
/** The longest timer Node can arm (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Keeps the first `limit` bytes of a stream; the rest is read and dropped. */
class FirstBytes {
  readonly #chunks: Buffer[] = []
  #size = 0
  constructor(readonly limit: number) {}

  add(chunk: Buffer): void {
    if (this.#size >= this.limit) return
    this.#chunks.push(chunk.subarray(0, this.limit - this.#size))
    this.#size += Math.min(chunk.length, this.limit - this.#size)
  }

  /** The bytes as UTF-8 (a character cut at the limit becomes U+FFFD), whitespace folded. */
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8').replace(/\s+/g, ' ').trim()
  }
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }, stderr: string): DeliveryOutcome {
  if (exit.code === 0) return { ok: true }
  const how = exit.code === null ? `killed by ${exit.signal ?? 'a signal'}` : `exit status ${exit.code}`
  return { ok: false, error: withStderr(how, stderr) }
}

function withStderr(what: string, stderr: string): string {
  return stderr === '' ? what : `${what}: ${stderr}`
}

/** SIGKILL to the child's whole process group (it leads one: `detached`), so its children go too. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // The group is gone already.
  }
}
