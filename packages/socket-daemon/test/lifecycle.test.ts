import { chmodSync, chownSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { request } from 'node:http'
import { join } from 'node:path'
import { TimonClient } from '@timon/client'
import { DaemonStartError, startDaemon } from '@timon/socket-daemon'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTempDir, startReceiver, startTestDaemon, testConfig, webhooks, type TestDaemon } from './helpers.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function started(
  overrides: Parameters<typeof startTestDaemon>[0] = {},
  dir?: ReturnType<typeof makeTempDir>,
): Promise<TestDaemon> {
  const t = await startTestDaemon(overrides, dir)
  cleanups.push(t.cleanup)
  return t
}

function tempDir() {
  const dir = makeTempDir()
  cleanups.push(dir.remove)
  return dir
}

describe('single instance', () => {
  it('refuses to start a second daemon on the same socket before opening its database', async () => {
    const first = await started()
    const other = tempDir()
    const config = testConfig(other.dir, { socket: first.config.socket })
    await expect(startDaemon({ config })).rejects.toThrow(
      `another Timon daemon is already running on ${first.config.socket}`,
    )
    expect(existsSync(config.dataDir)).toBe(false)
    expect((await first.client.health()).isOk()).toBe(true)
  })

  it('removes a stale socket file nobody listens on', async () => {
    const dir = tempDir()
    const socket = join(dir.dir, 's.sock')
    // A socket file left behind: listen elsewhere, move the file in place, close (which unlinks the old name).
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(join(dir.dir, 'tmp.sock'), resolve))
    renameSync(join(dir.dir, 'tmp.sock'), socket)
    await new Promise<void>((resolve) => server.close(() => resolve()))
    expect(statSync(socket).isSocket()).toBe(true)

    const t = await started({}, { dir: dir.dir, remove: () => {} })
    expect((await t.client.health()).isOk()).toBe(true)
  })

  it('never removes a file that is not a socket', async () => {
    const dir = tempDir()
    const config = testConfig(dir.dir)
    writeFileSync(config.socket, 'precious')
    await expect(startDaemon({ config })).rejects.toThrow('exists and is not a socket')
    expect(existsSync(config.dataDir)).toBe(false)
  })

  it('refuses a run log directory other users can write to', async () => {
    const dir = tempDir()
    const config = testConfig(dir.dir)
    mkdirSync(config.exec.logDir, { recursive: true })
    chmodSync(config.exec.logDir, 0o777)
    await expect(startDaemon({ config })).rejects.toThrow(
      new DaemonStartError(
        `refusing the run log directory "${config.exec.logDir}" ([exec] log_dir): other users can write to it (mode 0777); make it writable by the daemon's user only (chmod go-w)`,
      ),
    )
  })
})

describe('the socket', () => {
  it('is created 0600 by default', async () => {
    const t = await started()
    expect(statSync(t.config.socket).mode & 0o777).toBe(0o600)
  })

  it('takes socket_mode and socket_group', async () => {
    const gid = process.getgid?.() ?? 0
    const t = await started({ socketMode: 0o660, socketGroup: String(gid) })
    const stats = statSync(t.config.socket)
    expect([stats.mode & 0o777, stats.gid]).toEqual([0o660, gid])
  })

  it("creates the default socket's own directory 0700, and refuses one another user created, before opening the database", async () => {
    const uid = process.getuid?.() ?? 0
    const dir = tempDir()
    const own = join(dir.dir, 'own')
    const t = await started(
      { socket: join(own, 'timon.sock'), socketDirectory: { path: own, mode: 0o700 } },
      { dir: dir.dir, remove: () => {} },
    )
    expect(statSync(own).mode & 0o777).toBe(0o700)
    expect((await t.client.health()).isOk()).toBe(true)

    const other = tempDir()
    const squatted = join(other.dir, 'own')
    mkdirSync(squatted, { mode: 0o700 })
    chownSync(squatted, 12345, 12345)
    const config = testConfig(other.dir, {
      socket: join(squatted, 'timon.sock'),
      socketDirectory: { path: squatted, mode: 0o700 },
    })
    await expect(startDaemon({ config })).rejects.toThrow(
      new DaemonStartError(
        `cannot use the default socket ${config.socket}: the directory ${squatted} belongs to uid 12345, not to this user (uid ${uid}): another user may have created it; remove it, or name another place (TIMON_SOCKET, [daemon] socket)`,
      ),
    )
    chownSync(squatted, uid, uid)
    chmodSync(squatted, 0o770)
    await expect(startDaemon({ config })).rejects.toThrow(/is open to other users \(mode 0770, at most 0700 expected\)/)
    expect(existsSync(config.dataDir)).toBe(false)
  })

  it('refuses an unknown socket_group before opening the database', async () => {
    const dir = tempDir()
    const config = testConfig(dir.dir, { socketGroup: 'no-such-group-here' })
    await expect(startDaemon({ config })).rejects.toThrow('daemon.socket_group: unknown group "no-such-group-here"')
    expect(existsSync(config.dataDir)).toBe(false)
  })
})

describe('graceful stop', () => {
  it('finishes a request in flight, then closes the store and removes the socket', async () => {
    const dir = tempDir()
    const config = testConfig(dir.dir)
    const daemon = await startDaemon({ config })
    const body = JSON.stringify({ code: 'in.flight', health: 'healthy' })

    // Send the headers and half the body, stop, then send the rest.
    const answer = new Promise<number>((resolve, reject) => {
      const req = request(
        {
          socketPath: config.socket,
          path: '/v1/push/probe',
          method: 'POST',
          agent: false,
          headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
        },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        },
      )
      req.on('error', reject)
      req.write(body.slice(0, 10))
      setTimeout(() => req.end(body.slice(10)), 100)
    })
    await new Promise((resolve) => setTimeout(resolve, 30))
    const stopping = daemon.stop()
    expect(await answer).toBe(201)
    await stopping
    expect(existsSync(config.socket)).toBe(false)

    const client = new TimonClient({ socketPath: config.socket })
    expect((await client.health())._unsafeUnwrapErr().code).toBe('unreachable')
    client.close()

    // The push was committed: a new daemon on the same data dir has it.
    const again = await startDaemon({ config })
    const agained = new TimonClient({ socketPath: config.socket })
    expect((await agained.show('in.flight')).isOk()).toBe(true)
    agained.close()
    await again.stop()
  })
})

describe('restart', () => {
  it('keeps the data, and sends the deliveries still pending', async () => {
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    receiver.answer('/hook', 503)
    const hooks = webhooks([
      { on: ['incident.open'], url: `${receiver.url}/hook`, retry: { attempts: 5, delay: '300ms' } },
    ])
    const dir = tempDir()
    const config = testConfig(dir.dir, { webhooks: hooks })

    const first = await startDaemon({ config })
    const client = new TimonClient({ socketPath: config.socket })
    cleanups.push(() => client.close())
    await client.pushProbe({ code: 'persist.me', health: 'healthy', comment: 'before restart' })
    const { incident } = (await client.openIncident({ title: 'survives restarts' }))._unsafeUnwrap()
    for (let i = 0; i < 100 && receiver.attempts.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    expect(receiver.attempts).toHaveLength(1)
    await first.stop()
    expect((await client.health()).isErr()).toBe(true)

    receiver.answer('/hook', 200)
    const second = await startDaemon({ config })
    cleanups.push(() => second.stop())
    const status = (await client.status())._unsafeUnwrap()
    expect(status.contracts.map((c) => c.contract.code)).toEqual(['persist.me'])
    expect(status.activeIncidents.map((i) => i.id)).toEqual([incident.id])
    const delivered = await receiver.waitFor((h) => h.json._event === 'incident.open', 3000)
    expect(delivered.headers['x-timon-delivery']).toBe(receiver.attempts[0]?.headers['x-timon-delivery'])
  })
})
