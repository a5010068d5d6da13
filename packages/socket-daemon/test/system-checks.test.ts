// [[check]] of type command and tcp through the daemon: parsed from the config, polled, reloaded.
import net from 'node:net'
import { parseConfig } from '@timon/socket-daemon'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestDaemon, type TestDaemon } from './helpers.js'

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 400): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read()
    if (done(value) || i >= tries) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('checks of other types in the daemon', () => {
  let daemon: TestDaemon | undefined
  afterEach(async () => {
    await daemon?.cleanup()
    daemon = undefined
  })

  it('polls command and tcp checks from the config, and reloads them on SIGHUP', async () => {
    const server = net.createServer((socket) => socket.end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as net.AddressInfo
    const config = (checks: unknown[]) => parseConfig({ check: checks }, { baseDir: '/' })._unsafeUnwrap().systemChecks
    const command = {
      type: 'command',
      code: 'cmd.warn',
      command: ['/bin/sh', '-c', 'echo "SOMETHING WARNING - 3 left"; exit 1'],
      interval: '1s',
    }
    const tcp = { type: 'tcp', code: 'tcp.up', address: `127.0.0.1:${port}`, interval: '1s' }
    daemon = await startTestDaemon({ systemChecks: config([command, tcp]) })
    const client = daemon.client
    const status = await eventually(
      () => client.status(),
      (r) => r.isOk() && r.value.contracts.filter((c) => c.lastReport !== undefined).length === 2,
    )
    const byCode = Object.fromEntries(status._unsafeUnwrap().contracts.map((c) => [c.contract.code, c.lastReport]))
    expect(byCode['cmd.warn']).toMatchObject({ health: 'warning', comment: 'SOMETHING WARNING - 3 left' })
    expect(byCode['tcp.up']).toMatchObject({
      health: 'healthy',
      comment: expect.stringMatching(/^connected in \d+ms$/),
    })

    const next = parseConfig(
      { daemon: { data_dir: daemon.config.dataDir, socket: daemon.config.socket }, check: [tcp] },
      { baseDir: '/' },
    )._unsafeUnwrap()
    expect(await daemon.daemon.reload(next)).toMatchObject({
      added: [],
      removed: ['cmd.warn'],
      changed: [],
      unchanged: 1,
    })
    await new Promise((resolve) => server.close(resolve))
  })

  it('names the check and the key of a bad table, and an unknown type', () => {
    const issues = parseConfig(
      {
        check: [
          { type: 'ftp', code: 'x.y' },
          { type: 'tls', code: 'a.b', address: 'nohost' },
          { code: 'web', url: 'http://127.0.0.1/' },
          { type: 'disk', code: 'web', path: '/' },
        ],
      },
      { baseDir: '/' },
    )._unsafeUnwrapErr()
    expect(issues).toEqual([
      'check[0].type: must be one of: http, command, tcp, tls, disk, system',
      'check[1].address: must be "host:port" with a port from 1 to 65535, got "nohost"',
      'check[3].code: probe code "web" is already fed by an HTTP check',
    ])
  })
})
