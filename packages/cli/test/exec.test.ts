/**
 * `timon exec` and `timon logs` as users run them: the built binary, real child processes, the real
 * daemon on a temp socket and data dir.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, REPO_DIR, baseEnv, ensureBuilt, poll, startDaemon, tempDir, type DaemonProcess } from './helpers.js'

let daemon: DaemonProcess
let receiver: Server
const hooks: Record<string, unknown>[] = []
/** For the lock files: each test process has its own runtime dir. */
let runtimeDir: string

beforeAll(async () => {
  ensureBuilt()
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  daemon = await startDaemon({
    config: `\n[exec]\nmax_log_size = "32MiB"\n\n[[webhook]]\non = ["incident.open"]\nurl = "${url}"\n`,
  })
  runtimeDir = join(daemon.dir, 'run')
  mkdirSync(runtimeDir, { mode: 0o700 })
})

afterAll(async () => {
  await daemon?.cleanup()
  await new Promise((resolve) => receiver?.close(resolve))
})

/** What a finished process left, as bytes. */
interface Ended {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: Buffer
  readonly stderr: Buffer
}

/** A `timon` process against the test daemon; its output is collected as bytes. */
function start(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): { child: ChildProcess; ended: Promise<Ended>; stdout: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: baseEnv(daemon.dir, { ...daemon.env, XDG_RUNTIME_DIR: runtimeDir, ...env }),
    cwd: REPO_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk))
  const ended = new Promise<Ended>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (status, signal) =>
      resolve({ status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }),
    )
  })
  return { child, ended, stdout: () => Buffer.concat(out).toString() }
}

async function timon(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { status, stdout, stderr } = await start(args, env).ended
  return { status, stdout: stdout.toString(), stderr: stderr.toString() }
}

interface WireRun {
  uid: string
  health: string
  skipped: boolean
  end_comment: string | null
  exit: { code: number | null; signal: string | null } | null
  log_path: string | null
}

async function runsOf(code: string): Promise<WireRun[]> {
  const shown = JSON.parse((await timon(['show', code, '--all', '--json'])).stdout) as {
    reports: { report: WireRun }[]
  }
  return shown.reports.map((one) => one.report)
}

describe('timon exec', () => {
  it('ends the run by the exit code: 0 healthy, a warning code warning, others critical; exits with the code', async () => {
    for (const code of [0, 1, 2]) {
      const result = await timon([
        'exec',
        'exec.codes',
        '--warning-exit-codes',
        '2,3',
        '--',
        'sh',
        '-c',
        `echo out ${code}; exit ${code}`,
      ])
      expect(result).toEqual({ status: code, stdout: `out ${code}\n`, stderr: '' })
    }
    const runs = await runsOf('exec.codes')
    expect(runs.map((run) => [run.health, run.exit])).toEqual([
      ['warning', { code: 2, signal: null }],
      ['critical', { code: 1, signal: null }],
      ['healthy', { code: 0, signal: null }],
    ])
    expect(runs[0]?.end_comment).toMatch(/^exit 2 after \d+/)
  })

  it('reports death by a signal as critical and exits 128+N', async () => {
    const result = await timon(['exec', 'exec.signal', '--', 'sh', '-c', 'echo dying; kill -TERM $$'])
    expect(result).toMatchObject({ status: 143, stdout: 'dying\n' })
    const [run] = await runsOf('exec.signal')
    expect(run).toMatchObject({
      health: 'critical',
      exit: { code: null, signal: 'SIGTERM' },
      end_comment: expect.stringMatching(/^killed by SIGTERM after /),
    })
    const shown = (await timon(['show', `exec.signal:${run?.uid ?? ''}`])).stdout
    expect(shown).toMatch(/\n {2}exit +signal SIGTERM\n/)
    expect(shown).toMatch(/\n {2}duration +\d+/)
    expect(shown).toMatch(new RegExp(`\\n {2}log +${daemon.dir}/data/logs/exec\\.signal/${run?.uid ?? ''}\\.log\\n`))
  })

  it('passes SIGTERM on to the command, which ends as it chooses', async () => {
    const script = 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done'
    const running = start(['exec', 'exec.forward', '--', 'sh', '-c', script])
    await poll(
      () => running.stdout().includes('ready'),
      10_000,
      () => `no "ready" from the command: ${running.stdout()}`,
    )
    running.child.kill('SIGTERM')
    const ended = await running.ended
    expect({ status: ended.status, stdout: ended.stdout.toString() }).toEqual({
      status: 7,
      stdout: 'ready\ngot TERM\n',
    })
    expect((await runsOf('exec.forward'))[0]).toMatchObject({ health: 'critical', exit: { code: 7, signal: null } })
  })

  it('streams 10 MB on both streams to the terminal and the log: nothing lost, every line whole in its stream', {
    timeout: 40_000,
  }, async () => {
    // Lines of 100 bytes written in chunks that cut them anywhere, on both streams in turn.
    const script = `
      const line = (s, i) => (s + ' ' + String(i).padStart(7, '0') + ' ').padEnd(99, s === 'out' ? 'o' : 'e') + '\\n'
      const make = (s) => { let t = ''; for (let i = 0; i < 50000; i++) t += line(s, i); return Buffer.from(t) }
      const out = make('out'), err = make('err')
      const fs = require('fs')
      let a = 0, b = 0, n = 0
      while (a < out.length || b < err.length) {
        const size = 1000 + (n++ * 7919) % 60000
        if (a < out.length) { fs.writeSync(1, out.subarray(a, a + size)); a += size }
        if (b < err.length) { fs.writeSync(2, err.subarray(b, b + size)); b += size }
      }`
    const expected = (s: string) =>
      Array.from(
        { length: 50_000 },
        (_, i) => `${`${s} ${String(i).padStart(7, '0')} `.padEnd(99, s === 'out' ? 'o' : 'e')}\n`,
      ).join('')
    const result = await start(['exec', 'exec.big', '--', process.execPath, '-e', script]).ended
    expect(result.status).toBe(0)
    expect(result.stdout.toString() === expected('out')).toBe(true)
    expect(result.stderr.toString() === expected('err')).toBe(true)

    const [run] = await runsOf('exec.big')
    const file = readFileSync(run?.log_path ?? '', 'latin1')
    const records = file.split('\n')
    expect(records.pop()).toBe('')
    expect(records).toHaveLength(100_000)
    expect(records.every((record) => /^1 out \d{7} o+$|^2 err \d{7} e+$/.test(record) && record.length === 101)).toBe(
      true,
    )

    const logs = await start(['logs', `exec.big:${run?.uid ?? ''}`]).ended
    expect(logs.status).toBe(0)
    expect(logs.stdout.toString() === expected('out')).toBe(true)
    expect(logs.stderr.toString() === expected('err')).toBe(true)
  })

  it('keeps binary output byte for byte, and timon logs gives it back', async () => {
    const script =
      'process.stdout.write(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) % 256))); process.stderr.write(Buffer.from([0, 255, 10, 13, 200]))'
    const result = await start(['exec', 'exec.binary', '--', process.execPath, '-e', script]).ended
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) % 256))
    expect(result.stdout.equals(bytes)).toBe(true)
    const logs = await start(['logs', 'exec.binary']).ended
    expect(logs.status).toBe(0)
    expect(logs.stdout.equals(bytes)).toBe(true)
    expect(logs.stderr.equals(Buffer.from([0, 255, 10, 13, 200]))).toBe(true)
  })

  it('runs the command all the same when the daemon is unreachable, with one warning line', async () => {
    const result = await timon(['exec', 'exec.offline', '--', 'sh', '-c', 'echo still here; echo oops >&2; exit 3'], {
      TIMON_SOCKET: join(daemon.dir, 'nobody.sock'),
    })
    expect(result.status).toBe(3)
    expect(result.stdout).toBe('still here\n')
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines.filter((line) => line.startsWith('Warning:'))).toEqual([
      expect.stringMatching(
        /^Warning: cannot reach the Timon daemon at .*nobody\.sock.* running the command without monitoring$/,
      ),
    ])
    expect(lines.filter((line) => !line.startsWith('Warning:'))).toEqual(['oops'])
  })

  it('with --skip-if-running, of two concurrent execs one runs the command and the other records a skipped run', async () => {
    const { dir, remove } = tempDir()
    try {
      const env = { MARK: join(dir, 'mark'), GO: join(dir, 'go') }
      const args = [
        'exec',
        'exec.lock',
        '--skip-if-running',
        '--',
        'sh',
        '-c',
        'echo ran >> "$MARK"; while [ ! -e "$GO" ]; do sleep 0.05; done',
      ]
      const both = [start(args, env), start(args, env)]
      const first = await Promise.race(both.map((one, i) => one.ended.then((ended) => ({ i, ended }))))
      expect({
        status: first.ended.status,
        stdout: first.ended.stdout.toString(),
        stderr: first.ended.stderr.toString(),
      }).toEqual({ status: 0, stdout: '', stderr: '' })
      writeFileSync(env.GO, '')
      const other = await both[1 - first.i]?.ended
      expect(other?.status).toBe(0)
      expect(readFileSync(env.MARK, 'utf8')).toBe('ran\n')
      const runs = await runsOf('exec.lock')
      expect(runs.map((run) => run.skipped).sort()).toEqual([false, true])
      expect(runs.find((run) => run.skipped)).toMatchObject({ health: 'healthy', log_path: null })
      expect((await timon(['show', 'exec.lock'])).stdout).toMatch(
        /\n {2}[0-9a-f]{12} +↷ skipped +skipped \d+m?s?.* ago +"skipped: the previous run \(pid \d+\) is still running"\n/,
      )
      expect(readdirSync(join(runtimeDir, 'timon', 'locks'))).toEqual([])
    } finally {
      remove()
    }
  })

  it('takes over a lock left by a process that is gone', async () => {
    const dead = spawnSync('true').pid
    const locks = join(runtimeDir, 'timon', 'locks')
    mkdirSync(locks, { recursive: true, mode: 0o700 })
    writeFileSync(join(locks, `exec.stale@run-${dead}-leftover`), `${dead}\n\n`)
    writeFileSync(join(locks, 'exec.stale@lock'), `${dead}\n\nleft-over\n`)
    const result = await timon(['exec', 'exec.stale', '--skip-if-running', '--', 'echo', 'ran'])
    expect(result).toEqual({ status: 0, stdout: 'ran\n', stderr: '' })
    expect(readdirSync(locks).filter((name) => name.startsWith('exec.stale@'))).toEqual([])
    expect((await runsOf('exec.stale')).map((run) => run.skipped)).toEqual([false])
  })

  it('sees, with --skip-if-running, a run started without the flag (every exec takes the lock)', async () => {
    const { dir, remove } = tempDir()
    try {
      const env = { GO: join(dir, 'go'), STARTED: join(dir, 'started') }
      const plain = start(
        ['exec', 'exec.mixed', '--', 'sh', '-c', 'touch "$STARTED"; while [ ! -e "$GO" ]; do sleep 0.05; done'],
        env,
      )
      await poll(
        () => existsSync(env.STARTED),
        10_000,
        () => 'the first run did not start',
      )
      const skipping = await timon(['exec', 'exec.mixed', '--skip-if-running', '--', 'sh', '-c', 'echo ran'], env)
      expect(skipping).toEqual({ status: 0, stdout: '', stderr: '' })
      // Without the flag, a second run overlaps, as before (the overlap rule applies).
      const overlapping = await timon(
        ['exec', 'exec.mixed', '--overlap-incident=false', '--', 'sh', '-c', 'echo ran'],
        env,
      )
      expect(overlapping).toEqual({ status: 0, stdout: 'ran\n', stderr: '' })
      writeFileSync(env.GO, '')
      expect((await plain.ended).status).toBe(0)
      const runs = await runsOf('exec.mixed')
      expect(runs.map((run) => run.skipped)).toEqual([false, true, false])
      expect(readdirSync(join(runtimeDir, 'timon', 'locks')).filter((name) => name.startsWith('exec.mixed@'))).toEqual(
        [],
      )
    } finally {
      remove()
    }
  })

  it.runIf(process.getuid?.() === 0)(
    'runs the command unlocked, with one warning recorded on the run, when another user created the lock directory',
    async () => {
      const { dir, remove } = tempDir()
      try {
        // Another user (12345) prepared the directory where this user's locks go, to switch them off.
        mkdirSync(join(dir, 'timon'), { mode: 0o700 })
        chownSync(join(dir, 'timon'), 12345, 12345)
        for (const flags of [[], ['--skip-if-running']]) {
          const result = await timon(['exec', 'exec.unsafe', ...flags, '--', 'sh', '-c', 'echo ran'], {
            XDG_RUNTIME_DIR: dir,
          })
          expect(result.status).toBe(0)
          expect(result.stdout).toBe('ran\n')
          expect(result.stderr).toMatch(
            new RegExp(
              `^Warning: cannot lock the runs of exec\\.unsafe: the directory ${join(dir, 'timon').replaceAll('/', '\\/')} belongs to uid 12345, not to this user \\(uid 0\\).* — running the command unlocked \\(.*\\)\n$`,
            ),
          )
        }
        const runs = await runsOf('exec.unsafe')
        expect(runs.map((run) => [run.skipped, run.health])).toEqual([
          [false, 'warning'],
          [false, 'warning'],
        ])
        const shown = JSON.parse((await timon(['show', `exec.unsafe:${runs[0]?.uid ?? ''}`, '--json'])).stdout) as {
          steps: { label: string; health: string; detail: string }[]
        }
        expect(shown.steps[0]).toMatchObject({
          label: 'run lock unavailable',
          health: 'warning',
          detail: expect.stringMatching(/belongs to uid 12345/),
        })
        expect(readdirSync(join(dir, 'timon'))).toEqual([])
      } finally {
        remove()
      }
    },
  )

  it('puts the last lines of output in the critical incident’s description and the webhook payload', async () => {
    const result = await timon([
      'exec',
      'exec.tail',
      '--tail-lines',
      '3',
      '--',
      'sh',
      '-c',
      'for i in 1 2 3 4 5; do echo "line $i"; done; echo "disk full" >&2; exit 4',
    ])
    expect(result.status).toBe(4)
    const description = `$ sh -c 'for i in 1 2 3 4 5; do echo "line $i"; done; echo "disk full" >&2; exit 4'\nline 4\nline 5\ndisk full`
    const shown = (await timon(['show', 'exec.tail', '--json'])).stdout
    const incident = (JSON.parse(shown) as { active_incidents: { id: number; description: string; title: string }[] })
      .active_incidents[0]
    expect(incident).toMatchObject({ description, title: 'exec.tail is critical' })
    await poll(
      () => hooks.some((hook) => (hook.incident as { id?: number } | undefined)?.id === incident?.id),
      10_000,
      () => `no webhook: ${JSON.stringify(hooks)}`,
    )
    const hook = hooks.find((one) => (one.incident as { id?: number }).id === incident?.id)
    expect(hook).toMatchObject({ _event: 'incident.open', incident: { description, trigger_type: 'critical' } })
  })

  it('timon logs --follow prints output written after it started, and ends when the run ends', async () => {
    const { dir, remove } = tempDir()
    try {
      const env = { GO: join(dir, 'go') }
      const running = start(
        [
          'exec',
          'exec.follow',
          '--',
          'sh',
          '-c',
          'echo one; while [ ! -e "$GO" ]; do sleep 0.05; done; echo two >&2; echo three',
        ],
        env,
      )
      await poll(
        () => running.stdout() === 'one\n',
        10_000,
        () => 'the command did not start',
      )
      const following = start(['logs', 'exec.follow', '--follow'])
      await poll(
        () => following.stdout() === 'one\n',
        10_000,
        () => `the follower did not print the first line: ${following.stdout()}`,
      )
      writeFileSync(env.GO, '')
      expect((await running.ended).status).toBe(0)
      const followed = await following.ended
      expect({
        status: followed.status,
        stdout: followed.stdout.toString(),
        stderr: followed.stderr.toString(),
      }).toEqual({ status: 0, stdout: 'one\nthree\n', stderr: 'two\n' })
    } finally {
      remove()
    }
  })

  it('answers timon logs for a run without output, and an unknown run, with the daemon’s message', async () => {
    expect(await timon(['exec', 'exec.quiet', '--', 'true'])).toEqual({ status: 0, stdout: '', stderr: '' })
    expect(await timon(['logs', 'exec.quiet'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'Error: no output was recorded for this run\n',
    })
    expect(await timon(['logs', 'exec.quiet:0123456789ab'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'Error: sample or run does not exist\n',
    })
  })

  it('removes the logs of the runs that delete and truncate remove', async () => {
    for (let i = 0; i < 3; i++) await timon(['exec', 'exec.clean', '--', 'echo', `run ${i}`])
    const runs = await runsOf('exec.clean')
    const paths = runs.map((run) => run.log_path ?? '')
    expect(paths.every((path) => existsSync(path))).toBe(true)
    expect((await timon(['delete', `exec.clean:${runs[2]?.uid ?? ''}`, '--yes'])).status).toBe(0)
    expect(paths.map((path) => existsSync(path))).toEqual([true, true, false])
    expect((await timon(['truncate', 'exec.clean', '--keep', '0s'])).status).toBe(0)
    expect(paths.map((path) => existsSync(path))).toEqual([true, false, false])
    expect((await timon(['delete', 'exec.clean', '--yes'])).status).toBe(0)
    expect(existsSync(join(daemon.dir, 'data', 'logs', 'exec.clean'))).toBe(false)
  })
})

describe('timon exec when the daemon goes away mid-run', () => {
  it('keeps running the command, returns its status, and warns once', async () => {
    const gone = await startDaemon()
    const { dir, remove } = tempDir()
    try {
      const env = baseEnv(gone.dir, { ...gone.env, GO: join(dir, 'go') })
      const child = spawn(
        process.execPath,
        [
          BIN,
          'exec',
          'exec.gone',
          '--',
          'sh',
          '-c',
          'echo before; while [ ! -e "$GO" ]; do sleep 0.05; done; echo after; exit 5',
        ],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const closed = new Promise<number | null>((resolve) => child.once('close', resolve))
      await poll(
        () => stdout === 'before\n',
        10_000,
        () => 'the command did not start',
      )
      // The run's log has its first line: the output stream is open when the daemon stops.
      await poll(
        () => readdirSync(join(gone.dir, 'data', 'logs')).includes('exec.gone'),
        10_000,
        () => 'no log',
      )
      expect(await gone.stop()).toBe(0)
      writeFileSync(join(dir, 'go'), '')
      expect(await closed).toBe(5)
      expect(stdout).toBe('before\nafter\n')
      expect(stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(/^Warning: .*the output is no longer logged$/),
      ])
    } finally {
      remove()
      await gone.cleanup()
    }
  })
})

describe('timon exec with a small max_log_size', () => {
  it('keeps the end of the output, and timon logs says how much was cut', async () => {
    const small = await startDaemon({ config: '\n[exec]\nmax_log_size = "64KiB"\n' })
    try {
      const script = "let t = ''; for (let i = 0; i < 20000; i++) t += 'line ' + i + '\\n'; process.stdout.write(t)"
      const env = baseEnv(small.dir, small.env)
      const ran = await new Promise<number | null>((resolve) =>
        spawn(process.execPath, [BIN, 'exec', 'exec.capped', '--', process.execPath, '-e', script], {
          env,
          stdio: 'ignore',
        }).once('close', resolve),
      )
      expect(ran).toBe(0)
      const logs = await small.timon(['logs', 'exec.capped'])
      expect(logs.status).toBe(0)
      const all = Array.from({ length: 20_000 }, (_, i) => `line ${i}\n`).join('')
      expect(all.endsWith(logs.stdout)).toBe(true)
      expect(logs.stdout.startsWith('line ')).toBe(true)
      expect(logs.stdout.length).toBeLessThan(64 * 1024)
      expect(logs.stderr).toBe(
        `[timon] ${all.length - logs.stdout.length} bytes of earlier output were cut (the log keeps the last 64KiB at most)\n`,
      )
    } finally {
      await small.cleanup()
    }
  })
})
