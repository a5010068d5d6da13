/**
 * The CLI against a remote daemon over TCP (issue 11): the built binary with `TIMON_URL` and a
 * token made by `timon token create`, talking to the daemon's own `[http] listen` on 127.0.0.1,
 * and the client spool across a daemon stopped for a while (restarted on the same data and port).
 */
import { createServer, type AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseEnv, ensureBuilt, exec, poll, startDaemon, tempDir, type DaemonProcess, type Exec } from './helpers.js'

let daemon: DaemonProcess
let port: number
/** The secret of an admin token, made on the local socket. */
let token: string
let home: { dir: string; remove: () => void }

/** A port free a moment ago on 127.0.0.1: the listener keeps it across restarts, so `TIMON_URL` stays valid. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as AddressInfo
      server.close(() => resolve(free))
    })
  })
}

/** Starts (or restarts, on `dir`) the daemon with a TCP listener on `port`, and waits until it listens. */
async function startRemoteDaemon(dir?: string): Promise<DaemonProcess> {
  const started = await startDaemon({
    config: `\n[http]\nlisten = ["127.0.0.1:${port}"]\n`,
    ...(dir === undefined ? {} : { dir }),
  })
  await poll(
    () => started.output().includes(`listening on http://127.0.0.1:${port}`),
    10_000,
    () => `no TCP listener:\n${started.output()}`,
  )
  return started
}

/** Stops the daemon: the port refuses connections until {@link startRemoteDaemon} takes it again. */
async function stopDaemon(): Promise<void> {
  expect(await daemon.stop()).toBe(0)
}

/** The environment of a machine that talks to the daemon over TCP only (no socket); its spool in the test's directory (root's default is /var/lib/timon/spool). */
function remoteEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return baseEnv(home.dir, {
    TIMON_URL: `http://127.0.0.1:${port}`,
    TIMON_TOKEN: token,
    TIMON_HOST: 'web-7.example',
    TIMON_CONFIG: join(home.dir, 'timon.toml'),
    ...extra,
  })
}
const remote = (args: readonly string[], extra: Record<string, string> = {}): Promise<Exec> =>
  exec(args, remoteEnv(extra))

function json<T = Record<string, unknown>>(result: Exec): T {
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as T
}

/** `timon token create` on the local socket; the secret it printed. */
async function createToken(name: string, scope: 'push' | 'read' | 'admin'): Promise<string> {
  const created = await daemon.timon(['token', 'create', name, '--scope', scope])
  expect(created).toMatchObject({ status: 0, stderr: '' })
  return created.stdout.trim()
}

beforeAll(async () => {
  ensureBuilt()
  port = await freePort()
  daemon = await startRemoteDaemon()
  token = await createToken('cli', 'admin')
  home = tempDir('tcli-remote-')
  writeFileSync(join(home.dir, 'timon.toml'), `[client]\nspool_dir = "${join(home.dir, 'spool')}"\n`)
})

afterAll(async () => {
  await daemon?.cleanup()
  home?.remove()
})

describe('the CLI against a remote daemon (TIMON_URL)', () => {
  it('pushes and reads over TCP with the token, with the same output as on the socket, and the host', async () => {
    expect(await remote(['push', 'probe', 'remote.web', 'healthy', '--comment', 'over TCP'])).toMatchObject({
      status: 0,
      stdout: '',
      stderr: '',
    })
    const shown = json<{ reports: { report: { comment: string; host?: string } }[] }>(
      await remote(['show', 'remote.web', '--json']),
    )
    expect(shown.reports[0]?.report).toMatchObject({ comment: 'over TCP', host: 'web-7.example' })
    expect((await remote(['show', 'remote.web'])).stdout).toMatch(/\n {2}host +web-7\.example\n/)
    const overTcp = await remote(['status'])
    const overSocket = await daemon.timon(['status'])
    expect(overTcp).toMatchObject({ status: 0, stderr: '' })
    expect(overTcp.stdout.replace(/\d+m?s ago/g, 'ago')).toBe(overSocket.stdout.replace(/\d+m?s ago/g, 'ago'))
    expect(overTcp.stdout).not.toContain('web-7.example')

    // A second machine: status names the host of each probe's latest report.
    expect((await remote(['push', 'probe', 'remote.db', 'healthy'], { TIMON_HOST: 'db-1' })).status).toBe(0)
    const twoHosts = (await remote(['status'])).stdout
    expect(twoHosts).toMatch(/\n {2}remote\.db +db-1 +✓ healthy/)
    expect(twoHosts).toMatch(/\n {2}remote\.web +web-7\.example +✓ healthy/)
    const status = json<{ contracts: { contract: { code: string }; last_report: { host: string } }[] }>(
      await remote(['status', '--json']),
    )
    expect(status.contracts.map((c) => [c.contract.code, c.last_report.host])).toEqual([
      ['remote.db', 'db-1'],
      ['remote.web', 'web-7.example'],
    ])
  })

  it("fails with the daemon's message and never shows the token", async () => {
    const wrong = await remote(['summary'], { TIMON_TOKEN: 'timon_wrong-secret-value' })
    expect(wrong.status).toBe(1)
    expect(wrong.stderr).toMatch(/invalid, expired or revoked token/)
    const pushOnly = await createToken('pusher', 'push')
    expect((await remote(['push', 'probe', 'remote.web', 'healthy'], { TIMON_TOKEN: pushOnly })).status).toBe(0)
    const forbidden = await remote(['status'], { TIMON_TOKEN: pushOnly })
    expect(forbidden.status).not.toBe(0)
    expect(forbidden.stderr).toMatch(/token "pusher" has scope push; this needs read/)
    const refused = await remote(['status'], { TIMON_URL: 'http://127.0.0.1:1' })
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/cannot reach the Timon daemon at http:\/\/127\.0\.0\.1:1 \(connect ECONNREFUSED\)/)
    for (const result of [wrong, forbidden, refused])
      expect(result.stdout + result.stderr).not.toMatch(/timon_[A-Za-z0-9_-]{20}/)
  })

  it('runs timon exec remotely: the run, its steps, its host and its output reach the daemon', async () => {
    const result = await remote(['exec', 'remote.exec', '--', 'sh', '-c', 'echo remote output; echo on stderr >&2'])
    expect(result).toMatchObject({ status: 0, stdout: 'remote output\n', stderr: 'on stderr\n' })
    const shown = json<{ reports: { report: { health: string; ended_at: string | null; host: string } }[] }>(
      await remote(['show', 'remote.exec', '--json']),
    )
    expect(shown.reports[0]?.report).toMatchObject({
      health: 'healthy',
      ended_at: expect.any(String) as unknown,
      host: 'web-7.example',
    })
    const log = await remote(['logs', 'remote.exec'])
    // Each stream comes back on its own.
    expect(log).toMatchObject({ status: 0, stdout: 'remote output\n', stderr: 'on stderr\n' })
  })
})

describe('the client spool', () => {
  it('keeps every push while the daemon is away and sends each once, in order, with its original time', async () => {
    await stopDaemon()
    const away: Exec[] = []
    away.push(await remote(['push', 'probe', 'spool.web', 'healthy', '--comment', 'first']))
    const start = await remote(['push', 'job', 'start', 'spool.job'])
    away.push(start)
    const uid = start.stdout.trim()
    expect(uid).toMatch(/^[a-f0-9]{12}$/)
    away.push(await remote(['push', 'job', 'step', `spool.job:${uid}`, 'dump', 'healthy']))
    away.push(await remote(['push', 'job', 'end', `spool.job:${uid}`, '--comment', 'done']))
    away.push(await remote(['push', 'probe', 'spool.web', 'warning', '--comment', 'second']))
    for (const result of away) {
      expect(result.status).toBe(0)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toMatch(
        /^timon: warning: cannot reach the Timon daemon at http:\/\/127\.0\.0\.1:\d+ .*kept in the spool/,
      )
      expect(result.stderr).not.toContain(token)
    }
    const listed = await remote(['spool'])
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => line.replace(/ \(.*\)$/, '')),
    ).toEqual([
      'push probe spool.web',
      `push job start spool.job:${uid}`,
      `push job step spool.job:${uid}`,
      `push job end spool.job:${uid}`,
      'push probe spool.web',
    ])
    const times = listed.stdout
      .trim()
      .split('\n')
      .map((line) => /\((.*)\)$/.exec(line)?.[1])

    daemon = await startRemoteDaemon(daemon.dir)
    // The next command that reaches the daemon sends the spool first.
    expect(await remote(['push', 'probe', 'spool.web', 'healthy', '--comment', 'third'])).toMatchObject({
      status: 0,
      stderr: '',
    })
    expect((await remote(['spool'])).stdout).toMatch(/the spool is empty/)

    const probe = json<{ reports: { report: { comment: string; pushed_at: string; host?: string } }[] }>(
      await remote(['show', 'spool.web', '--json']),
    )
    expect(probe.reports.map((r) => r.report.comment)).toEqual(['third', 'second', 'first'])
    expect(probe.reports[2]?.report.pushed_at).toBe(times[0])
    expect(probe.reports.map((r) => r.report.host)).toEqual(['web-7.example', 'web-7.example', 'web-7.example'])
    expect(probe.reports[1]?.report.pushed_at).toBe(times[4])
    const job = json<{
      reports: { report: { uid: string; started_at: string; ended_at: string; end_comment: string } }[]
    }>(await remote(['show', 'spool.job', '--json']))
    expect(job.reports).toHaveLength(1)
    expect(job.reports[0]?.report).toMatchObject({ uid, started_at: times[1], ended_at: times[3], end_comment: 'done' })
  })

  it('keeps a remote timon exec while the daemon is away: the command runs, one warning line, the run arrives later', async () => {
    await stopDaemon()
    const result = await remote(['exec', 'spool.exec', '--', 'sh', '-c', 'echo still runs; exit 3'])
    expect(result.status).toBe(3)
    expect(result.stdout).toBe('still runs\n')
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^timon: warning: cannot reach the Timon daemon at http:\/\/127\.0\.0\.1:\d+ .*kept in the spool/,
      ) as unknown,
    ])
    daemon = await startRemoteDaemon(daemon.dir)
    expect(json<{ sent: number }>(await remote(['spool', 'flush', '--json'])).sent).toBeGreaterThanOrEqual(2)
    const shown = json<{ reports: { report: { health: string; exit: { code: number } } }[] }>(
      await remote(['show', 'spool.exec', '--json']),
    )
    expect(shown.reports[0]?.report).toMatchObject({ health: 'critical', exit: { code: 3 } })
  })

  it('sends each entry once when two processes flush at once', async () => {
    await stopDaemon()
    const count = 12
    for (let i = 0; i < count; i++)
      expect((await remote(['push', 'probe', 'spool.race', 'healthy', '--comment', `n${i}`])).status).toBe(0)
    daemon = await startRemoteDaemon(daemon.dir)
    const [a, b] = await Promise.all([remote(['spool', 'flush', '--json']), remote(['spool', 'flush', '--json'])])
    const reports = [a, b].map((result) => json<{ sent: number; left: number }>(result))
    expect(reports[0]!.sent + reports[1]!.sent).toBe(count)
    const shown = json<{ reports: { report: { comment: string } }[] }>(
      await remote(['show', 'spool.race', '--all', '--json']),
    )
    expect(shown.reports.map((r) => r.report.comment).reverse()).toEqual(
      Array.from({ length: count }, (_, i) => `n${i}`),
    )
  })

  it('is off for the local socket: an unreachable daemon is an error there', async () => {
    const result = await exec(
      ['push', 'probe', 'local.web', 'healthy'],
      baseEnv(home.dir, { TIMON_SOCKET: join(home.dir, 'none.sock'), TIMON_CONFIG: join(home.dir, 'timon.toml') }),
    )
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/cannot reach the Timon daemon/)
  })
})
