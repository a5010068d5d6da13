import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultSpoolDir, machineName, readClientSettings, scanClientTable } from '../src/client-config.js'
import { makeTempDir } from './helpers.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function configDir(toml: string): string {
  const { dir, remove } = makeTempDir()
  cleanups.push(remove)
  mkdirSync(join(dir, 'etc'))
  writeFileSync(join(dir, 'etc', 'timon.toml'), toml)
  return dir
}

describe('scanClientTable', () => {
  it('reads the [client] keys, strings and booleans, and nothing from other tables', () => {
    const text =
      '[daemon]\nurl = "no"\n[client]\nurl = "https://m.example:8923" # here\ntoken_file = \'/etc/timon/token\'\nspool = false\n[exec]\nspool_dir = "no"\n'
    expect(scanClientTable(text)).toEqual({
      url: 'https://m.example:8923',
      token_file: '/etc/timon/token',
      spool: false,
    })
    expect(scanClientTable('client.url = "http://a"\n')).toEqual({ url: 'http://a' })
  })
})

describe('readClientSettings', () => {
  it('takes the environment first, then the file; resolves the token file against the file; spool on for a remote daemon', () => {
    const dir = configDir('[client]\nurl = "https://m.example"\ntoken_file = "token"\nspool_dir = "spool"\n')
    writeFileSync(join(dir, 'etc', 'token'), 'tmn_file-secret\n')
    const env = { HOME: dir, TIMON_CONFIG: join(dir, 'etc', 'timon.toml'), TIMON_HOST: 'box-1' }
    const fromFile = readClientSettings(env, undefined, 1000)
    expect(fromFile).toEqual({
      ok: true,
      value: {
        remote: { url: 'https://m.example', source: 'config', token: 'tmn_file-secret', caPem: undefined },
        spool: true,
        spoolDir: join(dir, 'etc', 'spool'),
        host: 'box-1',
      },
    })
    const fromEnv = readClientSettings(
      { ...env, TIMON_URL: 'http://other:1', TIMON_TOKEN: 'tmn_env', TIMON_SPOOL: '0' },
      undefined,
      1000,
    )
    expect(fromEnv.ok && fromEnv.value).toMatchObject({
      remote: { url: 'http://other:1', source: 'env', token: 'tmn_env' },
      spool: false,
    })
    // A socket named in the environment beats the file's URL.
    expect(readClientSettings({ ...env, TIMON_SOCKET: '/tmp/s.sock' }, undefined, 1000)).toMatchObject({
      ok: true,
      value: { remote: undefined, spool: false },
    })
  })

  it('names an unreadable token or CA file, never a secret', () => {
    const dir = configDir('')
    const env = { HOME: dir, TIMON_CONFIG: join(dir, 'etc', 'timon.toml'), TIMON_URL: 'http://m:1' }
    expect(readClientSettings({ ...env, TIMON_TOKEN_FILE: join(dir, 'missing') })).toEqual({
      ok: false,
      message: `cannot read the token file "${join(dir, 'missing')}": ENOENT`,
    })
    expect(readClientSettings({ ...env, TIMON_TOKEN: 'tmn_x', TIMON_CA_FILE: join(dir, 'ca.pem') })).toEqual({
      ok: false,
      message: `cannot read the CA file "${join(dir, 'ca.pem')}": ENOENT`,
    })
  })

  it('puts the spool in XDG_STATE_HOME, or /var/lib/timon/spool for root', () => {
    expect(defaultSpoolDir({ HOME: '/home/ann' }, 1000)).toBe('/home/ann/.local/state/timon/spool')
    expect(defaultSpoolDir({ XDG_STATE_HOME: '/st' }, 1000)).toBe('/st/timon/spool')
    expect(defaultSpoolDir({ HOME: '/root' }, 0)).toBe('/var/lib/timon/spool')
    expect(machineName({ TIMON_HOST: 'bad name' })).toBeUndefined()
  })
})
