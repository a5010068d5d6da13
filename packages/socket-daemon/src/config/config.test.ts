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
  it('reads [http]: listen addresses (IPv6 in brackets), TLS files, the connection cap and the rate', () => {
    const config = parseConfig(
      {
        http: {
          listen: ['127.0.0.1:8923', '[::1]:8923'],
          tls_cert: 'c.pem',
          tls_key: 'k.pem',
          max_connections: 100,
          rate_limit: '600/m',
        },
      },
      { baseDir: '/etc/timon', env: {}, uid: 1000, isDirectory: () => false },
    )._unsafeUnwrap()
    expect(config.http).toEqual({
      listen: [
        { host: '127.0.0.1', port: 8923 },
        { host: '::1', port: 8923 },
      ],
      tls: { certFile: '/etc/timon/c.pem', keyFile: '/etc/timon/k.pem' },
      maxConnections: 100,
      rateLimitPerSecond: 10,
      publicStatus: false,
      publicCodes: [],
      publicMetrics: false,
    })
  })

  it('refuses a bad [http] address, rate, or a certificate without its key', () => {
    const issues = (input: unknown) =>
      parseConfig(input, { env: {}, uid: 1000, isDirectory: () => false })._unsafeUnwrapErr()
    expect(issues({ http: { listen: ['8923'] } })[0]).toContain('http.listen[0]: invalid address "8923"')
    expect(issues({ http: { rate_limit: 'fast' } })[0]).toContain('http.rate_limit: invalid rate "fast"')
    expect(issues({ http: { tls_cert: 'c.pem' } })[0]).toContain('tls_cert and tls_key go together')
  })

  it('reads the dashboard keys of [http]: public_status, public_codes, public_metrics', () => {
    const options = { env: {}, uid: 1000, isDirectory: () => false }
    const config = parseConfig(
      { http: { public_status: true, public_codes: ['web.*'], public_metrics: true } },
      options,
    )._unsafeUnwrap()
    expect(config.http).toMatchObject({ publicStatus: true, publicCodes: ['web.*'], publicMetrics: true })
    const issues = (input: unknown) => parseConfig(input, options)._unsafeUnwrapErr()
    expect(issues({ http: { public_status: 'yes' } })[0]).toContain('http.public_status: must be true or false')
    expect(issues({ http: { public_codes: [' '] } })[0]).toContain('http.public_codes[0]: must not be empty')
  })

  it('applies the defaults to an empty config', () => {
    expect(parseConfig({}, options)._unsafeUnwrap()).toEqual({
      path: undefined,
      hostname: 'box',
      name: 'box',
      store: { kind: 'sqlite', path: '/home/ann/.local/state/timon/timon.db', synchronous: 'full', leaseMs: 15_000 },
      dataDir: '/home/ann/.local/state/timon',
      logDir: undefined,
      logLevel: 'info',
      pingIntervalMs: undefined,
      socket: '/tmp/timon-1000/timon.sock',
      socketDirectory: { path: '/tmp/timon-1000', mode: 0o700 },
      socketMode: 0o600,
      socketGroup: undefined,
      timezone: 'UTC',
      webhooks: [],
      emails: [],
      commands: [],
      notify: { testTarget: undefined },
      checks: [],
      systemChecks: [],
      plugins: [],
      exec: { logDir: '/home/ann/.local/state/timon/logs', maxLogBytes: 10 * 1024 * 1024, maxFollowers: 64 },
      http: {
        listen: [],
        tls: undefined,
        maxConnections: 512,
        rateLimitPerSecond: undefined,
        publicStatus: false,
        publicCodes: [],
        publicMetrics: false,
      },
      maxPushAgeMs: 24 * 60 * 60 * 1000,
      maintenance: [],
    })
  })

  it('reads [daemon] max_push_age and accepts the [client] table the timon client reads', () => {
    const config = parseConfig(
      {
        daemon: { max_push_age: '2h' },
        client: {
          url: 'https://monitor.example:8923',
          token_file: 't',
          ca_file: 'ca.pem',
          spool: false,
          spool_dir: 's',
        },
      },
      options,
    )
    expect(config._unsafeUnwrap().maxPushAgeMs).toBe(2 * 60 * 60 * 1000)
    expect(issuesOf({ daemon: { max_push_age: '10s' } })).toEqual([
      'daemon.max_push_age: must be at least 1m, got "10s"',
    ])
    expect(issuesOf({ client: { url: 'monitor.example' } })).toEqual(['client.url: must be an http:// or https:// URL'])
    expect(issuesOf({ client: { spool: 'yes' } })).toEqual(['client.spool: must be true or false'])
  })

  describe('notifier targets', () => {
    const webhook = { name: 'ops', on: ['incident.*'], url: 'https://hooks.example.com/x' }
    const email = {
      name: 'ops-mail',
      on: ['incident.open'],
      to: ['ops@example.com'],
      from: 'timon@example.com',
      smtp: 'smtp://mail.example.com',
    }
    const command = { name: 'pager', on: ['*'], command: ['/usr/local/bin/page-me'] }

    it('reads [[email]] and [[command]] tables beside the webhooks', () => {
      const config = parseConfig({ webhook: [webhook], email: [email], command: [command] }, options)._unsafeUnwrap()
      expect(config.emails.map((e) => e.name)).toEqual(['ops-mail'])
      expect(config.commands.map((c) => c.name)).toEqual(['pager'])
      expect(config.notify.testTarget).toBeUndefined()
    })

    it('refuses a name used by two targets of different kinds, naming both tables', () => {
      expect(
        issuesOf({ webhook: [webhook], email: [{ ...email, name: 'ops' }], command: [{ ...command, name: 'ops' }] }),
      ).toEqual([
        'email[0].name: "ops" is already the name of webhook[0] (target names must be unique across webhooks, emails, commands and plugins)',
        'command[0].name: "ops" is already the name of webhook[0] (target names must be unique across webhooks, emails, commands and plugins)',
      ])
    })

    it('reads [notify] test_target, which TIMON_NOTIFY_TEST_TARGET overrides, and must name a target', () => {
      const input = { webhook: [webhook], command: [command], notify: { test_target: 'ops' } }
      expect(parseConfig(input, options)._unsafeUnwrap().notify).toEqual({ testTarget: 'ops' })
      expect(
        parseConfig(input, { ...options, env: { ...env, TIMON_NOTIFY_TEST_TARGET: 'pager' } })._unsafeUnwrap().notify,
      ).toEqual({ testTarget: 'pager' })
      expect(issuesOf({ ...input, notify: { test_target: 'chat' } })).toEqual([
        'notify.test_target: no webhook, email or command is named "chat" (targets: ops, pager)',
      ])
      expect(
        parseConfig(input, { ...options, env: { ...env, TIMON_NOTIFY_TEST_TARGET: 'nope' } })._unsafeUnwrapErr(),
      ).toEqual(['TIMON_NOTIFY_TEST_TARGET: no webhook, email or command is named "nope" (targets: ops, pager)'])
      expect(issuesOf({ notify: { test_target: 1 } })).toEqual(['notify.test_target: must be a string (a target name)'])
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
    expect([root.socket, root.socketDirectory, root.dataDir]).toEqual([
      '/run/timon/timon.sock',
      { path: '/run/timon', mode: 0o755 },
      '/var/lib/timon',
    ])
    const named = parseConfig({ daemon: { socket: 'run/t.sock' } }, options)._unsafeUnwrap()
    expect([named.socket, named.socketDirectory]).toEqual(['/etc/timon/run/t.sock', undefined])
  })

  it('lets TIMON_SOCKET override [daemon] socket', () => {
    const config = parseConfig(
      { daemon: { socket: '/a.sock' } },
      { ...options, env: { ...env, TIMON_SOCKET: '/e.sock' } },
    )
    expect(config._unsafeUnwrap().socket).toBe('/e.sock')
  })

  it('uses /var/lib/timon as the data_dir of root', () => {
    expect(parseConfig({}, { ...options, uid: 0 })._unsafeUnwrap().dataDir).toBe('/var/lib/timon')
  })

  it('reads [exec] log_dir and max_log_size, as a size with a unit or a number of bytes', () => {
    expect(parseConfig({ daemon: { data_dir: '/srv/timon' } }, options)._unsafeUnwrap().exec).toEqual({
      logDir: '/srv/timon/logs',
      maxLogBytes: 10 * 1024 * 1024,
      maxFollowers: 64,
    })
    expect(
      parseConfig({ exec: { log_dir: 'runs', max_log_size: '512KiB' } }, options)._unsafeUnwrap().exec,
    ).toMatchObject({ logDir: '/etc/timon/runs', maxLogBytes: 512 * 1024 })
    expect(parseConfig({ exec: { max_followers: 5 } }, options)._unsafeUnwrap().exec.maxFollowers).toBe(5)
    expect(issuesOf({ exec: { max_followers: 0 } })).toEqual(['exec.max_followers: must be at least 1'])
    expect(parseConfig({ exec: { max_log_size: 1_000_000 } }, options)._unsafeUnwrap().exec.maxLogBytes).toBe(1_000_000)
    expect(issuesOf({ exec: { max_log_size: '10 parsecs' } })).toEqual([
      'exec.max_log_size: invalid size "10 parsecs", must be a size such as "10MiB", "512KiB" or a number of bytes',
    ])
    expect(issuesOf({ exec: { max_log_size: '1KiB' } })).toEqual([
      'exec.max_log_size: must be at least 64KiB, got "1KiB"',
    ])
    expect(issuesOf({ exec: { max_log: '1MiB' } })).toEqual(['exec.max_log: unknown key'])
  })

  it('reads [store] synchronous, full by default', () => {
    expect(parseConfig({}, options)._unsafeUnwrap().store).toMatchObject({ kind: 'sqlite', synchronous: 'full' })
    expect(parseConfig({ store: { synchronous: 'normal' } }, options)._unsafeUnwrap().store).toMatchObject({
      kind: 'sqlite',
      synchronous: 'normal',
    })
  })

  it("reads [store] row_cache, the store's default when unset, SQLite only", () => {
    expect(parseConfig({}, options)._unsafeUnwrap().store).toMatchObject({ rowCacheCapacity: undefined })
    expect(parseConfig({ store: { row_cache: 0 } }, options)._unsafeUnwrap().store).toMatchObject({
      rowCacheCapacity: 0,
    })
    expect(issuesOf({ store: { row_cache: -1 } })).toEqual(['store.row_cache: must be 0 (off) or more'])
    expect(issuesOf({ store: { row_cache: 2.5 } })).toEqual(['store.row_cache: must be a whole number'])
    expect(issuesOf({ store: { url: 'postgres://h/d', row_cache: 10 } })).toEqual([
      'store.row_cache: applies to SQLite only, not with store.url',
    ])
  })

  it('reads [[webhook]] tables through the webhook package', () => {
    const config = parseConfig(
      { webhook: [{ on: ['incident.*'], url: 'https://example.com/hook', retry: { attempts: 3 } }] },
      options,
    )
    expect(config._unsafeUnwrap().webhooks).toMatchObject([
      {
        name: 'webhook[0]',
        on: ['incident.*'],
        url: 'https://example.com/hook',
        retry: { attempts: 3, timeoutMs: 10_000, delayMs: 5_000 },
      },
    ])
  })

  describe('[store]', () => {
    it('opens PostgreSQL with [store] url, password_file (relative to the file), schema and lease; the name defaults to the hostname', () => {
      const config = parseConfig(
        {
          daemon: { name: 'alpha' },
          store: { url: 'postgres://timon@db/timon', password_file: 'pw', schema: 'timon', lease: '30s' },
        },
        options,
      )._unsafeUnwrap()
      expect(config.name).toBe('alpha')
      expect(config.store).toEqual({
        kind: 'postgres',
        url: 'postgres://timon@db/timon',
        passwordFile: '/etc/timon/pw',
        schema: 'timon',
        leaseMs: 30_000,
      })
      expect(parseConfig({ store: { synchronous: 'normal' } }, options)._unsafeUnwrap().store).toMatchObject({
        kind: 'sqlite',
        synchronous: 'normal',
      })
    })

    it('takes TIMON_DATABASE_URL before [store] url', () => {
      const config = parseConfig(
        { store: { url: 'postgres://a@file/x' } },
        { ...options, env: { ...env, TIMON_DATABASE_URL: 'postgresql://b@env/y' } },
      )
      expect(config._unsafeUnwrap().store).toMatchObject({ kind: 'postgres', url: 'postgresql://b@env/y' })
    })

    it('refuses a shared store whose lease a target attempt could outlive; SQLite has no lease to outlive', () => {
      const command = (timeout: string) => ({ name: 'page', on: ['*'], command: ['/bin/true'], timeout })
      expect(issuesOf({ store: { url: 'postgres://h/d', lease: '15s' }, command: [command('15s')] })).toEqual([
        'command[0].timeout: 15s must be shorter than [store] lease (15s): an attempt outliving its claim could be sent again by another daemon',
      ])
      const webhook = { name: 'hook', on: ['*'], url: 'https://example.com/h', retry: { timeout: '20s' } }
      expect(issuesOf({ store: { url: 'postgres://h/d' }, webhook: [webhook] })).toEqual([
        'webhook[0].retry.timeout: 20s must be shorter than [store] lease (15s): an attempt outliving its claim could be sent again by another daemon',
      ])
      expect(parseConfig({ store: { url: 'postgres://h/d' }, command: [command('14s')] }, options).isOk()).toBe(true)
      expect(parseConfig({ command: [command('1m')] }, options).isOk()).toBe(true)
    })

    it('refuses what does not fit, naming the key', () => {
      expect(issuesOf({ store: { url: 'mysql://x' } })).toEqual([
        'store.url: must be a postgres:// or postgresql:// URL',
      ])
      expect(issuesOf({ store: { lease: '500ms' } })).toEqual(['store.lease: must be at least 1s, got "500ms"'])
      expect(issuesOf({ store: { url: 'postgres://h/d', synchronous: 'normal' } })).toEqual([
        'store.synchronous: applies to SQLite only, not with store.url',
      ])
      expect(issuesOf({ store: { password_file: '/pw' } })).toEqual([
        'store.password_file: needs store.url (or TIMON_DATABASE_URL)',
      ])
      expect(issuesOf({ store: { synchronous: 'off' } })).toEqual(['store.synchronous: must be "full" or "normal"'])
      expect(issuesOf({ store: { port: 5432 } })).toEqual(['store.port: unknown key'])
    })
  })

  describe('timezone', () => {
    it('is UTC unless set, and takes an IANA zone', () => {
      expect(parseConfig({ daemon: { timezone: ' Europe/Berlin ' } }, options)._unsafeUnwrap().timezone).toBe(
        'Europe/Berlin',
      )
    })

    it('rejects an unknown zone', () => {
      expect(issuesOf({ daemon: { timezone: 'Mars/Olympus' } })).toEqual([
        'daemon.timezone: unknown time zone "Mars/Olympus", must be an IANA zone such as "Europe/Berlin"',
      ])
    })
  })

  describe('[[maintenance]]', () => {
    it('reads codes, a schedule (seconds included), a duration and a zone', () => {
      const config = parseConfig(
        {
          maintenance: [
            { codes: [' db.* '], schedule: '0 0 2 * * SUN', duration: '2h', tz: 'Europe/Berlin' },
            { codes: ['*'], schedule: '@daily', duration: '5m' },
          ],
        },
        options,
      )
      expect(config._unsafeUnwrap().maintenance).toEqual([
        { codes: ['db.*'], schedule: '0 0 2 * * SUN', duration: 2 * 60 * 60 * 1000, tz: 'Europe/Berlin' },
        { codes: ['*'], schedule: '@daily', duration: 5 * 60 * 1000 },
      ])
    })

    it('names the table and key of each problem', () => {
      const issues = issuesOf({
        daemon: { timezone: 'UTC' },
        maintenance: [
          { codes: ['db x*'], schedule: '0 2 * * SUN', duration: '0s' },
          { codes: ['db.*'], schedule: '61 2 * * *', duration: '1h', window: 1 },
        ],
      })
      expect(issues).toEqual([
        expect.stringMatching(/^maintenance\[0\]\.codes\[0\]: /),
        'maintenance[0].duration: must be longer than zero',
        'maintenance[1].window: unknown key',
      ])
      expect(issuesOf({ maintenance: [{ codes: ['db.*'], schedule: '61 2 * * *', duration: '1h' }] })).toEqual([
        expect.stringMatching(/^maintenance\[0\]\.schedule: .*61 2 \* \* \*/),
      ])
    })
  })

  describe('ping_interval', () => {
    it('is off unless set, and "0", "off" and "" turn it off', () => {
      for (const value of ['0', 'off', '']) {
        expect(
          parseConfig({ daemon: { ping_interval: value } }, options)._unsafeUnwrap().pingIntervalMs,
        ).toBeUndefined()
      }
    })

    it('rejects negative, invalid and too short intervals', () => {
      expect(issuesOf({ daemon: { ping_interval: '-5m' } })).toEqual([
        'daemon.ping_interval: invalid duration "-5m" — must not be negative',
      ])
      expect(issuesOf({ daemon: { ping_interval: 'soon' } })).toEqual(['daemon.ping_interval: invalid duration "soon"'])
      expect(issuesOf({ daemon: { ping_interval: '10ms' } })).toEqual([
        'daemon.ping_interval: must be at least 1s (or "off"), got "10ms"',
      ])
      expect(issuesOf({ daemon: { ping_interval: 300 } })).toEqual([
        'daemon.ping_interval: must be a duration string such as "5m", or "off"',
      ])
    })
  })

  describe('errors name the key and the problem', () => {
    it.each([
      [
        { daemon: { log_level: 'x' } },
        'daemon.log_level: unknown level "x", must be one of: silent, fatal, error, warn, info, debug',
      ],
      [{ daemon: { hostname: '  ' } }, 'daemon.hostname: must not be empty'],
      [{ daemon: { hostname: 3 } }, 'daemon.hostname: must be a string'],
      [{ daemon: { data_dir: '' } }, 'daemon.data_dir: must not be empty'],
      [{ daemon: { data_dir: 1 } }, 'daemon.data_dir: must be a string'],
      [{ daemon: { log_dir: false } }, 'daemon.log_dir: must be a string'],
      [{ daemon: { socket: '' } }, 'daemon.socket: must not be empty'],
      [
        { daemon: { socket_mode: '0999' } },
        'daemon.socket_mode: invalid mode "0999", must be an octal mode such as "0660"',
      ],
      [
        { daemon: { socket_mode: 0o1777 } },
        'daemon.socket_mode: invalid mode 1023, must be an octal mode such as "0660"',
      ],
      [{ daemon: { socket_mode: true } }, 'daemon.socket_mode: must be an octal mode string such as "0660"'],
      [{ daemon: { socket_group: '' } }, 'daemon.socket_group: must not be empty'],
      [{ daemon: { socket_group: [] } }, 'daemon.socket_group: must be a group name or a numeric gid'],
      [{ daemon: 'x' }, 'daemon: must be a table ([daemon])'],
      [
        { daemon: { socket: `/tmp/${'x'.repeat(120)}.sock` } },
        expect.stringMatching(/^daemon\.socket: ".*" is too long for a Unix socket path \(\d+ bytes, at most 10\d\)$/),
      ],
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
      expect(issues).toContain(
        'daemon.log_level: unknown level "loud", must be one of: silent, fatal, error, warn, info, debug',
      )
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
    expect(
      loadConfig({ env: { HOME: join(dir, 'nobody'), XDG_CONFIG_HOME: join(dir, 'xdg') } })._unsafeUnwrap(),
    ).toMatchObject({ path: file, hostname: 'from-xdg' })
  })

  it('applies the defaults when no file is found', () => {
    const config = loadConfig({ env: { HOME: join(dir, 'nobody') } })
    if (config.isOk())
      expect(config.value.path === undefined || config.value.path === '/etc/timon/timon.toml').toBe(true)
  })

  it('reports a TOML syntax error with the path', () => {
    const file = write('bad.toml', '[daemon\nlog_level = "info"\n')
    const message = loadConfig({ configPath: file, env: { HOME: dir } })._unsafeUnwrapErr()
    expect(message).toMatch(new RegExp(`^invalid configuration file "${file}": `))
  })

  it('reports a missing --config file', () => {
    const file = join(dir, 'missing.toml')
    expect(loadConfig({ configPath: file, env: { HOME: dir } })._unsafeUnwrapErr()).toMatch(
      /^cannot read configuration file ".*missing\.toml": ENOENT/,
    )
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
