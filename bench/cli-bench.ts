// Start-up of the `timon` command (issue 4, benchmark 1): one `timon push probe` as a whole process,
// against a real daemon, compared with `node -e 0` measured in the same run.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, result, tempDir, type BenchResult } from './lib.js'

const CLI = fileURLToPath(new URL('../packages/cli/', import.meta.url))
const BIN = join(CLI, 'bin', 'timon.js')
/** Processes of each kind, interleaved so that machine noise hits both alike. */
const RUNS = 40

/**
 * Median wall time of `timon push probe <code> healthy` and of `node -e 0`, alternated, after a
 * warm-up; the ratio's target is ≤ 1.6. The bundle (dist/timon.cjs) is refreshed first when it is
 * older than the build, since the launcher would otherwise fall back to the unbundled build.
 */
export async function runCliBench(): Promise<readonly BenchResult[]> {
  refreshBundle()
  const { dir, path, cleanup } = tempDir('timon-cli-bench-')
  const socket = path('timon.sock')
  writeFileSync(path('timon.toml'), `[daemon]\ndata_dir = "${path('data')}"\nsocket = "${socket}"\nlog_level = "silent"\n`)
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TIMON_SOCKET: socket }
  const daemon = spawn(process.execPath, [BIN, 'daemon'], { env: { ...env, TIMON_CONFIG: path('timon.toml') }, stdio: 'ignore' })
  try {
    await waitForSocket(socket)
    const push = () => timeProcess([BIN, 'push', 'probe', 'bench.probe', 'healthy'], env)
    const bare = () => timeProcess(['-e', '0'], env)
    for (let i = 0; i < 5; i++) {
      push()
      bare()
    }
    const pushes: number[] = []
    const bares: number[] = []
    for (let i = 0; i < RUNS; i++) {
      pushes.push(push())
      bares.push(bare())
    }
    const value = round(median(pushes))
    const baseline = round(median(bares))
    return [
      result({
        name: 'timon push probe (whole process, median; child env without NODE_EXTRA_CA_CERTS)',
        value,
        unit: 'ms',
        baseline,
        baselineName: 'node -e 0',
        ratio: value / baseline,
        target: 1.6,
        better: 'lower',
      }),
    ]
  } finally {
    daemon.kill('SIGTERM')
    await new Promise((resolve) => daemon.once('exit', resolve))
    cleanup()
  }
}

// --- internal ---

function timeProcess(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint()
  const child = spawnSync(process.execPath, args, { env, stdio: 'ignore' })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited with status ${String(child.status)}`)
  return ms
}

function refreshBundle(): void {
  const mtime = (file: string) => (existsSync(file) ? statSync(file).mtimeMs : -1)
  const bundle = mtime(join(CLI, 'dist', 'timon.cjs'))
  const builds = ['cli', 'core', 'socket-daemon'].map((name) => mtime(join(CLI, '..', name, 'dist', '.tsbuildinfo')))
  if (bundle < 0 || builds.some((build) => build > bundle)) execFileSync(process.execPath, [join(CLI, 'scripts', 'bundle.mjs')], { stdio: 'inherit' })
}

async function waitForSocket(socket: string): Promise<void> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = connect(socket, () => {
        probe.end()
        resolve(true)
      })
      probe.once('error', () => resolve(false))
    })
    if (up) return
    if (Date.now() > deadline) throw new Error(`no daemon on ${socket} after 15 s`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
