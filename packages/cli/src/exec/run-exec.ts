/**
 * `timon exec`: runs a command as a run of a job. Loaded on use only (it loads `node:child_process`),
 * so that no other command pays for it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { Readable } from 'node:stream'
import type { StartJobInput } from '@timon/core'
import { errorMessage, goQuote } from '@timon/core/lite'
import type { ClientError, OutputSummary, OutputWriter } from '@timon/client'
import type { Result } from 'neverthrow'
import type { Context } from '../command.js'
import { drained } from '../io.js'
import {
  commandComment,
  exitHealth,
  exitLabel,
  exitStatus,
  formatCommandLine,
  stepDetail,
  type CommandExit,
} from './exec-outcome.js'
import { OutputTail, type TailStream } from './output-tail.js'
import { acquireRunLock, lockDirectory, type LockOutcome } from './run-lock.js'

/** What `timon exec` was asked to do, checked. */
export interface ExecPlan {
  readonly code: string
  /** The command and its arguments, run without a shell. */
  readonly command: readonly [string, ...string[]]
  /** `--comment`; the command line when absent. */
  readonly comment: string | undefined
  /** The run's start: code and rules (the comment comes from `comment`). */
  readonly start: StartJobInput
  /** `--skip-if-running`. */
  readonly skipIfRunning: boolean
  /** `--warning-exit-codes`. */
  readonly warningCodes: ReadonlySet<number>
  /** `--tail-lines`. */
  readonly tailLines: number
}

/** The most a step's detail may hold (the core's `MAX_DETAIL_BYTES`), in UTF-8 bytes. */
export const MAX_DETAIL_BYTES = 16 * 1024

/**
 * After the command exited, how long its output pipes may stay open (held by a process it left
 * running in the background) before `timon exec` stops reading them and ends the run, in ms.
 */
export const PIPE_GRACE_MS = 2000

/**
 * Runs `plan`: registers the run in the job's lock (every exec does; with `--skip-if-running`, a
 * run of the job already going means a skipped run and status 0), starts the run, runs the
 * command with its output streamed to the terminal and to the run's log (opened at the first byte
 * of output), forwards SIGINT, SIGTERM and SIGHUP to it, and ends the run with a step saying how
 * it ended, with the last lines of output as its detail.
 *
 * Fails open: when the daemon cannot be reached or refuses, the command runs all the same and one
 * warning line goes to stderr. So when the lock cannot be used (its directory belongs to another
 * user, or is open to others): the command runs, unlocked, with one warning line, and the run
 * records it in a warning step (`run lock unavailable`), so that it shows in `show` and `status`.
 *
 * @returns the command's exit status (128 + the signal's number when a signal killed it).
 */
export async function runExec(ctx: Context, plan: ExecPlan): Promise<number> {
  const warn = warnOnce(ctx)
  const locked = lockRun(ctx, plan)
  if (locked.kind === 'held') {
    const comment = `skipped: the previous run (pid ${locked.pid}) is still running`
    const skipped = await (await ctx.client()).skipRun({ code: plan.code, comment })
    if (skipped.isErr()) warn(`cannot record the skipped run: ${skipped.error.message}`)
    else if (ctx.verbose) ctx.io.stderr.write(`timon exec: ${plan.code} ${comment}\n`)
    return 0
  }
  if (locked.kind === 'unlocked') ctx.io.stderr.write(`Warning: ${locked.problem}\n`)
  try {
    return await runMonitored(ctx, plan, warn, locked.kind === 'unlocked' ? locked.problem : undefined)
  } finally {
    if (locked.kind === 'acquired') locked.lock.release()
  }
}

// --- internal ---

type Warn = (message: string) => void

/** The run's place in the job's lock: registered, skipped for another run, or not lockable (and why). */
type Locked = LockOutcome | { readonly kind: 'unlocked'; readonly problem: string }

function lockRun(ctx: Context, plan: ExecPlan): Locked {
  const unlocked = (why: string): Locked => ({
    kind: 'unlocked',
    problem:
      `cannot lock the runs of ${plan.code}: ${why} — running the command unlocked` +
      (plan.skipIfRunning
        ? ' (--skip-if-running cannot tell whether another run is going)'
        : ' (a --skip-if-running exec cannot see this run)'),
  })
  const dir = lockDirectory({ env: ctx.io.env })
  if (dir.isErr()) return unlocked(dir.error)
  try {
    return acquireRunLock(plan.code, { dir: dir.value, skipIfRunning: plan.skipIfRunning })
  } catch (error) {
    return unlocked(errorMessage(error))
  }
}

/** The signals passed on to the command. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

async function runMonitored(
  ctx: Context,
  plan: ExecPlan,
  warn: Warn,
  lockProblem: string | undefined,
): Promise<number> {
  const client = await ctx.client()
  // The command starts while the run's start is on its way (a round trip less before it runs);
  // output that comes before the run's uid waits for it.
  const started = client
    .startJob({ ...plan.start, comment: plan.comment ?? commandComment(plan.command) })
    .then(async (result) => {
      if (result.isErr()) warn(`${result.error.message} — running the command without monitoring`)
      const run = result.isOk() ? result.value.run : undefined
      if (run !== undefined && lockProblem !== undefined) {
        const recorded = await client.pushStep({
          code: plan.code,
          uid: run.uid,
          label: 'run lock unavailable',
          health: 'warning',
          detail: lockProblem,
        })
        if (recorded.isErr()) warn(`cannot record that the run is unlocked: ${recorded.error.message}`)
      }
      return run
    })
  const log = new LazyRunLog(async () => {
    const run = await started
    return run === undefined
      ? undefined
      : client.streamOutput(plan.code, run.uid, {
          onError: (error) => warn(`${error.message} — the output is no longer logged`),
        })
  })
  const tail = new OutputTail(plan.tailLines)

  const began = performance.now()
  const ended = await runChild(plan.command, tail, log)
  const took = performance.now() - began
  const run = await started

  const logged = await log.end()
  if (logged?.isErr() === true) warn(`${logged.error.message} — the output is not fully logged`)
  if (run !== undefined) {
    const lines = ended.failure === undefined ? tail.lines() : [...tail.lines(), ended.failure]
    const step = await client.pushStep({
      code: plan.code,
      uid: run.uid,
      label: exitLabel(ended.exit, took),
      health: exitHealth(ended.exit, plan.warningCodes),
      end: true,
      detail: stepDetail(formatCommandLine(plan.command), lines, MAX_DETAIL_BYTES),
      exit: { code: ended.exit.code, signal: ended.exit.signal },
    })
    if (step.isErr()) warn(`cannot end the run: ${step.error.message}`)
  }
  return exitStatus(ended.exit)
}

/** How the child ended; `failure` says why it could not be started. */
interface ChildEnd {
  readonly exit: CommandExit
  readonly failure?: string
}

/** Runs the command with stdin inherited and its output piped to the terminal, the tail and the log. */
function runChild(command: readonly [string, ...string[]], tail: OutputTail, log: LazyRunLog): Promise<ChildEnd> {
  const [file, ...args] = command
  return new Promise((resolve) => {
    let child: ChildProcess
    try {
      child = spawn(file, args, { stdio: ['inherit', 'pipe', 'pipe'] })
    } catch (error) {
      resolve(cannotRun(file, error))
      return
    }
    const handlers = FORWARDED.map((signal) => {
      const handler = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      }
      process.on(signal, handler)
      return [signal, handler] as const
    })
    let grace: NodeJS.Timeout | undefined
    let spawnError: unknown
    // Getters: creating process.stdout costs a command that prints nothing for no use.
    pipeOutput(child.stdout, 'stdout', () => process.stdout, tail, log)
    pipeOutput(child.stderr, 'stderr', () => process.stderr, tail, log)
    child.once('error', (error) => {
      if (child.pid === undefined) spawnError = error
    })
    child.once('exit', () => {
      // A process left in the background may hold the pipes: stop waiting for them after a while.
      grace = setTimeout(() => {
        child.stdout?.destroy()
        child.stderr?.destroy()
      }, PIPE_GRACE_MS)
    })
    child.once('close', (code, signal) => {
      clearTimeout(grace)
      for (const [name, handler] of handlers) process.off(name, handler)
      if (spawnError !== undefined) resolve(cannotRun(file, spawnError))
      else resolve({ exit: { code: code ?? null, signal: signal ?? null } })
    })
  })
}

/**
 * Copies `source` (the child's stdout or stderr) to `terminal`, the tail and the log, pausing it
 * while the terminal or the log is behind. A terminal that goes away (`timon exec … | head`)
 * closes the pipe, so the command sees it gone as it would without Timon.
 */
function pipeOutput(
  source: Readable | null,
  stream: TailStream,
  output: () => NodeJS.WriteStream,
  tail: OutputTail,
  log: LazyRunLog,
): void {
  if (source === null) return
  let open = true
  let terminal: NodeJS.WriteStream | undefined
  const onError = (error: NodeJS.ErrnoException) => {
    open = false
    if (error.code === 'EPIPE') source.destroy()
  }
  source.on('data', (chunk: Buffer) => {
    if (terminal === undefined) {
      terminal = output()
      // Kept for the life of the process: an EPIPE may be reported after the source has closed.
      terminal.on('error', onError)
    }
    const waits: Promise<void>[] = []
    if (open && !terminal.write(chunk)) waits.push(drained(terminal))
    tail.push(stream, chunk)
    const logging = log.write(stream, chunk)
    if (logging !== undefined) waits.push(logging)
    if (waits.length > 0) {
      source.pause()
      void Promise.all(waits).then(() => source.resume())
    }
  })
}

/**
 * The run's output stream, opened at the first byte of output (a command that prints nothing
 * costs no stream, and no log). Writes keep their order across both streams.
 */
class LazyRunLog {
  readonly #open: () => Promise<OutputWriter | undefined>
  #opening: Promise<OutputWriter | undefined> | undefined
  #writer: OutputWriter | undefined
  #none = false

  /** @param open opens the stream; `undefined` when there is no run to log to. */
  constructor(open: () => Promise<OutputWriter | undefined>) {
    this.#open = open
  }

  /** Sends a chunk; returns a promise to wait for before sending more, when the stream is behind or opening. */
  write(stream: TailStream, chunk: Buffer): Promise<void> | undefined {
    if (this.#writer !== undefined) return this.#writer.write(stream, chunk) ? undefined : this.#writer.drained()
    if (this.#none) return undefined
    this.#opening ??= this.#open().then(
      (writer) => {
        this.#writer = writer
        this.#none = writer === undefined
        return writer
      },
      () => {
        this.#none = true
        return undefined
      },
    )
    return this.#opening.then((writer) =>
      writer === undefined || writer.write(stream, chunk) ? undefined : writer.drained(),
    )
  }

  /** Ends the stream (if it was opened) and waits for the daemon's answer. */
  async end(): Promise<Result<OutputSummary, ClientError> | undefined> {
    const writer = await this.#opening
    return writer?.end()
  }
}

function cannotRun(file: string, error: unknown): ChildEnd {
  const code = (error as NodeJS.ErrnoException).code
  const reason = code === 'ENOENT' ? 'command not found' : code === 'EACCES' ? 'permission denied' : errorMessage(error)
  const failure = `timon exec: cannot run ${goQuote(file)}: ${reason}`
  process.stderr.write(`${failure}\n`)
  // As shells report it: 127 for a command not found, 126 for one that cannot be executed.
  return { exit: { code: code === 'ENOENT' ? 127 : 126, signal: null }, failure }
}

/** Writes the first warning only: `timon exec` says at most once that monitoring is impaired. */
function warnOnce(ctx: Context): Warn {
  let warned = false
  return (message) => {
    if (warned) return
    warned = true
    ctx.io.stderr.write(`Warning: ${message}\n`)
  }
}
