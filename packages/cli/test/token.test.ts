/** `timon token create|list|revoke` against a real daemon with a TCP listener, and a ping URL with the token made. */
import { execFile } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, startDaemon, type DaemonProcess } from './helpers.js'

const run = promisify(execFile)
let daemon: DaemonProcess
let port: number

beforeAll(async () => {
  ensureBuilt()
  port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as AddressInfo
      server.close(() => resolve(free))
    })
  })
  daemon = await startDaemon({ config: `\n[http]\nlisten = ["127.0.0.1:${port}"]\n` })
})

afterAll(async () => {
  await daemon?.cleanup()
})

describe('timon token', () => {
  it('creates a token (printing only its secret), lists it without the secret, and revokes it', async () => {
    const created = await daemon.timon(['token', 'create', 'backup-host', '--codes', 'db.*', '--expires', '30d'])
    expect(created.status).toBe(0)
    const secret = created.stdout.trim()
    expect(secret).toMatch(/^timon_[A-Za-z0-9_-]{43}$/)
    expect(created.stdout.split('\n').filter((line) => line !== '')).toHaveLength(1)
    expect(daemon.output()).toContain(`listening on http://127.0.0.1:${port}`)

    const ping = await run('curl', [
      '-fsS',
      '-m',
      '10',
      '--retry',
      '5',
      `http://127.0.0.1:${port}/ping/${secret}/db.backup`,
    ])
    expect(ping.stdout).toBe('OK')

    const listed = JSON.parse((await daemon.timon(['token', 'list', '--json'])).stdout) as {
      tokens: Record<string, unknown>[]
    }
    expect(listed.tokens).toEqual([
      {
        name: 'backup-host',
        scope: 'push',
        codes: ['db.*'],
        created_at: expect.any(String),
        last_used_at: expect.any(String),
        expires_at: expect.any(String),
      },
    ])
    const table = await daemon.timon(['token', 'list'])
    expect(table.stdout).toMatch(/^NAME +SCOPE +CODES/)
    expect(table.stdout).toContain('backup-host')
    expect(table.stdout + JSON.stringify(listed)).not.toContain(secret)

    expect((await daemon.timon(['token', 'revoke', 'backup-host'])).status).toBe(0)
    await expect(
      run('curl', ['-fsS', '-m', '10', `http://127.0.0.1:${port}/ping/${secret}/db.backup`]),
    ).rejects.toMatchObject({ code: 22 })
    const again = await daemon.timon(['token', 'revoke', 'backup-host'])
    expect(again.status).not.toBe(0)
    expect(again.stderr).toContain('token does not exist')
    expect(daemon.output()).not.toContain(secret)
  })

  it('refuses a bad scope before calling the daemon', async () => {
    const bad = await daemon.timon(['token', 'create', 'x', '--scope', 'root'])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('invalid --scope "root"')
  })
})
