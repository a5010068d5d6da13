// [[plugin]] through the real daemon: the examples (file notifier, TCP poller) compiled to ES
// modules as a user would ship them, loaded from the config, fed by a real TCP port.
import { readFileSync, utimesSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { transform } from 'esbuild'
import { DaemonStartError, parseConfig, startDaemon } from '@timon/socket-daemon'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTempDir, memoryLogger, startTestDaemon, testConfig, type TestDaemon } from './helpers.js'

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url))

/** Compiles an example to `<dir>/<name>.js` (types erased; it imports only node: modules). */
async function compile(example: string, dir: string): Promise<string> {
  const source = readFileSync(join(examples, example, `${example}.ts`), 'utf8')
  const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'node20' })
  const out = join(dir, `${example}.js`)
  writeFileSync(out, code)
  return out
}

async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean, tries = 400): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read()
    if (done(value) || i >= tries) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('[[plugin]] in the daemon', () => {
  it('a TCP poller plugin feeds a probe, and a file notifier plugin gets the incident through the outbox', async () => {
    const dir = makeTempDir()
    const server = net.createServer((socket) => socket.end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as net.AddressInfo
    const audit = join(dir.dir, 'audit.jsonl')
    const parsed = parseConfig(
      {
        plugin: [
          {
            name: 'port-watch',
            module: './tcp-poller.js',
            options: { interval_ms: 50, targets: [{ code: 'db.port', host: '127.0.0.1', port }] },
          },
          { name: 'audit', module: './file-notifier.js', on: ['incident.open'], options: { path: audit } },
        ],
      },
      { baseDir: dir.dir },
    )._unsafeUnwrap()
    await compile('tcp-poller', dir.dir)
    await compile('file-notifier', dir.dir)
    const daemon: TestDaemon = await startTestDaemon({ plugins: parsed.plugins }, dir)
    cleanups.push(daemon.cleanup)

    const status = await eventually(
      () => daemon.client.status(),
      (r) => r.isOk() && r.value.contracts.length === 1,
    )
    expect(status._unsafeUnwrap().contracts[0]).toMatchObject({
      contract: { code: 'db.port' },
      lastReport: { health: 'healthy' },
    })
    const raw = await daemon.client.request('GET', '/v1/status')
    expect(raw._unsafeUnwrap().json).toMatchObject({ contracts: [{ polled_from: `tcp://127.0.0.1:${port}` }] })

    await new Promise((resolve) => server.close(resolve))
    const lines = await eventually(
      () => readLines(audit),
      (found) => found.length > 0,
    )
    expect(lines).toEqual([
      expect.objectContaining({
        event: 'incident.open',
        incident: expect.objectContaining({ title: 'db.port is critical' }),
      }),
    ])
    expect(daemon.log.lines.filter((line) => /ERROR|FATAL/i.test(line))).toEqual([])
  })

  it('the TCP check plugin example: the daemon runs its checks, a closed port opens an incident', async () => {
    const dir = makeTempDir()
    const server = net.createServer((socket) => socket.end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as net.AddressInfo
    await compile('tcp-check', dir.dir)
    const plugins = parseConfig(
      {
        plugin: [
          {
            name: 'ports',
            module: './tcp-check.js',
            interval: '1s',
            failure_threshold: 1,
            options: { targets: [{ code: 'db.port', host: '127.0.0.1', port }] },
          },
        ],
      },
      { baseDir: dir.dir },
    )._unsafeUnwrap().plugins
    const daemon = await startTestDaemon({ plugins }, dir)
    cleanups.push(daemon.cleanup)
    const lastReport = async () => (await daemon.client.status())._unsafeUnwrap().contracts[0]?.lastReport
    expect(await eventually(lastReport, (report) => report !== undefined)).toMatchObject({
      health: 'healthy',
      comment: expect.stringMatching(/^connected in \d+ms$/),
    })
    await new Promise((resolve) => server.close(resolve))
    expect(await eventually(lastReport, (report) => report?.health === 'critical')).toMatchObject({
      health: 'critical',
      comment: 'connection refused (1 failure)',
    })
  })

  it('stops the daemon at start with an error naming a plugin that cannot load or whose factory throws', async () => {
    const dir = makeTempDir()
    cleanups.push(dir.remove)
    await compile('file-notifier', dir.dir)
    const start = (plugin: Record<string, unknown>) =>
      startDaemon({
        config: testConfig(dir.dir, {
          plugins: parseConfig({ plugin: [plugin] }, { baseDir: dir.dir })._unsafeUnwrap().plugins,
        }),
        log: memoryLogger(),
      })
    await expect(start({ name: 'ghost', module: './missing.js' })).rejects.toThrow(DaemonStartError)
    await expect(start({ name: 'ghost', module: './missing.js' })).rejects.toThrow(
      /^plugin "ghost" \(module \.\/missing\.js\): cannot load: /,
    )
    await expect(start({ name: 'audit', module: './file-notifier.js' })).rejects.toThrow(
      'plugin "audit" (module ./file-notifier.js): its factory threw: options.path must be the file to append to',
    )
    writeFileSync(
      join(dir.dir, 'twice.mjs'),
      "export default () => ({ checks: [{ code: 'a.b', run() {} }, { code: 'a.b', run() {} }] })\n",
    )
    await expect(start({ name: 'twice', module: './twice.mjs' })).rejects.toThrow(
      'plugin "twice" (module ./twice.mjs): its factory gave bad checks[1][code]: "a.b" is given twice',
    )
  })

  it('refuses a plugin check of a probe a [[check]] or another plugin already polls', async () => {
    const dir = makeTempDir()
    cleanups.push(dir.remove)
    writeFileSync(join(dir.dir, 'web.mjs'), "export default () => ({ checks: [{ code: 'web.api', run() {} }] })\n")
    const start = (input: Record<string, unknown>) => {
      const { checks, systemChecks, plugins } = parseConfig(input, { baseDir: dir.dir })._unsafeUnwrap()
      return startDaemon({ config: testConfig(dir.dir, { checks, systemChecks, plugins }), log: memoryLogger() })
    }
    await expect(
      start({
        check: [{ code: 'web.api', url: 'http://127.0.0.1:9/health' }],
        plugin: [{ name: 'web', module: './web.mjs' }],
      }),
    ).rejects.toThrow('plugin "web" (module ./web.mjs): its check "web.api" is already polled by [[check]]')
    await expect(
      start({
        plugin: [
          { name: 'first', module: './web.mjs' },
          { name: 'second', module: './web.mjs' },
        ],
      }),
    ).rejects.toThrow('plugin "second" (module ./web.mjs): its check "web.api" is already polled by plugin "first"')
  })

  it('a plugin notifier that throws or gives no outcome at run time is retried, and the daemon goes on', async () => {
    const dir = makeTempDir()
    const marker = join(dir.dir, 'attempts')
    writeFileSync(
      join(dir.dir, 'flaky.mjs'),
      `import { appendFileSync, readFileSync } from 'node:fs'
export default ({ options }) => ({
  retryPolicy: () => ({ retries: 3, delayMs: 10 }),
  async deliver() {
    appendFileSync(options.marker, 'x')
    const attempt = readFileSync(options.marker, 'utf8').length
    if (attempt === 1) throw new Error('boom')
    if (attempt === 2) return 'delivered, honest'
    return { ok: true }
  },
})
`,
    )
    const plugins = parseConfig(
      { plugin: [{ name: 'flaky', module: './flaky.mjs', on: ['incident.open'], options: { marker } }] },
      { baseDir: dir.dir },
    )._unsafeUnwrap().plugins
    const daemon = await startTestDaemon({ plugins }, dir)
    cleanups.push(daemon.cleanup)
    await daemon.client.pushProbe({ code: 'svc.x', health: 'critical' })
    const attempts = await eventually(
      () => safeRead(marker),
      (text) => text.length >= 3,
    )
    expect(attempts).toBe('xxx')
    expect(
      daemon.log.lines.some((line) => line.includes('plugin flaky: delivery') && line.includes('gave no outcome')),
    ).toBe(true)
    expect(
      daemon.log.lines.some((line) => line.includes('plugin flaky: delivery') && line.includes('threw: boom')),
    ).toBe(true)
    expect((await daemon.client.status()).isOk()).toBe(true)
  })

  it("runs a plugin's checks on its schedule; a check or poller that throws is logged and the daemon keeps serving", async () => {
    const dir = makeTempDir()
    writeFileSync(
      join(dir.dir, 'checks.mjs'),
      `export default ({ options }) => ({
  checks: [
    { code: 'svc.throws', run() { throw new Error('kaput') } },
    { code: 'svc.rejects', async run() { await null; throw new Error('later') } },
    { code: 'svc.garbled', run: () => ({ fine: true }) },
    { code: 'svc.stuck', run: () => new Promise(() => {}) },
    { code: 'svc.ok', source: 'test://ok', run: () => ({ ok: true, reason: options.reason, detail: 'line 2\\nline 3' }) },
  ],
})
`,
    )
    writeFileSync(
      join(dir.dir, 'broken-poller.mjs'),
      `export default () => ({
  start(record) { record({ code: 'Not A Code!', health: 'nope' }); throw new Error('start broke') },
  stop() { throw new Error('stop broke') },
  sources() { throw new Error('sources broke') },
})
`,
    )
    const plugins = parseConfig(
      {
        plugin: [
          {
            name: 'probes',
            module: './checks.mjs',
            interval: '1s',
            timeout: '200ms',
            failure_threshold: 1,
            options: { reason: 'all good' },
          },
          { name: 'broken', module: './broken-poller.mjs' },
        ],
      },
      { baseDir: dir.dir },
    )._unsafeUnwrap().plugins
    const daemon = await startTestDaemon({ plugins }, dir)
    cleanups.push(daemon.cleanup)

    const status = await eventually(
      () => daemon.client.status(),
      (r) => r.isOk() && r.value.contracts.filter((c) => c.lastReport !== undefined).length === 5,
    )
    const byCode = Object.fromEntries(status._unsafeUnwrap().contracts.map((c) => [c.contract.code, c.lastReport]))
    // The checks run every second: a slow machine may see a check's second run before the last first one.
    const failed = (reason: string) =>
      expect.stringMatching(new RegExp(`^plugin probes: ${reason} \\((1 failure|\\d+ failures in a row)\\)$`))
    expect(byCode).toMatchObject({
      'svc.throws': { health: 'critical', comment: failed('the check threw: kaput') },
      'svc.rejects': { health: 'critical', comment: failed('the check threw: later') },
      'svc.garbled': {
        health: 'critical',
        comment: expect.stringContaining('the check gave no verdict { ok, reason }'),
      },
      'svc.ok': { health: 'healthy', comment: 'all good', detail: 'line 2\nline 3' },
      'svc.stuck': { health: 'critical', comment: failed('timeout after 200ms') },
    })
    const raw = await daemon.client.request('GET', '/v1/status')
    expect(raw._unsafeUnwrap().json).toMatchObject({
      contracts: expect.arrayContaining([expect.objectContaining({ polled_from: 'test://ok' })]),
    })
    const logged = daemon.log.lines.join('\n')
    expect(logged).toContain('plugin probes: check svc.throws: the check threw: kaput')
    expect(logged).toContain('plugin broken: start failed: start broke')
    expect(logged).toContain('plugin broken: sources failed: sources broke')
    expect(logged).toContain('plugin broken: cannot record the sample of Not A Code!')
    expect((await daemon.client.pushProbe({ code: 'still.up', health: 'healthy' })).isOk()).toBe(true)
    await daemon.daemon.stop()
    expect(daemon.log.lines.join('\n')).toContain('plugin broken: stop failed: stop broke')
  })

  it('reloads plugins: a changed table or module file rebuilds it, a removed one stops and its deliveries fail', async () => {
    const dir = makeTempDir()
    const module = join(dir.dir, 'reason.mjs')
    const writeModule = (version: string, mtime: number) => {
      writeFileSync(
        module,
        `export default ({ options }) => ({
  checks: [{ code: 'svc.reason', run: () => ({ ok: true, reason: '${version} ' + options.word }) }],
})
`,
      )
      utimesSync(module, mtime, mtime) // a distinct modification time, however fast the test runs
    }
    writeModule('v1', 1_000_000)
    writeFileSync(
      join(dir.dir, 'refusing.mjs'),
      `export default () => ({ retryPolicy: () => ({ retries: 5, delayMs: 200 }), deliver: async () => ({ ok: false, error: 'not now' }) })
`,
    )
    const config = (plugin: unknown[]) =>
      parseConfig({ daemon: { data_dir: join(dir.dir, 'data') }, plugin }, { baseDir: dir.dir })._unsafeUnwrap()
    const reason = (word: string) => ({ name: 'reason', module: './reason.mjs', interval: '1s', options: { word } })
    const refusing = { name: 'refusing', module: './refusing.mjs', on: ['incident.open'] }
    const daemon = await startTestDaemon({ plugins: config([reason('a'), refusing]).plugins }, dir)
    cleanups.push(daemon.cleanup)
    const comment = async () => {
      const report = (await daemon.client.status())
        ._unsafeUnwrap()
        .contracts.find((c) => c.contract.code === 'svc.reason')?.lastReport
      return report?.kind === 'sample' ? report.comment : undefined
    }
    expect(await eventually(comment, (seen) => seen === 'v1 a')).toBe('v1 a')

    await daemon.client.pushProbe({ code: 'svc.down', health: 'critical' })
    await eventually(
      async () => (await daemon.daemon.monitor.deliveries())._unsafeUnwrap(),
      (list) => list.some((d) => d.target === 'refusing' && d.lastError === 'not now'),
    )

    const next = { ...daemon.config, plugins: config([reason('b'), refusing]).plugins }
    expect((await daemon.daemon.reload(next)).plugins).toEqual({
      added: [],
      removed: [],
      changed: ['reason'],
      kept: 1,
      failed: [],
    })
    expect(await eventually(comment, (seen) => seen === 'v1 b')).toBe('v1 b')

    writeModule('v2', 2_000_000)
    const removed = { ...daemon.config, plugins: config([reason('b')]).plugins }
    expect((await daemon.daemon.reload(removed)).plugins).toEqual({
      added: [],
      removed: ['refusing'],
      changed: ['reason'],
      kept: 0,
      failed: [],
    })
    expect(await eventually(comment, (seen) => seen === 'v2 b')).toBe('v2 b')
    const failed = await eventually(
      async () => (await daemon.daemon.monitor.deliveries())._unsafeUnwrap(),
      (list) => list.some((d) => d.target === 'refusing' && d.status === 'failed'),
    )
    expect(failed.find((d) => d.target === 'refusing')).toMatchObject({
      status: 'failed',
      lastError: 'no notifier target named "refusing" any more',
    })
    expect(daemon.log.lines.join('\n')).toContain('plugins 0 added, 1 (refusing) removed, 1 (reason) rebuilt, 0 kept')

    // A module that no longer loads: the running plugin goes on as it was.
    writeFileSync(module, 'export default () => { throw new Error("half-written") }\n')
    utimesSync(module, 3_000_000, 3_000_000)
    expect((await daemon.daemon.reload(removed)).plugins).toMatchObject({ changed: [], failed: ['reason'] })
    expect(daemon.log.lines.join('\n')).toContain(
      'plugin "reason" (module ./reason.mjs): its factory threw: half-written (the plugin keeps running as it was)',
    )
    expect(await comment()).toBe('v2 b')

    // A [[check]] now polls the plugin's probe: the plugin is refused, and a new one polling it too.
    writeModule('v3', 4_000_000)
    const { checks, systemChecks, plugins } = parseConfig(
      {
        check: [{ code: 'svc.reason', url: 'http://127.0.0.1:9/health', interval: '1h' }],
        plugin: [reason('b')],
      },
      { baseDir: dir.dir },
    )._unsafeUnwrap()
    expect((await daemon.daemon.reload({ ...daemon.config, checks, systemChecks, plugins })).plugins).toMatchObject({
      changed: [],
      failed: ['reason'],
    })
    expect(daemon.log.lines.join('\n')).toContain(
      'plugin "reason" (module ./reason.mjs): its check "svc.reason" is already polled by [[check]] (the plugin keeps running as it was)',
    )
  })

  it('rejects duplicate plugin names, and a plugin named like a webhook', () => {
    const parse = (plugin: unknown[]) =>
      parseConfig(
        { webhook: [{ name: 'x', url: 'http://127.0.0.1:1/', on: ['*'] }], plugin },
        { baseDir: '/' },
      )._unsafeUnwrapErr()
    expect(
      parse([
        { name: 'y', module: 'pkg' },
        { name: 'y', module: 'pkg' },
      ]),
    ).toEqual(['plugin[1].name: "y" is the name of plugin[0] already'])
    expect(parse([{ name: 'y', module: 'pkg', interval: '10ms' }])).toEqual([
      'plugin[0].interval: must be at least 1s, got 10ms',
    ])
    expect(parse([{ name: 'y', module: 'pkg', interval: '1m', timeout: '2m' }])).toEqual([
      'plugin[0].timeout: must not be longer than interval (1m)',
    ])
    expect(parse([{ name: 'x', module: 'pkg' }])).toEqual([
      'plugin[0].name: "x" is already the name of webhook[0] (target names must be unique across webhooks, emails, commands and plugins)',
    ])
  })
})

function readLines(path: string): unknown[] {
  return safeRead(path)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown)
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
