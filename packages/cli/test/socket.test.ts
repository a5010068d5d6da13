/**
 * The default socket cannot be squatted: `timon` run by a user (uid 12345) without
 * `TIMON_SOCKET` refuses a socket in its default place that belongs to someone else, and says so;
 * named explicitly, the same socket is used. The tests run as root, which lets them chown and run
 * `timon` as other users.
 */
import { chmodSync, chownSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { baseEnv, ensureBuilt, exec, tempDir } from './helpers.js'

beforeAll(() => ensureBuilt())

const isRoot = process.getuid?.() === 0
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe.runIf(isRoot)('a squatted default socket', () => {
  it('is refused with a clear error and never sent the push, unless it is named explicitly', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    chmodSync(dir, 0o755)
    const socket = join(dir, 'timon.sock')
    const received: string[] = []
    const squatter: Server = createServer((connection) => {
      connection.on('error', () => {})
      connection.on('data', (chunk: Buffer) => {
        received.push(chunk.toString())
        connection.end()
      })
    })
    await new Promise<void>((resolve) => squatter.listen(socket, resolve))
    cleanups.push(() => squatter.close())
    chmodSync(socket, 0o777)
    chownSync(socket, 23456, 23456)

    // The user's runtime directory is $XDG_RUNTIME_DIR (here: dir): the default socket is dir/timon.sock.
    const env = baseEnv(dir, { XDG_RUNTIME_DIR: dir })
    const push = ['push', 'probe', 'squat.test', 'healthy', '--comment', 'secret']
    const refused = await exec(push, env, { uid: 12345 })
    expect(refused.status).toBe(1)
    expect(refused.stderr).toBe(
      `Error: refusing the socket ${socket}: it belongs to uid 23456, neither this user (uid 12345) nor root; another user may be impersonating the Timon daemon. If it is the daemon you mean, name it with TIMON_SOCKET or [daemon] socket\n`,
    )
    expect(received).toEqual([])

    const named = await exec(push, { ...env, TIMON_SOCKET: socket }, { uid: 12345 })
    expect(named.status).toBe(1) // the squatter does not answer as the daemon would
    expect(received.join('')).toContain('"comment":"secret"')
  })
})
