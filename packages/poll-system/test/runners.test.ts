// The runners against real processes, sockets on 127.0.0.1, a TLS server with certificates made
// here with openssl, and a temporary directory.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import type { PolledSample } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import {
  SystemPoller,
  commandRunner,
  diskRunner,
  parseSystemChecks,
  tcpRunner,
  tlsRunner,
  type SystemCheck,
} from '@timon/poll-system'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'timon-poll-system-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function check<T extends SystemCheck['type']>(
  table: Record<string, unknown> & { type: T },
): Extract<SystemCheck, { type: T }> {
  const parsed = parseSystemChecks([{ code: 'cc', ...table }], { baseDir: dir, minIntervalMs: 10 })
  if (parsed.isErr()) throw new Error(parsed.error.join('\n'))
  return parsed.value[0] as Extract<SystemCheck, { type: T }>
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

const run = (runner: { run(signal: AbortSignal): Promise<unknown> }) => runner.run(new AbortController().signal)

function script(name: string, body: string): string {
  const path = join(dir, name)
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 })
  return path
}

describe('command checks (Nagios plugin convention)', () => {
  it('exit 0 passes, 1 warns, 2 fails; the first line without perfdata is the reason, the rest the detail', async () => {
    const plugin = script('plugin.sh', 'echo "DISK OK - 42% used | used=42"; echo "line 2"; echo "line 3"; exit "$1"')
    expect(await run(commandRunner(check({ type: 'command', command: [plugin, '0'] })))).toEqual({
      ok: true,
      reason: 'DISK OK - 42% used',
      detail: 'line 2\nline 3',
    })
    expect(await run(commandRunner(check({ type: 'command', command: [plugin, '1'] })))).toMatchObject({
      ok: true,
      warning: true,
    })
    expect(await run(commandRunner(check({ type: 'command', command: [plugin, '2'] })))).toMatchObject({
      ok: false,
      reason: 'DISK OK - 42% used',
    })
    expect(await run(commandRunner(check({ type: 'command', command: [plugin, '3'] })))).toMatchObject({
      ok: false,
      reason: 'exit status 3 (UNKNOWN): DISK OK - 42% used',
    })
  })

  it('runs without a shell: arguments are passed as written', async () => {
    expect(await run(commandRunner(check({ type: 'command', command: ['/bin/echo', '$HOME; exit 2'] })))).toEqual({
      ok: true,
      reason: '$HOME; exit 2',
    })
  })

  it('fails when the program cannot be started', async () => {
    expect(await run(commandRunner(check({ type: 'command', command: [join(dir, 'missing')] })))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('cannot run the command'),
    })
  })

  it('kills the whole process group at the timeout', async () => {
    const pidFile = join(dir, 'child.pid')
    const hang = script('hang.sh', `sleep 30 & echo $! > ${pidFile}; echo started; wait`)
    const started = Date.now()
    const result = await run(
      commandRunner(check({ type: 'command', command: [hang], interval: '10s', timeout: '300ms' })),
    )
    expect(result).toMatchObject({ ok: false, reason: 'timeout after 300ms: started' })
    expect(Date.now() - started).toBeLessThan(5000)
    const child = Number(readFileSync(pidFile, 'utf8'))
    // The background `sleep` (a grandchild) was killed with its group: gone, or a zombie nobody reaped yet.
    await waitFor(() => !alive(child))
  })
})

describe('tcp checks', () => {
  it('connects, sends and expects a banner; a closed port is refused', async () => {
    const server = net.createServer((socket) => {
      socket.once('data', (data) => socket.end(String(data).startsWith('PING') ? '+PONG\r\n' : '-ERR\r\n'))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    const { port } = server.address() as net.AddressInfo
    const address = `127.0.0.1:${port}`
    expect(await run(tcpRunner(check({ type: 'tcp', address })))).toMatchObject({
      ok: true,
      reason: expect.stringMatching(/^connected in \d+ms$/),
    })
    expect(await run(tcpRunner(check({ type: 'tcp', address, send: 'PING\r\n', expect: '+PONG' })))).toMatchObject({
      ok: true,
    })
    expect(await run(tcpRunner(check({ type: 'tcp', address, send: 'HELLO\r\n', expect: '+PONG' })))).toEqual({
      ok: false,
      reason: 'answer does not contain "+PONG": "-ERR\\r\\n"',
    })
    await new Promise((resolve) => server.close(resolve))
    expect(await run(tcpRunner(check({ type: 'tcp', address })))).toEqual({ ok: false, reason: 'connection refused' })
  })
})

describe('tls checks', () => {
  let ca: string
  const certificate = (name: string, days: number) => {
    const key = join(dir, `${name}.key`)
    const csr = join(dir, `${name}.csr`)
    const crt = join(dir, `${name}.crt`)
    execFileSync(
      'openssl',
      ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-subj', '/CN=localhost', '-out', csr],
      { stdio: 'ignore' },
    )
    const ext = join(dir, `${name}.ext`)
    writeFileSync(ext, 'subjectAltName=DNS:localhost\n')
    execFileSync(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        join(dir, 'ca.crt'),
        '-CAkey',
        join(dir, 'ca.key'),
        '-CAcreateserial',
        '-days',
        String(days),
        '-extfile',
        ext,
        '-out',
        crt,
      ],
      { stdio: 'ignore' },
    )
    return { key: execFileSync('cat', [key]), cert: execFileSync('cat', [crt]) }
  }
  beforeAll(() => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'ca.key'),
        '-subj',
        '/CN=Test CA',
        '-days',
        '365',
        '-out',
        join(dir, 'ca.crt'),
      ],
      { stdio: 'ignore' },
    )
    ca = join(dir, 'ca.crt')
  })
  async function serveTls(days: number): Promise<string> {
    const server = tls.createServer(certificate(`server${days}`, days), (socket) => socket.end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    return `127.0.0.1:${(server.address() as net.AddressInfo).port}`
  }
  const clock = new FakeClock(new Date())

  it('reports the days left: valid, warning under warning_days, critical under critical_days (a certificate expiring in 5 days)', async () => {
    const long = await serveTls(90)
    const soon = await serveTls(5)
    const tlsCheck = (address: string, more: Record<string, unknown> = {}) =>
      check({ type: 'tls', address, servername: 'localhost', cert: ca, ...more })
    expect(await run(tlsRunner(tlsCheck(long), clock))).toMatchObject({
      ok: true,
      reason: expect.stringMatching(/^certificate valid for (89|90) days \(until \d{4}-\d\d-\d\d\)$/),
    })
    expect(await run(tlsRunner(tlsCheck(long, { warning_days: 100 }), clock))).toMatchObject({
      ok: true,
      warning: true,
    })
    expect(await run(tlsRunner(tlsCheck(soon), clock))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^certificate expires in [45] days \(.*\), critical under 7$/),
    })
    clock.advance('6d')
    expect(await run(tlsRunner(tlsCheck(soon), clock))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^certificate expired on/),
    })
  })

  it('fails a chain not valid for the server name, or not trusted', async () => {
    const long = await serveTls(90)
    expect(
      await run(
        tlsRunner(
          check({ type: 'tls', address: long, servername: 'example.com', cert: ca }),
          new FakeClock(new Date()),
        ),
      ),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('certificate not valid for example.com: ERR_TLS_CERT_ALTNAME_INVALID'),
    })
    expect(
      await run(tlsRunner(check({ type: 'tls', address: long, servername: 'localhost' }), new FakeClock(new Date()))),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
    })
  })
})

describe('disk checks', () => {
  it('reads space and inodes of the file system of a temporary path', async () => {
    expect(await run(diskRunner(check({ type: 'disk', path: dir, warning: '100%', critical: '100%' })))).toMatchObject({
      ok: true,
      reason: expect.stringMatching(/^space \d+% used/),
    })
    expect(await run(diskRunner(check({ type: 'disk', path: dir, warning: '0%', critical: '100%' })))).toMatchObject({
      ok: true,
      warning: true,
    })
    expect(await run(diskRunner(check({ type: 'disk', path: dir, warning: '0%', critical: '0%' })))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('(critical 0%)'),
    })
    expect(await run(diskRunner(check({ type: 'disk', path: join(dir, 'nope') })))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('cannot read the file system'),
    })
  })
})

describe('SystemPoller', () => {
  it('runs command checks on their schedule through the thresholds, and update() replaces them', async () => {
    const flag = join(dir, 'flag')
    writeFileSync(flag, '0')
    const plugin = script('flag.sh', `s=$(cat ${flag}); echo "status $s"; exit $s`)
    const samples: PolledSample[] = []
    const commandCheck = check({ type: 'command', command: [plugin], interval: '300ms', failure_threshold: 2 })
    const poller = new SystemPoller({ checks: [commandCheck], random: () => 0 })
    cleanups.push(() => poller.stop())
    let wanted = 1
    let reached: () => void = () => {}
    poller.start(async (sample) => {
      samples.push(sample)
      if (samples.length >= wanted) reached()
    })
    const until = (count: number) =>
      new Promise<void>((resolve) => {
        wanted = count
        reached = resolve
        if (samples.length >= count) resolve()
      })
    await until(1)
    expect(samples[0]).toMatchObject({ code: 'cc', health: 'healthy', comment: 'status 0', staleIncidentAfter: 900 })
    writeFileSync(flag, '2')
    await until(samples.length + 3)
    expect(samples.map((s) => s.health)).toContain('critical')
    expect(samples.find((s) => s.health === 'critical')?.comment).toMatch(/^status 2 \(2 failures in a row\)/)
    expect(poller.sources()).toEqual([{ code: 'cc', source: plugin }])
    expect(poller.update([{ ...commandCheck, code: 'dd' }])).toEqual({
      added: ['dd'],
      removed: ['cc'],
      changed: [],
      unchanged: 0,
    })
  })
})
