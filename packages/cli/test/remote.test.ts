/**
 * The CLI against a remote daemon over TCP (issue 11): the built binary with `TIMON_URL` and a
 * token, through a small proxy on 127.0.0.1 that checks the bearer token and forwards to the real
 * daemon's socket (until the daemon's own listener takes its place), and the client spool across
 * a daemon stopped for a while.
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseEnv, ensureBuilt, exec, startDaemon, tempDir, type DaemonProcess, type Exec } from './helpers.js'

const TOKEN = 'tmn_remote-test-secret-0123456789'

/** A TCP front of the daemon's socket that wants `Authorization: Bearer TOKEN`; closing it refuses connections. */
class TokenProxy {
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined
  port = 0
  requests = 0

  constructor(private socketPath: string) {}

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      this.requests += 1
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthorized', message: 'a valid bearer token is required' } }))
        return
      }
      const headers = { ...req.headers }
      delete headers.authorization
      const upstream = request({ socketPath: this.socketPath, method: req.method, path: req.url, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      })
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'internal', message: 'the daemon is away' } }))
        else res.destroy()
      })
      req.pipe(upstream)
    })
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.port = (server.address() as AddressInfo).port
    this.#server = server
  }

  async close(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    if (server !== undefined) await new Promise((resolve) => server.close(resolve))
  }
}

let daemon: DaemonProcess
let proxy: TokenProxy
let home: { dir: string; remove: () => void }

/** The environment of a machine that talks to the daemon over TCP only (no socket); its spool in the test's directory (root's default is /var/lib/timon/spool). */
function remoteEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return baseEnv(home.dir, { TIMON_URL: `http://127.0.0.1:${proxy.port}`, TIMON_TOKEN: TOKEN, TIMON_HOST: 'web-7.example', TIMON_CONFIG: join(home.dir, 'timon.toml'), ...extra })
}
const remote = (args: readonly string[], extra: Record<string, string> = {}): Promise<Exec> => exec(args, remoteEnv(extra))

function json<T = Record<string, unknown>>(result: Exec): T {
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as T
}

beforeAll(async () => {
  ensureBuilt()
  daemon = await startDaemon()
  proxy = new TokenProxy(daemon.socket)
  await proxy.listen()
  home = tempDir('tcli-remote-')
  writeFileSync(join(home.dir, 'timon.toml'), `[client]\nspool_dir = "${join(home.dir, 'spool')}"\n`)
})

afterAll(async () => {
  await proxy?.close()
  await daemon?.cleanup()
  home?.remove()
})

describe('the CLI against a remote daemon (TIMON_URL)', () => {
  it('pushes and reads over TCP with the token, with the same output as on the socket, and the host', async () => {
    expect(await remote(['push', 'probe', 'remote.web', 'healthy', '--comment', 'over TCP'])).toMatchObject({ status: 0, stdout: '', stderr: '' })
    const shown = json<{ reports: { report: { comment: string; host?: string } }[] }>(await remote(['show', 'remote.web', '--json']))
    expect(shown.reports[0]?.report).toMatchObject({ comment: 'over TCP' })
    const overTcp = await remote(['status'])
    const overSocket = await daemon.timon(['status'])
    expect(overTcp).toMatchObject({ status: 0, stderr: '' })
    expect(overTcp.stdout.replace(/\d+m?s ago/g, 'ago')).toBe(overSocket.stdout.replace(/\d+m?s ago/g, 'ago'))
  })

  it('fails with the daemon\'s message and never shows the token', async () => {
    const wrong = await remote(['summary'], { TIMON_TOKEN: 'tmn_wrong-secret-value' })
    expect(wrong.status).toBe(1)
    expect(wrong.stderr).toMatch(/a valid bearer token is required/)
    const refused = await remote(['status'], { TIMON_URL: 'http://127.0.0.1:1' })
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/cannot reach the Timon daemon at http:\/\/127\.0\.0\.1:1 \(connect ECONNREFUSED\)/)
    for (const result of [wrong, refused]) expect(result.stdout + result.stderr).not.toMatch(/tmn_/)
  })

  it('runs timon exec remotely: the run, its steps and its output reach the daemon', async () => {
    const result = await remote(['exec', 'remote.exec', '--', 'sh', '-c', 'echo remote output; echo on stderr >&2'])
    expect(result).toMatchObject({ status: 0, stdout: 'remote output\n', stderr: 'on stderr\n' })
    const shown = json<{ reports: { report: { health: string; ended_at: string | null } }[] }>(await remote(['show', 'remote.exec', '--json']))
    expect(shown.reports[0]?.report).toMatchObject({ health: 'healthy', ended_at: expect.any(String) as unknown })
    const log = await remote(['logs', 'remote.exec'])
    expect(log.stdout).toContain('remote output\n')
  })
})

describe('the client spool', () => {
  it('keeps every push while the daemon is away and sends each once, in order, with its original time', async () => {
    await daemon.stop()
    await proxy.close()
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
      expect(result.stderr).toMatch(/^timon: warning: cannot reach the Timon daemon at http:\/\/127\.0\.0\.1:\d+ .*kept in the spool/)
      expect(result.stderr).not.toContain(TOKEN)
    }
    const listed = await remote(['spool'])
    expect(listed.stdout.trim().split('\n').map((line) => line.replace(/ \(.*\)$/, ''))).toEqual([
      'push probe spool.web',
      `push job start spool.job:${uid}`,
      `push job step spool.job:${uid}`,
      `push job end spool.job:${uid}`,
      'push probe spool.web',
    ])
    const times = listed.stdout.trim().split('\n').map((line) => /\((.*)\)$/.exec(line)?.[1])

    daemon = await startDaemon({ dir: daemon.dir })
    proxy = Object.assign(new TokenProxy(daemon.socket), { port: proxy.port })
    await proxy.listen()
    // The next command that reaches the daemon sends the spool first.
    expect(await remote(['push', 'probe', 'spool.web', 'healthy', '--comment', 'third'])).toMatchObject({ status: 0, stderr: '' })
    expect((await remote(['spool'])).stdout).toMatch(/the spool is empty/)

    const probe = json<{ reports: { report: { comment: string; pushed_at: string; host?: string } }[] }>(await remote(['show', 'spool.web', '--json']))
    expect(probe.reports.map((r) => r.report.comment)).toEqual(['third', 'second', 'first'])
    expect(probe.reports[2]?.report.pushed_at).toBe(times[0])
    expect(probe.reports[1]?.report.pushed_at).toBe(times[4])
    const job = json<{ reports: { report: { uid: string; started_at: string; ended_at: string; end_comment: string } }[] }>(await remote(['show', 'spool.job', '--json']))
    expect(job.reports).toHaveLength(1)
    expect(job.reports[0]?.report).toMatchObject({ uid, started_at: times[1], ended_at: times[3], end_comment: 'done' })
  })

  it('keeps a remote timon exec while the daemon is away: the command runs, one warning line, the run arrives later', async () => {
    await daemon.stop()
    await proxy.close()
    const result = await remote(['exec', 'spool.exec', '--', 'sh', '-c', 'echo still runs; exit 3'])
    expect(result.status).toBe(3)
    expect(result.stdout).toBe('still runs\n')
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^timon: warning: cannot reach the Timon daemon at http:\/\/127\.0\.0\.1:\d+ .*kept in the spool/) as unknown])
    daemon = await startDaemon({ dir: daemon.dir })
    proxy = Object.assign(new TokenProxy(daemon.socket), { port: proxy.port })
    await proxy.listen()
    expect(json<{ sent: number }>(await remote(['spool', 'flush', '--json'])).sent).toBeGreaterThanOrEqual(2)
    const shown = json<{ reports: { report: { health: string; exit: { code: number } } }[] }>(await remote(['show', 'spool.exec', '--json']))
    expect(shown.reports[0]?.report).toMatchObject({ health: 'critical', exit: { code: 3 } })
  })

  it('sends each entry once when two processes flush at once', async () => {
    await daemon.stop()
    await proxy.close()
    const count = 12
    for (let i = 0; i < count; i++) expect((await remote(['push', 'probe', 'spool.race', 'healthy', '--comment', `n${i}`])).status).toBe(0)
    daemon = await startDaemon({ dir: daemon.dir })
    proxy = Object.assign(new TokenProxy(daemon.socket), { port: proxy.port })
    await proxy.listen()
    const [a, b] = await Promise.all([remote(['spool', 'flush', '--json']), remote(['spool', 'flush', '--json'])])
    const reports = [a, b].map((result) => json<{ sent: number; left: number }>(result))
    expect(reports[0]!.sent + reports[1]!.sent).toBe(count)
    const shown = json<{ reports: { report: { comment: string } }[] }>(await remote(['show', 'spool.race', '--all', '--json']))
    expect(shown.reports.map((r) => r.report.comment).reverse()).toEqual(Array.from({ length: count }, (_, i) => `n${i}`))
  })

  it('is off for the local socket: an unreachable daemon is an error there', async () => {
    const result = await exec(['push', 'probe', 'local.web', 'healthy'], baseEnv(home.dir, { TIMON_SOCKET: join(home.dir, 'none.sock'), TIMON_CONFIG: join(home.dir, 'timon.toml') }))
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/cannot reach the Timon daemon/)
  })
})
