// Start-up of the `timon` command (issue 4, benchmark 1): one `timon push probe` as a whole process,
// against a real daemon, compared with `node -e 0` measured in the same run; and (issue 11) the same
// push to the daemon's TCP listener (TIMON_URL, a token) compared with the push on the Unix socket.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TimonClient } from '@timon/client'
import {
  CLI_DIR as CLI,
  freePort,
  median,
  refreshCliBundle,
  result,
  roundMs,
  tempDir,
  timeProcess,
  waitForSocket,
  type BenchResult,
} from './lib.js'

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
  const port = await freePort()
  writeFileSync(
    path('timon.toml'),
    `[daemon]\ndata_dir = "${path('data')}"\nsocket = "${socket}"\nlog_level = "silent"\n[http]\nlisten = ["127.0.0.1:${port}"]\n`,
  )
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TIMON_SOCKET: socket }
  const daemon = spawn(process.execPath, [BIN, 'daemon'], {
    env: { ...env, TIMON_CONFIG: path('timon.toml') },
    stdio: 'ignore',
  })
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
    const tcp = await benchTcpPush(socket, port, env, push)
    return [
      tcp,
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

/**
 * A `timon push probe` to `TIMON_URL=http://127.0.0.1:<port>` (the daemon's `[http] listen`, with a
 * `push` token made on the socket) against the same push on the socket, alternated: what the client
 * pays for TCP (the URL, the transport, the spool check) and the listener for the token.
 */
async function benchTcpPush(
  socket: string,
  port: number,
  env: NodeJS.ProcessEnv,
  socketPush: () => number,
): Promise<BenchResult> {
  const admin = new TimonClient({ socketPath: socket })
  const created = await admin.createToken({ name: 'cli-bench', scope: 'push' })
  admin.close()
  if (created.isErr()) throw new Error(`cannot create a token: ${created.error.message}`)
  const remoteEnv = {
    PATH: env.PATH,
    HOME: env.HOME,
    TIMON_URL: `http://127.0.0.1:${port}`,
    TIMON_TOKEN: created.value.secret,
  }
  const remote = () => timeProcess(process.execPath, [BIN, 'push', 'probe', 'bench.tcp', 'healthy'], remoteEnv)
  for (let i = 0; i < 5; i++) remote()
  const remotes: number[] = []
  const locals: number[] = []
  for (let i = 0; i < RUNS; i++) {
    remotes.push(remote())
    locals.push(socketPush())
  }
  const value = roundMs(median(remotes))
  const baseline = roundMs(median(locals))
  return result({
    name: "timon push probe to a TCP URL (whole process, median; the daemon's [http] listen, a token)",
    value,
    unit: 'ms',
    baseline,
    baselineName: 'timon push probe on the Unix socket',
    ratio: value / baseline,
    target: 1.15,
    better: 'lower',
  })
}
