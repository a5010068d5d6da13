// `timon exec` (issue 5): the cost of wrapping a command. `timon exec bench -- true` as a whole
// process, against a real daemon, compared with `node -e` spawning `true` measured in the same run;
// and the same with 10 MB of output (to /dev/null and the run's log) against node spawning the
// command with its output to /dev/null.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  CLI_DIR as CLI,
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
const RUNS = 30
/** Runs of the 10 MB variant. */
const OUTPUT_RUNS = 5

/** A command printing 10 MB: 100,000 lines of 100 bytes. */
const PRINT_10MB = "process.stdout.write(('x'.repeat(99) + '\\n').repeat(100000))"

/**
 * Medians of interleaved runs: `timon exec bench -- true` against
 * `node -e "require('child_process').spawnSync('true')"` (the ratio, and the overhead in ms), and
 * `timon exec` of a command printing 10 MB against node spawning it.
 */
export async function runExecBench(): Promise<BenchResult[]> {
  refreshCliBundle()
  const { dir, path, cleanup } = tempDir('timon-exec-bench-')
  const socket = path('timon.sock')
  writeFileSync(
    path('timon.toml'),
    `[daemon]\ndata_dir = "${path('data')}"\nsocket = "${socket}"\nlog_level = "silent"\n\n[exec]\nmax_log_size = "32MiB"\n`,
  )
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TIMON_SOCKET: socket }
  const daemon = spawn(process.execPath, [BIN, 'daemon'], {
    env: { ...env, TIMON_CONFIG: path('timon.toml') },
    stdio: 'ignore',
  })
  try {
    await waitForSocket(socket)
    const wrapped = () => timeProcess(process.execPath, [BIN, 'exec', 'bench', '--', 'true'], env)
    const bare = () => timeProcess(process.execPath, ['-e', "require('child_process').spawnSync('true')"], env)
    const node = process.execPath
    const wrappedOutput = () =>
      timeProcess(process.execPath, [BIN, 'exec', 'bench.output', '--', node, '-e', PRINT_10MB], env)
    const bareOutput = () =>
      timeProcess(
        node,
        [
          '-e',
          `require('child_process').spawnSync(${JSON.stringify(node)}, ['-e', ${JSON.stringify(PRINT_10MB)}], { stdio: 'inherit' })`,
        ],
        env,
      )

    for (let i = 0; i < 5; i++) {
      wrapped()
      bare()
    }
    const execs: number[] = []
    const bares: number[] = []
    for (let i = 0; i < RUNS; i++) {
      execs.push(wrapped())
      bares.push(bare())
    }
    wrappedOutput()
    bareOutput()
    const outputs: number[] = []
    const bareOutputs: number[] = []
    for (let i = 0; i < OUTPUT_RUNS; i++) {
      outputs.push(wrappedOutput())
      bareOutputs.push(bareOutput())
    }

    const value = roundMs(median(execs))
    const baseline = roundMs(median(bares))
    const output = roundMs(median(outputs))
    const outputBaseline = roundMs(median(bareOutputs))
    const baselineName = 'node -e "spawnSync(\'true\')"'
    return [
      result({
        name: 'timon exec bench -- true (whole process, median)',
        value,
        unit: 'ms',
        baseline,
        baselineName,
        ratio: value / baseline,
        target: 2,
        better: 'lower',
      }),
      result({
        name: 'timon exec overhead over spawning true',
        value: roundMs(value - baseline),
        unit: 'ms',
        baseline,
        baselineName,
        ratio: value / baseline,
      }),
      result({
        name: 'timon exec of a command printing 10 MB (median)',
        value: output,
        unit: 'ms',
        baseline: outputBaseline,
        baselineName: 'node spawning it',
        ratio: output / outputBaseline,
      }),
    ]
  } finally {
    daemon.kill('SIGTERM')
    await new Promise((resolve) => daemon.once('exit', resolve))
    cleanup()
  }
}

// --- internal ---

/** Wall time of one process, its output to /dev/null. */

// `node --import tsx bench/exec-bench.ts` runs it alone.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const r of await runExecBench())
    console.log(`${r.name}: ${r.value} ${r.unit} vs ${r.baselineName} ${r.baseline} → ratio ${r.ratio.toFixed(3)}`)
}
