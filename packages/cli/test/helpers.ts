/**
 * Integration helpers: the real daemon as a child process (`timon daemon` with a temp config,
 * socket and data dir) and the built `timon` binary run as child processes against it.
 *
 * The binary runs from dist/ (build first: `npx tsc -b`; the root `npm test` does). The bundle
 * dist/timon.cjs is rebuilt here when it is older than that build, so tests run what users run.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TimonClient } from '@timon/client'

/** packages/cli. */
export const CLI_DIR = fileURLToPath(new URL('..', import.meta.url))
/** The `timon` launcher. */
export const BIN = join(CLI_DIR, 'bin', 'timon.js')
/** The repository root. */
export const REPO_DIR = join(CLI_DIR, '..', '..')

/** What a finished `timon` process left. */
export interface Exec {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface ExecOptions {
  /** Extra environment (merged over the base environment of the helper). */
  readonly env?: Record<string, string | undefined>
  /** Written to stdin, which is then closed (stdin is never a terminal here). */
  readonly input?: string
  readonly cwd?: string
  /** Run as this user (and group of the same number): the tests run as root. */
  readonly uid?: number
}

/**
 * Checks that the CLI is built and refreshes the bundle when it is stale. Call in `beforeAll`.
 *
 * @throws when dist/main.js is missing, with the command that builds it.
 */
export function ensureBuilt(): void {
  if (!existsSync(join(CLI_DIR, 'dist', 'main.js'))) {
    throw new Error('packages/cli is not built: run `npx tsc -b` (or `npm test`, which builds) first')
  }
  const mtime = (path: string) => (existsSync(path) ? statSync(path).mtimeMs : -1)
  const bundle = mtime(join(CLI_DIR, 'dist', 'timon.cjs'))
  const builds = [
    join(CLI_DIR, 'dist'),
    join(CLI_DIR, '..', 'core', 'dist'),
    join(CLI_DIR, '..', 'client', 'dist'),
  ].map((dir) => mtime(join(dir, '.tsbuildinfo')))
  if (bundle < 0 || builds.some((build) => build > bundle)) {
    execFileSync(process.execPath, [join(CLI_DIR, 'scripts', 'bundle.mjs')], { stdio: 'inherit' })
  }
}

/** A temp directory with a short path (a Unix socket path must stay under ~100 bytes). */
export function tempDir(prefix = 'tcli-'): { readonly dir: string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * The environment every child gets: PATH, a temp HOME (so no user config is read), no colour
 * settings, no runtime dir; then `extra`.
 */
export function baseEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

/** Runs `node bin/timon.js <args>` and waits for it to end. */
export function exec(args: readonly string[], env: NodeJS.ProcessEnv, options: ExecOptions = {}): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const user = options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...env, ...options.env },
      cwd: options.cwd ?? REPO_DIR,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...user,
    })
    collect(child, options.input).then(resolve, reject)
  })
}

/** Runs a shell script and waits for it to end. */
export function execScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', [script, ...args], { env, cwd: REPO_DIR, stdio: ['pipe', 'pipe', 'pipe'] })
    collect(child, undefined).then(resolve, reject)
  })
}

/** A `timon daemon` child process on a temp socket and data dir. */
export interface DaemonProcess {
  readonly dir: string
  readonly socket: string
  readonly configPath: string
  /** The environment for clients of this daemon (TIMON_SOCKET set). */
  readonly env: NodeJS.ProcessEnv
  readonly child: ChildProcess
  /** What the daemon wrote so far. */
  output(): string
  /** Runs `timon <args>` against this daemon. */
  timon(args: readonly string[], options?: ExecOptions): Promise<Exec>
  /** SIGTERM, then waits (bounded) for the exit; resolves with the exit status. */
  stop(): Promise<number | null>
  /** Stops the daemon if still running and removes the directory. */
  cleanup(): Promise<void>
}

export interface DaemonOptions {
  /** Extra lines for the config file (after the [daemon] table's keys). */
  readonly config?: string
  /** Extra arguments to `timon daemon`. */
  readonly args?: readonly string[]
  /** Use this directory (e.g. a previous daemon's, to restart on its data) and leave it in place. */
  readonly dir?: string
}

/**
 * Starts `timon daemon` (config through TIMON_CONFIG, socket through TIMON_SOCKET) and waits until
 * it answers `GET /healthz` (bounded polling).
 */
export async function startDaemon(options: DaemonOptions = {}): Promise<DaemonProcess> {
  const { dir, remove } = options.dir === undefined ? tempDir() : { dir: options.dir, remove: () => undefined }
  const socket = join(dir, 'timon.sock')
  const configPath = join(dir, 'timon.toml')
  writeFileSync(
    configPath,
    `[daemon]\ndata_dir = "${join(dir, 'data')}"\nlog_level = "info"\n${options.config ?? ''}\n`,
  )
  const env = baseEnv(dir, { TIMON_SOCKET: socket })
  const child = spawn(process.execPath, [BIN, 'daemon', ...(options.args ?? [])], {
    env: { ...env, TIMON_CONFIG: configPath },
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  const daemon: DaemonProcess = {
    dir,
    socket,
    configPath,
    env,
    child,
    output: () => output,
    timon: (args, execOptions) => exec(args, env, execOptions),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return withTimeout(exited, 10_000, () => `the daemon did not stop within 10 s:\n${output}`)
    },
    cleanup: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await withTimeout(exited, 10_000, () => 'the daemon did not stop').catch(() => child.kill('SIGKILL'))
      }
      remove()
    },
  }

  const client = new TimonClient({ socketPath: socket, connectRetries: 0 })
  try {
    await poll(
      async () => {
        if (child.exitCode !== null) throw new Error(`the daemon exited with status ${child.exitCode}:\n${output}`)
        return (await client.health()).isOk()
      },
      15_000,
      () => `the daemon did not answer within 15 s:\n${output}`,
    )
  } catch (error) {
    await daemon.cleanup()
    throw error
  } finally {
    client.close()
  }
  return daemon
}

/**
 * Calls `check` every 20 ms until it resolves truthy; fails after `timeoutMs` with `message()`.
 * (Bounded polling: the only waiting the integration tests do.)
 */
export async function poll(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  message: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(message())
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

// --- internal ---

function collect(child: ChildProcess, input: string | undefined): Promise<Exec> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr }))
    child.stdin?.end(input)
  })
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
