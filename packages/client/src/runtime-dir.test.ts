import { describe, expect, it } from 'vitest'
import { checkSocketOwner, ensurePrivateDirectory, type FileSystemProbe } from './runtime-dir.js'

interface Entry {
  readonly uid: number
  readonly mode: number
  readonly kind: 'dir' | 'socket' | 'link' | 'file'
}

/** A file system of `entries`, recording the directories made. */
function fakeFs(entries: Record<string, Entry>): FileSystemProbe & { made: string[] } {
  const made: string[] = []
  const missing = (path: string) => Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
  return {
    made,
    lstat(path) {
      const entry = entries[path]
      if (entry === undefined) throw missing(path)
      return {
        uid: entry.uid,
        mode: entry.mode,
        isDirectory: () => entry.kind === 'dir',
        isSymbolicLink: () => entry.kind === 'link',
      }
    },
    mkdir(path, mode) {
      if (entries[path] !== undefined) throw Object.assign(new Error(`EEXIST: ${path}`), { code: 'EEXIST' })
      entries[path] = { uid: 1000, mode: 0o40000 | mode, kind: 'dir' }
      made.push(path)
    },
  }
}

describe('ensurePrivateDirectory', () => {
  const own = { path: '/tmp/timon-1000', mode: 0o700 }

  it('creates a missing directory with its mode', () => {
    const fs = fakeFs({})
    expect(ensurePrivateDirectory(own, { uid: 1000, fs })).toBeUndefined()
    expect(fs.made).toEqual(['/tmp/timon-1000'])
  })

  it("accepts one that is the user's and open to nobody else", () => {
    expect(
      ensurePrivateDirectory(own, {
        uid: 1000,
        fs: fakeFs({ '/tmp/timon-1000': { uid: 1000, mode: 0o40700, kind: 'dir' } }),
      }),
    ).toBeUndefined()
    expect(
      ensurePrivateDirectory(
        { path: '/run/timon', mode: 0o755 },
        { uid: 0, fs: fakeFs({ '/run/timon': { uid: 0, mode: 0o40755, kind: 'dir' } }) },
      ),
    ).toBeUndefined()
  })

  it('refuses one that another user created, one open to others, and a link', () => {
    expect(
      ensurePrivateDirectory(own, {
        uid: 1000,
        fs: fakeFs({ '/tmp/timon-1000': { uid: 12345, mode: 0o40700, kind: 'dir' } }),
      }),
    ).toBe(
      'the directory /tmp/timon-1000 belongs to uid 12345, not to this user (uid 1000): another user may have created it; remove it, or name another place (TIMON_SOCKET, [daemon] socket)',
    )
    expect(
      ensurePrivateDirectory(own, {
        uid: 1000,
        fs: fakeFs({ '/tmp/timon-1000': { uid: 1000, mode: 0o40750, kind: 'dir' } }),
      }),
    ).toMatch(/^the directory \/tmp\/timon-1000 is open to other users \(mode 0750, at most 0700 expected\)/)
    expect(
      ensurePrivateDirectory(
        { path: '/run/timon', mode: 0o755 },
        { uid: 0, fs: fakeFs({ '/run/timon': { uid: 0, mode: 0o40777, kind: 'dir' } }) },
      ),
    ).toMatch(/open to other users/)
    expect(
      ensurePrivateDirectory(own, {
        uid: 1000,
        fs: fakeFs({ '/tmp/timon-1000': { uid: 1000, mode: 0o120777, kind: 'link' } }),
      }),
    ).toMatch(/^\/tmp\/timon-1000 is not a directory/)
  })
})

describe('checkSocketOwner', () => {
  const dir: Entry = { uid: 1000, mode: 0o40700, kind: 'dir' }

  it("accepts the user's socket, root's, and a socket that is not there (connecting says so)", () => {
    expect(
      checkSocketOwner('/run/user/1000/timon.sock', {
        uid: 1000,
        fs: fakeFs({
          '/run/user/1000': dir,
          '/run/user/1000/timon.sock': { uid: 1000, mode: 0o140600, kind: 'socket' },
        }),
      }),
    ).toBeUndefined()
    expect(
      checkSocketOwner('/run/timon/timon.sock', {
        uid: 1000,
        fs: fakeFs({
          '/run/timon': { uid: 0, mode: 0o40755, kind: 'dir' },
          '/run/timon/timon.sock': { uid: 0, mode: 0o140660, kind: 'socket' },
        }),
      }),
    ).toBeUndefined()
    expect(checkSocketOwner('/tmp/timon-1000/timon.sock', { uid: 1000, fs: fakeFs({}) })).toBeUndefined()
  })

  it("refuses another user's socket, or a socket in another user's directory or one others may write to", () => {
    expect(
      checkSocketOwner('/tmp/timon-1000/timon.sock', {
        uid: 1000,
        fs: fakeFs({
          '/tmp/timon-1000': dir,
          '/tmp/timon-1000/timon.sock': { uid: 12345, mode: 0o140600, kind: 'socket' },
        }),
      }),
    ).toBe(
      'refusing the socket /tmp/timon-1000/timon.sock: it belongs to uid 12345, neither this user (uid 1000) nor root; another user may be impersonating the Timon daemon. If it is the daemon you mean, name it with TIMON_SOCKET or [daemon] socket',
    )
    const mine = { uid: 1000, mode: 0o140600, kind: 'socket' } as const
    expect(
      checkSocketOwner('/tmp/timon-1000/timon.sock', {
        uid: 1000,
        fs: fakeFs({ '/tmp/timon-1000': { ...dir, uid: 12345 }, '/tmp/timon-1000/timon.sock': mine }),
      }),
    ).toMatch(/its directory \/tmp\/timon-1000 belongs to uid 12345/)
    expect(
      checkSocketOwner('/x/timon.sock', {
        uid: 1000,
        fs: fakeFs({ '/x': { ...dir, mode: 0o40777 }, '/x/timon.sock': mine }),
      }),
    ).toMatch(/its directory \/x is writable by other users/)
    expect(
      checkSocketOwner('/x/timon.sock', {
        uid: 1000,
        fs: fakeFs({ '/x': { ...dir, uid: 0, mode: 0o41777 }, '/x/timon.sock': mine }),
      }),
    ).toBeUndefined()
  })
})
