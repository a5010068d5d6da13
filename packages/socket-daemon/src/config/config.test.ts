import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig, parseConfig } from './config.js'

const env = { HOME: '/home/ann' }
const options = { env, baseDir: '/etc/timon', hostname: 'box', uid: 1000, isDirectory: () => false }

function issuesOf(input: unknown): string[] {
  return parseConfig(input, options)._unsafeUnwrapErr()
}

describe('parseConfig', () => {
  it('applies the defaults to an empty config', () => {
    expect(parseConfig({}, options)._unsafeUnwrap()).toEqual({
      path: undefined,
      hostname: 'box',
      dataDir: '/home/ann/.local/state/timon',
      logDir: undefined,
      logLevel: 'info',
      pingIntervalMs: undefined,
      socket: '/tmp/timon-1000/timon.sock',
      socketDirectory: { path: '/tmp/timon-1000', mode: 0o700 },
      socketMode: 0o600,
      socketGroup: undefined,
      webhooks: [],
      checks: [],
      systemChecks: [],
      plugins: [],
      exec: { logDir: '/home/ann/.local/state/timon/logs', maxLogBytes: 10 * 1024 * 1024 },
    })
  })

  it('reads every [daemon] key, resolving relative paths against the config file', () => {
    const config = parseConfig(
      {
        daemon: {
          hostname: ' prod-1 ',
          data_dir: 'data',
          log_dir: '/var/log/timon/',
          log_level: 'DEBUG',
          ping_interval: '5m',
          socket: '/run/timon/timon.sock',
          socket_mode: '0660',
          socket_group: 'timon',
        },
      },
      options,
    )._unsafeUnwrap()
    expect(config).toMatchObject({
      hostname: 'prod-1',
      dataDir: '/etc/timon/data',
      logDir: '/var/log/timon',
      logLevel: 'debug',
      pingIntervalMs: 300_000,
      socket: '/run/timon/timon.sock',
      socketMode: 0o660,
      socketGroup: 'timon',
    })
  })

  it("defaults the socket to the user's runtime directory, else /run/timon for root, with no directory to create", () => {
    const cron = parseConfig({}, { ...options, isDirectory: (path) => path === '/run/user/1000' })._unsafeUnwrap()
    expect([cron.socket, cron.socketDirectory]).toEqual(['/run/user/1000/timon.sock', undefined])
    const login = parseConfig({}, { ...options, env: { ...env, XDG_RUNTIME_DIR: '/run/user/1000' } })._unsafeUnwrap()
    expect([login.socket, login.socketDirectory]).toEqual(['/run/user/1000/timon.sock', undefined])
    const root = parseConfig({}, { ...options, uid: 0 })._unsafeUnwrap()
    expect([root.socket, root.socketDirectory, root.dataDir]).toEqual(['/run/timon/timon.sock', { path: '/run/timon', mode: 0o755 }, '/var/lib/timon'])
    const named = parseConfig({ daemon: { socket: 'run/t.sock' } }, options)._unsafeUnwrap()
    expect([named.socket, named.socketDirectory]).toEqual(['/etc/timon/run/t.sock', undefined])
  })

  it('lets TIMON_SOCKET override [daemon] socket', () => {
    const config = parseConfig({ daemon: { socket: '/a.sock' } }, { ...options, env: { ...env, TIMON_SOCKET: '/e.sock' } })
    expect(config._unsafeUnwrap().socket).toBe('/e.sock')
  })

  it('uses /var/lib/timon as the data_dir of root', () => {
    expect(parseConfig({}, { ...options, uid: 0 })._unsafeUnwrap().dataDir).toBe('/var/lib/timon')
  })

  it('reads [exec] log_dir and max_log_size, as a size with a unit or a number of bytes', () => {
    expect(parseConfig({ daemon: { data_dir: '/srv/timon' } }, options)._unsafeUnwrap().exec).toEqual({ logDir: '/srv/timon/logs', maxLogBytes: 10 * 1024 * 1024 })
    expect(parseConfig({ exec: { log_dir: 'runs', max_log_size: '512KiB' } }, options)._unsafeUnwrap().exec).toEqual({ logDir: '/etc/timon/runs', maxLogBytes: 512 * 1024 })
    expect(parseConfig({ exec: { max_log_size: 1_000_000 } }, options)._unsafeUnwrap().exec.maxLogBytes).toBe(1_000_000)
    expect(issuesOf({ exec: { max_log_size: '10 parsecs' } })).toEqual(['exec.max_log_size: invalid size "10 parsecs", must be a size such as "10MiB", "512KiB" or a number of bytes'])
    expect(issuesOf({ exec: { max_log_size: '1KiB' } })).toEqual(['exec.max_log_size: must be at least 64KiB, got "1KiB"'])
    expect(issuesOf({ exec: { max_log: '1MiB' } })).toEqual(['exec.max_log: unknown key'])
  })

  it('reads [[webhook]] tables through the webhook package', () => {
    const config = parseConfig({ webhook: [{ on: ['incident.*'], url: 'https://example.com/hook', retry: { attempts: 3 } }] }, options)
    expect(config._unsafeUnwrap().webhooks).toMatchObject([
      { name: 'webhook[0]', on: ['incident.*'], url: 'https://example.com/hook', retry: { attempts: 3, timeoutMs: 10_000, delayMs: 5_000 } },
    ])
  })

  describe('ping_interval', () => {
    it('is off unless set, and "0", "off" and "" turn it off', () => {
      for (const value of ['0', 'off', '']) {
        expect(parseConfig({ daemon: { ping_interval: value } }, options)._unsafeUnwrap().pingIntervalMs).toBeUndefined()
      }
    })

    it('rejects negative, invalid and too short intervals', () => {
      expect(issuesOf({ daemon: { ping_interval: '-5m' } })).toEqual(['daemon.ping_interval: invalid duration "-5m" — must not be negative'])
      expect(issuesOf({ daemon: { ping_interval: 'soon' } })).toEqual(['daemon.ping_interval: invalid duration "soon"'])
      expect(issuesOf({ daemon: { ping_interval: '10ms' } })).toEqual(['daemon.ping_interval: must be at least 1s (or "off"), got "10ms"'])
      expect(issuesOf({ daemon: { ping_interval: 300 } })).toEqual(['daemon.ping_interval: must be a duration string such as "5m", or "off"'])
    })
  })

  describe('errors name the key and the problem', () => {
    it.each([
      [{ daemon: { log_level: 'x' } }, 'daemon.log_level: unknown level "x", must be one of: silent, fatal, error, warn, info, debug'],
      [{ daemon: { hostname: '  ' } }, 'daemon.hostname: must not be empty'],
      [{ daemon: { hostname: 3 } }, 'daemon.hostname: must be a string'],
      [{ daemon: { data_dir: '' } }, 'daemon.data_dir: must not be empty'],
      [{ daemon: { data_dir: 1 } }, 'daemon.data_dir: must be a string'],
      [{ daemon: { log_dir: false } }, 'daemon.log_dir: must be a string'],
      [{ daemon: { socket: '' } }, 'daemon.socket: must not be empty'],
      [{ daemon: { socket_mode: '0999' } }, 'daemon.socket_mode: invalid mode "0999", must be an octal mode such as "0660"'],
      [{ daemon: { socket_mode: 0o1777 } }, 'daemon.socket_mode: invalid mode 1023, must be an octal mode such as "0660"'],
      [{ daemon: { socket_mode: true } }, 'daemon.socket_mode: must be an octal mode string such as "0660"'],
      [{ daemon: { socket_group: '' } }, 'daemon.socket_group: must not be empty'],
      [{ daemon: { socket_group: [] } }, 'daemon.socket_group: must be a group name or a numeric gid'],
      [{ daemon: 'x' }, 'daemon: must be a table ([daemon])'],
      [{ daemon: { socket: `/tmp/${'x'.repeat(120)}.sock` } }, expect.stringMatching(/^daemon\.socket: ".*" is too long for a Unix socket path \(\d+ bytes, at most 10\d\)$/)],
    ])('%j', (input, issue) => {
      expect(issuesOf(input)).toEqual([issue])
    })

    it('refuses unknown keys, naming each', () => {
      expect(issuesOf({ daemon: { data_dir: '/d', colour: 'red', pid_file: '/p' }, extra: 1 })).toEqual(
        expect.arrayContaining(['daemon.colour: unknown key', 'daemon.pid_file: unknown key', 'extra: unknown key']),
      )
    })

    it('reports webhook issues with their index, together with the daemon ones', () => {
      const issues = issuesOf({ daemon: { log_level: 'loud' }, webhook: [{ url: 'https://example.com' }] })
      expect(issues).toContain('daemon.log_level: unknown level "loud", must be one of: silent, fatal, error, warn, info, debug')
      expect(issues).toContain('webhook[0].on: is required')
    })
  })
})

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'timon-config-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, text: string) => {
    const file = join(dir, name)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text)
    return file
  }

  it('reads the file given, resolving relative paths against its directory', () => {
    const file = write('ok.toml', '[daemon]\ndata_dir = "state"\nlog_level = "warn"\n')
    const config = loadConfig({ configPath: file, env: { HOME: dir } })._unsafeUnwrap()
    expect(config).toMatchObject({ path: file, dataDir: join(dir, 'state'), logLevel: 'warn' })
  })

  it('uses TIMON_CONFIG when no file is given', () => {
    const file = write('env.toml', '[daemon]\nhostname = "from-env"\n')
    expect(loadConfig({ env: { HOME: dir, TIMON_CONFIG: file } })._unsafeUnwrap().hostname).toBe('from-env')
  })

  it('finds the file in $XDG_CONFIG_HOME/timon/timon.toml', () => {
    const file = write('xdg/timon/timon.toml', '[daemon]\nhostname = "from-xdg"\n')
    expect(loadConfig({ env: { HOME: join(dir, 'nobody'), XDG_CONFIG_HOME: join(dir, 'xdg') } })._unsafeUnwrap()).toMatchObject({ path: file, hostname: 'from-xdg' })
  })

  it('applies the defaults when no file is found', () => {
    const config = loadConfig({ env: { HOME: join(dir, 'nobody') } })
    if (config.isOk()) expect(config.value.path === undefined || config.value.path === '/etc/timon/timon.toml').toBe(true)
  })

  it('reports a TOML syntax error with the path', () => {
    const file = write('bad.toml', '[daemon\nlog_level = "info"\n')
    const message = loadConfig({ configPath: file, env: { HOME: dir } })._unsafeUnwrapErr()
    expect(message).toMatch(new RegExp(`^invalid configuration file "${file}": `))
  })

  it('reports a missing --config file', () => {
    const file = join(dir, 'missing.toml')
    expect(loadConfig({ configPath: file, env: { HOME: dir } })._unsafeUnwrapErr()).toMatch(/^cannot read configuration file ".*missing\.toml": ENOENT/)
  })

  it('reports every problem of a file, each on its own line', () => {
    const file = write('issues.toml', '[daemon]\nlog_level = "x"\nfoo = 1\n')
    expect(loadConfig({ configPath: file, env: { HOME: dir } })._unsafeUnwrapErr()).toBe(
      [
        `invalid configuration file "${file}":`,
        '  daemon.log_level: unknown level "x", must be one of: silent, fatal, error, warn, info, debug',
        '  daemon.foo: unknown key',
      ].join('\n'),
    )
  })
})
