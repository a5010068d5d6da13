import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { discoverSocketPath, findConfigFile, resolveSocketPath, scanSocketKey } from './discovery.js'

describe('socket path resolution', () => {
  it('prefers TIMON_SOCKET over everything', () => {
    expect(resolveSocketPath({ TIMON_SOCKET: '/run/a.sock', XDG_RUNTIME_DIR: '/run/user/1' }, { socket: '/b.sock' })).toBe('/run/a.sock')
  })

  it('uses [daemon] socket when TIMON_SOCKET is unset or empty', () => {
    expect(resolveSocketPath({ TIMON_SOCKET: '', XDG_RUNTIME_DIR: '/run/user/1' }, { socket: '/b.sock' })).toBe('/b.sock')
  })

  it('falls back to $XDG_RUNTIME_DIR/timon.sock, then /tmp/timon.sock', () => {
    expect(resolveSocketPath({ XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/run/user/1/timon.sock')
    expect(resolveSocketPath({})).toBe('/tmp/timon.sock')
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

  it('finds nothing otherwise, and never looks in the current directory', () => {
    const looked: string[] = []
    expect(findConfigFile(undefined, { HOME: home }, (path) => (looked.push(path), false))).toBeUndefined()
    expect(looked).toEqual([userFile, systemFile])
  })
})

describe('client-side socket discovery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'timon-paths-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('finds [daemon] socket in the config file, resolving it against the file', () => {
    const file = join(dir, 'timon.toml')
    writeFileSync(file, '[daemon]\nlog_level = "debug"\nsocket = "run/t.sock" # here\n\n[[webhook]]\nurl = "http://x"\n')
    expect(discoverSocketPath({ TIMON_CONFIG: file, HOME: dir })).toBe(join(dir, 'run/t.sock'))
    expect(discoverSocketPath({ TIMON_CONFIG: file, TIMON_SOCKET: '/e.sock', HOME: dir })).toBe('/e.sock')
  })

  it('falls back to the defaults without a file or a key', () => {
    expect(discoverSocketPath({ TIMON_CONFIG: join(dir, 'missing.toml'), HOME: dir })).toBe('/tmp/timon.sock')
    expect(discoverSocketPath({ HOME: dir, XDG_RUNTIME_DIR: '/run/user/7' })).toBe('/run/user/7/timon.sock')
  })

  it('reads only the daemon table', () => {
    expect(scanSocketKey('socket = "/top.sock"\n[other]\nsocket = "/o.sock"\n')).toBeUndefined()
    expect(scanSocketKey('[other]\nsocket = "/o.sock"\n[ daemon ]\nsocket = \'/d.sock\'\n')).toBe('/d.sock')
    expect(scanSocketKey('daemon.socket = "/dotted.sock"\n')).toBe('/dotted.sock')
    expect(scanSocketKey('[daemon]\nsocket = "/a\\"b.sock"\n')).toBe('/a"b.sock')
  })
})
