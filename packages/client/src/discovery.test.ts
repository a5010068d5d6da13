import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { discoverSocket, discoverSocketPath, findConfigFile, resolveSocket, scanSocketKey } from './discovery.js'
import { runtimeDirectory } from './runtime-dir.js'

describe('socket path resolution', () => {
  const ann = { uid: 1000, isDirectory: () => false }

  it('prefers TIMON_SOCKET over everything, then [daemon] socket, both named explicitly', () => {
    expect(
      resolveSocket({ TIMON_SOCKET: '/run/a.sock', XDG_RUNTIME_DIR: '/run/user/1' }, { socket: '/b.sock' }, ann),
    ).toEqual({ path: '/run/a.sock', source: 'env' })
    expect(resolveSocket({ TIMON_SOCKET: '', XDG_RUNTIME_DIR: '/run/user/1' }, { socket: '/b.sock' }, ann)).toEqual({
      path: '/b.sock',
      source: 'config',
    })
    expect(resolveSocket({ TIMON_SOCKET: '/run/a.sock' }, undefined, { uid: 0 })).toEqual({
      path: '/run/a.sock',
      source: 'env',
    })
  })

  it('defaults to /run/timon/timon.sock for root, whatever XDG_RUNTIME_DIR says', () => {
    expect(resolveSocket({ XDG_RUNTIME_DIR: '/run/user/0' }, undefined, { uid: 0 })).toEqual({
      path: '/run/timon/timon.sock',
      source: 'default',
      directory: { path: '/run/timon', mode: 0o755 },
    })
  })

  it('for other users: $XDG_RUNTIME_DIR/timon.sock, else /run/user/<uid>/timon.sock when it exists, else /tmp/timon-<uid>/timon.sock', () => {
    const looked: string[] = []
    const exists = (path: string) => {
      looked.push(path)
      return path === '/run/user/1000'
    }
    expect(resolveSocket({ XDG_RUNTIME_DIR: '/run/user/1000' }, undefined, { uid: 1000, isDirectory: exists })).toEqual(
      {
        path: '/run/user/1000/timon.sock',
        source: 'default',
        directory: undefined,
      },
    )
    expect(looked).toEqual([])
    // Cron has no XDG_RUNTIME_DIR: it finds the login session's daemon all the same.
    expect(resolveSocket({}, undefined, { uid: 1000, isDirectory: exists })).toMatchObject({
      path: '/run/user/1000/timon.sock',
      source: 'default',
    })
    expect(looked).toEqual(['/run/user/1000'])
    expect(resolveSocket({ XDG_RUNTIME_DIR: '' }, undefined, { uid: 1001, isDirectory: exists })).toEqual({
      path: '/tmp/timon-1001/timon.sock',
      source: 'default',
      directory: { path: '/tmp/timon-1001', mode: 0o700 },
    })
  })

  it('puts the runtime directory (locks) in the same places as the default socket, for root too', () => {
    const none = () => false
    // Root's as any user's: /run/timon is the system daemon's.
    expect(runtimeDirectory({ uid: 0, env: { XDG_RUNTIME_DIR: '/run/user/0' } })).toEqual({
      path: '/run/user/0/timon',
      mode: 0o700,
    })
    expect(runtimeDirectory({ uid: 0, env: {}, isDirectory: none })).toEqual({ path: '/tmp/timon-0', mode: 0o700 })
    expect(runtimeDirectory({ uid: 1000, env: { XDG_RUNTIME_DIR: '/x' }, isDirectory: none })).toEqual({
      path: '/x/timon',
      mode: 0o700,
    })
    expect(runtimeDirectory({ uid: 1000, env: {}, isDirectory: (path) => path === '/run/user/1000' })).toEqual({
      path: '/run/user/1000/timon',
      mode: 0o700,
    })
    expect(runtimeDirectory({ uid: 1000, env: {}, isDirectory: none })).toEqual({
      path: '/tmp/timon-1000',
      mode: 0o700,
    })
  })
})

describe('config file search', () => {
  const home = '/home/ann'
  const userFile = '/home/ann/.config/timon/timon.toml'
  const systemFile = '/etc/timon/timon.toml'

  it('uses --config first, then TIMON_CONFIG, whether the file exists or not', () => {
    expect(findConfigFile('/x.toml', { TIMON_CONFIG: '/y.toml', HOME: home }, () => true)).toBe('/x.toml')
    expect(findConfigFile(undefined, { TIMON_CONFIG: '/y.toml', HOME: home }, () => false)).toBe('/y.toml')
  })

  it('then the first of ~/.config/timon/timon.toml and /etc/timon/timon.toml that exists', () => {
    expect(findConfigFile(undefined, { HOME: home }, (path) => path === userFile || path === systemFile)).toBe(userFile)
    expect(findConfigFile(undefined, { HOME: home }, (path) => path === systemFile)).toBe(systemFile)
  })

  it('honours $XDG_CONFIG_HOME', () => {
    const looked: string[] = []
    expect(
      findConfigFile(undefined, { HOME: home, XDG_CONFIG_HOME: '/cfg' }, (path) => {
        looked.push(path)
        return false
      }),
    ).toBeUndefined()
    expect(looked).toEqual(['/cfg/timon/timon.toml', systemFile])
    expect(findConfigFile(undefined, { HOME: home, XDG_CONFIG_HOME: '' }, (path) => path === userFile)).toBe(userFile)
  })

  it('finds nothing otherwise, and never looks in the current directory', () => {
    const looked: string[] = []
    expect(
      findConfigFile(undefined, { HOME: home }, (path) => {
        looked.push(path)
        return false
      }),
    ).toBeUndefined()
    expect(looked).toEqual([userFile, systemFile])
  })
})

describe('client-side socket discovery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'timon-paths-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('finds [daemon] socket in the config file, resolving it against the file', () => {
    const file = join(dir, 'timon.toml')
    writeFileSync(
      file,
      '[daemon]\nlog_level = "debug"\nsocket = "run/t.sock" # here\n\n[[webhook]]\nurl = "http://x"\n',
    )
    expect(discoverSocketPath({ TIMON_CONFIG: file, HOME: dir })).toBe(join(dir, 'run/t.sock'))
    expect(discoverSocketPath({ TIMON_CONFIG: file, TIMON_SOCKET: '/e.sock', HOME: dir })).toBe('/e.sock')
  })

  it('falls back to the default place without a file or a key, and says so', () => {
    const ann = { uid: 1000, isDirectory: () => false }
    expect(discoverSocket({ TIMON_CONFIG: join(dir, 'missing.toml'), HOME: dir }, undefined, ann)).toMatchObject({
      path: '/tmp/timon-1000/timon.sock',
      source: 'default',
    })
    expect(discoverSocket({ HOME: dir, XDG_RUNTIME_DIR: '/run/user/7' }, undefined, ann)).toMatchObject({
      path: '/run/user/7/timon.sock',
      source: 'default',
    })
    const file = join(dir, 'named.toml')
    writeFileSync(file, '[daemon]\nsocket = "/srv/t.sock"\n')
    expect(discoverSocket({ TIMON_CONFIG: file, HOME: dir }, undefined, ann)).toEqual({
      path: '/srv/t.sock',
      source: 'config',
    })
  })

  it('reads only the daemon table', () => {
    expect(scanSocketKey('socket = "/top.sock"\n[other]\nsocket = "/o.sock"\n')).toBeUndefined()
    expect(scanSocketKey('[other]\nsocket = "/o.sock"\n[ daemon ]\nsocket = \'/d.sock\'\n')).toBe('/d.sock')
    expect(scanSocketKey('daemon.socket = "/dotted.sock"\n')).toBe('/dotted.sock')
    expect(scanSocketKey('[daemon]\nsocket = "/a\\"b.sock"\n')).toBe('/a"b.sock')
  })
})
