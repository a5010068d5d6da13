/**
 * An in-process stand-in for the process and the daemon: `run(argv, io)` with captured output,
 * a chosen terminal state, scripted answers to prompts and a fake client that records its calls.
 */
import { err, ok, type Result } from 'neverthrow'
import type { ClientError } from '@timon/client'
import type { CliClient } from '../src/client.js'
import type { CliIo } from '../src/io.js'
import { run } from '../src/main.js'
import { NOW } from './fixtures.js'

/** The methods a test's fake client implements: each returns the value to answer with. */
export type FakeMethods = { [K in keyof CliClient]?: (...args: Parameters<NonNullable<CliClient[K]>>) => unknown }

export interface FakeRunOptions {
  /** The fake client's methods; a call to any other method fails the test. */
  readonly client?: FakeMethods
  /** Answers given to the fake client's methods as errors, by method name. */
  readonly errors?: Partial<Record<keyof CliClient, ClientError>>
  readonly stdinIsTTY?: boolean
  readonly stdoutIsTTY?: boolean
  readonly stderrIsTTY?: boolean
  /** The line typed at a prompt (`undefined`: end of input). */
  readonly answer?: string
  readonly env?: Record<string, string | undefined>
}

export interface FakeRunResult {
  readonly status: number
  readonly stdout: string
  readonly stderr: string
  /** The calls the client received: method name and arguments, in order. */
  readonly calls: readonly (readonly [string, ...unknown[]])[]
  /** Whether a client was asked for at all (`false` when client-side checks failed first). */
  readonly connected: boolean
  /** The prompts written. */
  readonly prompts: readonly string[]
  readonly closed: boolean
}

/** Runs `timon <argv>` in-process against fakes. */
export async function runCli(argv: readonly string[], options: FakeRunOptions = {}): Promise<FakeRunResult> {
  let stdout = ''
  let stderr = ''
  let connected = false
  let closed = false
  const calls: [string, ...unknown[]][] = []
  const prompts: string[] = []
  const client = new Proxy({} as CliClient, {
    get(_target, name: string) {
      if (name === 'then') return undefined
      if (name === 'close') return () => void (closed = true)
      return async (...args: unknown[]): Promise<Result<unknown, ClientError>> => {
        calls.push([name, ...args])
        const error = options.errors?.[name as keyof CliClient]
        if (error !== undefined) return err(error)
        const method = options.client?.[name as keyof CliClient] as ((...a: unknown[]) => unknown) | undefined
        if (method === undefined) throw new Error(`unexpected client call: ${name}`)
        return ok(method(...args))
      }
    },
  })
  const io: CliIo = {
    stdout: { write: (text) => void (stdout += text), isTTY: options.stdoutIsTTY ?? false },
    stderr: { write: (text) => void (stderr += text), isTTY: options.stderrIsTTY ?? false },
    stdin: {
      isTTY: options.stdinIsTTY ?? false,
      question: async (prompt) => {
        prompts.push(prompt)
        stderr += prompt
        return options.answer
      },
    },
    env: options.env ?? {},
    now: () => NOW,
    connect: async () => {
      connected = true
      return client
    },
  }
  const status = await run(argv, io)
  return { status, stdout, stderr, calls, connected, prompts, closed }
}
