import { spawn } from 'node:child_process'
import { errorMessage, formatHumanDuration } from '@timon/core'
import type { CheckRunner, Evaluation } from '@timon/poll-http'
import type { CommandCheck } from './check-config.js'

/** At most this much of a command's output is kept: the first line is the comment, the rest the detail. */
export const MAX_OUTPUT_BYTES = 8 * 1024

/** How a command ended. */
export type CommandExit =
  | { readonly kind: 'exit'; readonly status: number }
  | { readonly kind: 'signal'; readonly signal: string }
  | { readonly kind: 'timeout'; readonly afterMs: number }
  | { readonly kind: 'spawn_error'; readonly message: string }

/**
 * Judges a command as Nagios does with its plugins: exit status 0 passes, 1 passes with a warning,
 * 2 fails (critical), and anything else (3 UNKNOWN, a signal, a timeout, a program that cannot be
 * started) fails too. The reason is the first line of the output without its performance data
 * (what follows `|`), else the way it ended; the other lines are the detail.
 */
export function judgeCommand(exit: CommandExit, output: string): Evaluation {
  const [firstLine = '', ...rest] = output.replace(/\r\n/g, '\n').split('\n')
  const summary = firstLine.split('|')[0]?.trim() ?? ''
  const detail = rest.join('\n').trim()
  const ended = describeExit(exit)
  const reason = summary === '' ? ended : exit.kind === 'exit' && exit.status <= 2 ? summary : `${ended}: ${summary}`
  const verdict =
    exit.kind === 'exit' && exit.status === 0
      ? { ok: true }
      : exit.kind === 'exit' && exit.status === 1
        ? { ok: true, warning: true }
        : { ok: false }
  return { ...verdict, reason, ...(detail === '' ? {} : { detail }) }
}

/** Runs a command check: the program without a shell, in a process group of its own that is killed on timeout or abort. */
export function commandRunner(check: CommandCheck): CheckRunner {
  return {
    source: check.command.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : JSON.stringify(word))).join(' '),
    slotKey: `command:${check.code}`,
    async run(signal) {
      const { exit, output } = await runCommand(check.command, check.timeoutMs, signal)
      return signal.aborted ? undefined : judgeCommand(exit, output)
    },
    close() {},
  }
}

// --- internal ---

function describeExit(exit: CommandExit): string {
  switch (exit.kind) {
    case 'exit':
      return exit.status === 3 ? 'exit status 3 (UNKNOWN)' : `exit status ${exit.status}`
    case 'signal':
      return `killed by ${exit.signal}`
    case 'timeout':
      return `timeout after ${formatHumanDuration(exit.afterMs)}`
    case 'spawn_error':
      return `cannot run the command: ${exit.message}`
  }
}

/**
 * Spawns `command` in a new process group with stdin closed, collects stdout and stderr (capped),
 * and kills the whole group on timeout or abort, so a plugin's children go with it. Settles once
 * the process has exited and its output is closed (or the group is killed).
 */
function runCommand(
  command: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ exit: CommandExit; output: string }> {
  return new Promise((resolve) => {
    const [program = '', ...args] = command
    const chunks: Buffer[] = []
    let bytes = 0
    let exit: CommandExit | undefined
    const child = spawn(program, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    const collect = (chunk: Buffer) => {
      if (bytes >= MAX_OUTPUT_BYTES) return
      chunks.push(chunk.subarray(0, MAX_OUTPUT_BYTES - bytes))
      bytes += chunk.length
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // The group is gone already.
      }
    }
    const finish = (ended: CommandExit) => {
      exit ??= ended
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      killGroup()
      resolve({ exit, output: Buffer.concat(chunks).toString('utf8') })
    }
    const onAbort = () => finish({ kind: 'signal', signal: 'SIGKILL' })
    const timer = setTimeout(() => finish(exit ?? { kind: 'timeout', afterMs: timeoutMs }), timeoutMs)
    signal.addEventListener('abort', onAbort, { once: true })
    child.on('error', (error) => finish({ kind: 'spawn_error', message: errorMessage(error) }))
    child.on('exit', (status, killedBy) => {
      exit = status === null ? { kind: 'signal', signal: killedBy ?? 'a signal' } : { kind: 'exit', status }
    })
    // Output closed: every process holding it is gone (a background child keeping it open is killed at the timeout).
    child.on('close', () => finish(exit ?? { kind: 'exit', status: child.exitCode ?? 3 }))
  })
}
