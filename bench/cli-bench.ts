// Start-up of the `timon` command (issue 4, benchmark 1): one `timon push probe` as a whole process,
// against a real daemon, compared with `node -e 0` measured in the same run.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI_DIR as CLI, median, refreshCliBundle, result, roundMs, tempDir, timeProcess, waitForSocket, type BenchResult } from './lib.js'

const BIN = join(CLI, 'bin', 'timon.js')
/** Processes of each kind, interleaved so that machine noise hits both alike. */
const RUNS = 40

/**
 * Median wall time of `timon push probe <code> healthy` and of `node -e 0`, alternated, after a
 * warm-up; the ratio's target is ≤ 1.6. The bundle (dist/timon.cjs) is refreshed first when it is
 * older than the build, since the launcher would otherwise fall back to the unbundled build.
 */
export async function runCliBench(): Promise<readonly BenchResult[]> {
  refreshCliBundle()
  const { dir, path, cleanup } = tempDir('timon-cli-bench-')
  const socket = path('timon.sock')
  writeFileSync(path('timon.toml'), `[daemon]\ndata_dir = "${path('data')}"\nsocket = "${socket}"\nlog_level = "silent"\n`)
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TIMON_SOCKET: socket }
  const daemon = spawn(process.execPath, [BIN, 'daemon'], { env: { ...env, TIMON_CONFIG: path('timon.toml') }, stdio: 'ignore' })
  try {
    await waitForSocket(socket)
    const push = () => timeProcess(process.execPath, [BIN, 'push', 'probe', 'bench.probe', 'healthy'], env)
    const bare = () => timeProcess(process.execPath, ['-e', '0'], env)
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
    const value = roundMs(median(pushes))
    const baseline = roundMs(median(bares))
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




