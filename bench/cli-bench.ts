// Start-up of the `timon` command (issue 4, benchmark 1): one `timon push probe` as a whole process,
// against a real daemon, compared with `node -e 0` measured in the same run; and (issue 11) the same
// push to a TCP URL (TIMON_URL) compared with the push on the Unix socket.
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
    const tcp = await benchTcpPush(socket, env, push)
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
 * A `timon push probe` to `TIMON_URL=http://127.0.0.1:<port>` against the same push on the socket,
 * alternated. The port is a byte-for-byte TCP forwarder to the daemon's socket in a child process
 * (the daemon's own `[http] listen` takes its place once it has one), so this measures what the
 * client pays for TCP: the URL, the transport, the spool check.
 */
async function benchTcpPush(socket: string, env: NodeJS.ProcessEnv, socketPush: () => number): Promise<BenchResult> {
  const forwarder = spawn(process.execPath, ['-e', FORWARDER, socket], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const port = await new Promise<string>((resolve, reject) => {
      forwarder.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))
      forwarder.once('exit', (code) => reject(new Error(`the TCP forwarder exited with status ${String(code)}`)))
    })
    const remoteEnv = { PATH: env.PATH, HOME: env.HOME, TIMON_URL: `http://127.0.0.1:${port}`, TIMON_TOKEN: 'bench-token' }
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
      name: 'timon push probe to a TCP URL (whole process, median; via a TCP forwarder to the socket)',
      value,
      unit: 'ms',
      baseline,
      baselineName: 'timon push probe on the Unix socket',
      ratio: value / baseline,
      target: 1.15,
      better: 'lower',
    })
  } finally {
    forwarder.kill('SIGTERM')
  }
}

/** A TCP server on 127.0.0.1 that pipes each connection to the Unix socket `argv[1]`; prints its port. */
const FORWARDER = `
const net = require('node:net')
const server = net.createServer((client) => {
  const upstream = net.connect(process.argv[1])
  client.pipe(upstream).pipe(client)
  client.on('error', () => upstream.destroy())
  upstream.on('error', () => client.destroy())
})
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`




