import type { CliClient } from './client.js'

/** A stream the CLI writes to. */
export interface Output {
  write(text: string): void
  /**
   * Writes raw bytes (`timon logs`) and resolves once the stream can take more (back-pressure):
   * `true`, or `false` when the stream is closed (a reader such as `head` went away). Fakes may
   * leave it out: the bytes are then written as UTF-8 text.
   */
  writeBytes?(bytes: Uint8Array): Promise<boolean>
  /** Whether the stream is a terminal (colours, prompts). */
  readonly isTTY?: boolean
}

/**
 * Everything a command touches outside itself, so that tests can run commands in-process with
 * fakes: the three standard streams, the environment, the clock and the daemon's client.
 */
export interface CliIo {
  readonly stdout: Output
  readonly stderr: Output
  readonly stdin: {
    /** Whether standard input is a terminal: `delete` asks for confirmation only then. */
    readonly isTTY?: boolean
    /** Writes `prompt` to stderr and reads one line; `undefined` at end of input. */
    question(prompt: string): Promise<string | undefined>
  }
  readonly env: Readonly<Record<string, string | undefined>>
  /** "Now", for every "… ago". */
  now(): Date
  /** A client of the daemon; called at most once per command, only by commands that need it. */
  connect(): Promise<CliClient>
}

/**
 * The real process: its streams, `process.env`, the system clock and the socket client.
 * `process.stdout` and `process.stderr` are touched only when used (creating them costs a
 * push, which prints nothing, a noticeable part of its start-up).
 */
export function processIo(): CliIo {
  return {
    stdout: lazyOutput(() => process.stdout),
    stderr: lazyOutput(() => process.stderr),
    stdin: {
      get isTTY() {
        return process.stdin.isTTY === true
      },
      question,
    },
    env: process.env,
    now: () => new Date(),
    connect: async () =>
      (await import('./client.js')).connectClient(process.env, (line) => process.stderr.write(`${line}\n`)),
  }
}

// --- internal ---

function lazyOutput(stream: () => NodeJS.WriteStream): Output {
  let guarded = false
  let closed = false
  const target = () => {
    const found = stream()
    if (!guarded) {
      guarded = true
      // `timon status | head -1` closes the pipe early: that is not an error of ours.
      found.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error
        closed = true
      })
    }
    return found
  }
  return {
    write(text) {
      target().write(text)
    },
    async writeBytes(bytes) {
      const out = target()
      if (closed) return false
      if (!out.write(bytes)) await drained(out)
      return !closed
    },
    get isTTY() {
      return stream().isTTY === true
    },
  }
}

async function question(prompt: string): Promise<string | undefined> {
  return (await import('./prompt.js')).question(prompt)
}

/** Resolves when `stream` can take more (drain), or will not take any more (close, error). */
export function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', done)
      stream.off('error', done)
      resolve()
    }
    stream.once('drain', done)
    stream.once('close', done)
    stream.once('error', done)
  })
}
