/**
 * A discovered socket that belongs to another user is refused (issue: the default socket could be
 * squatted). Real sockets, chowned to other uids: the tests run as root.
 */
import { chmodSync, chownSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { TimonClient } from '@timon/client'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTempDir } from './helpers.js'

const isRoot = process.getuid?.() === 0
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A server on `<dir>/timon.sock` that counts connections and answers every request `{"ok": true}`. */
async function listener(): Promise<{ dir: string; socket: string; connections: () => number }> {
  const dir = makeTempDir()
  const socket = join(dir.dir, 'timon.sock')
  let connections = 0
  const server: Server = createServer((connection) => {
    connections++
    connection.on('error', () => {})
    connection.on('data', () =>
      connection.write(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 29\r\n\r\n{"ok": true, "version": "x"}\n',
      ),
    )
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  cleanups.push(() => {
    server.close()
    dir.remove()
  })
  return { dir: dir.dir, socket, connections: () => connections }
}

describe.runIf(isRoot)('a socket found in the default place', () => {
  it("is used when it is the user's or root's, and refused, before connecting, when it is another user's", async () => {
    const { dir, socket, connections } = await listener()
    // User 4242 without a runtime directory of its own: the default place is $XDG_RUNTIME_DIR/timon.sock.
    const client = new TimonClient({ env: { XDG_RUNTIME_DIR: dir, HOME: dir }, uid: 4242 })
    cleanups.push(() => client.close())
    expect(client.address).toBe(socket)
    expect((await client.health()).isOk()).toBe(true) // root's socket
    client.close()
    expect(connections()).toBe(1)

    chownSync(socket, 12345, 12345)
    const refused = (await client.health())._unsafeUnwrapErr()
    expect(refused).toEqual({
      code: 'unreachable',
      message: `refusing the socket ${socket}: it belongs to uid 12345, neither this user (uid 4242) nor root; another user may be impersonating the Timon daemon. If it is the daemon you mean, name it with TIMON_SOCKET or [daemon] socket`,
    })
    expect((await client.readLog('a.job'))._unsafeUnwrapErr()).toEqual(refused)
    const output = await client.streamOutput('a.job', '0123456789ab')
    expect(output.error).toEqual(refused)
    expect(connections()).toBe(1)

    chownSync(socket, 4242, 4242)
    expect((await client.health()).isOk()).toBe(true) // the user's own
  })

  it('is refused in a directory another user owns', async () => {
    const { dir, socket, connections } = await listener()
    chownSync(dir, 12345, 12345)
    chmodSync(dir, 0o700)
    const client = new TimonClient({ env: { XDG_RUNTIME_DIR: dir, HOME: dir }, uid: 4242 })
    cleanups.push(() => client.close())
    expect((await client.health())._unsafeUnwrapErr().message).toMatch(
      `refusing the socket ${socket}: its directory ${dir} belongs to uid 12345`,
    )
    expect(connections()).toBe(0)
  })

  it('is trusted when named explicitly (TIMON_SOCKET, or a socketPath)', async () => {
    const { dir, socket, connections } = await listener()
    chownSync(socket, 12345, 12345)
    const named = new TimonClient({ env: { TIMON_SOCKET: socket, XDG_RUNTIME_DIR: dir, HOME: dir }, uid: 4242 })
    const given = new TimonClient({ socketPath: socket })
    cleanups.push(
      () => named.close(),
      () => given.close(),
    )
    expect((await named.health()).isOk()).toBe(true)
    expect((await given.health()).isOk()).toBe(true)
    expect(connections()).toBe(2)
  })
})
