/**
 * `timon daemon`'s process duties, in-process: config errors, signals (a fake signal source),
 * reload, the exit status. The binary itself is tested in test/daemon.test.ts.
 */
import { EventEmitter } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TimonClient } from '@timon/client'
import type { RunningDaemon } from '@timon/socket-daemon'
import { afterEach, describe, expect, it } from 'vitest'
import { CliError } from '../errors.js'
import { runDaemon, type SignalSource } from './run-daemon.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trd-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A signal source that tests fire by hand. */
function fakeSignals(): SignalSource & { fire(signal: NodeJS.Signals): void; count(): number } {
  const emitter = new EventEmitter()
  return {
    on: (event, listener) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    fire: (signal) => void emitter.emit(signal, signal),
    count: () => emitter.listenerCount('SIGTERM') + emitter.listenerCount('SIGINT') + emitter.listenerCount('SIGHUP'),
  }
}

describe('runDaemon (timon daemon)', () => {
  it('fails with the config error as a CliError, before starting anything', async () => {
    const dir = tempDir()
    const file = join(dir, 'timon.toml')
    writeFileSync(file, '[daemon]\nlog_level = "loud"\n')
    const failed = runDaemon({ configPath: file, env: {}, version: 'test', signals: fakeSignals() })
    await expect(failed).rejects.toThrow(CliError)
    await expect(failed).rejects.toThrow(
      `invalid configuration file "${file}": daemon.log_level: unknown level "loud", must be one of: silent, fatal, error, warn, info, debug`,
    )
  })

  it('serves until SIGTERM, reloads checks on SIGHUP (keeping the running config when the new one is broken), then stops cleanly with status 0', async () => {
    const dir = tempDir()
    const file = join(dir, 'timon.toml')
    const socket = join(dir, 'd.sock')
    mkdirSync(join(dir, 'logs'))
    const daemonTable = `[daemon]\ndata_dir = "data"\nlog_dir = "logs"\nsocket = "${socket}"\nlog_level = "info"\n`
    writeFileSync(file, daemonTable)
    const signals = fakeSignals()
    let started: RunningDaemon | undefined
    const running = runDaemon({
      configPath: file,
      env: {},
      version: 'test',
      signals,
      onStarted: (daemon) => (started = daemon),
    })
    for (let i = 0; i < 200 && started === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    const client = new TimonClient({ socketPath: socket })
    cleanups.push(() => client.close())
    expect((await client.health()).isOk()).toBe(true)

    await expect(runDaemon({ configPath: file, env: {}, version: 'test', signals: fakeSignals() })).rejects.toThrow(
      new CliError(`another Timon daemon is already running on ${socket}`),
    )

    writeFileSync(file, `${daemonTable}bogus = 1\n`)
    signals.fire('SIGHUP')
    expect((await client.health()).isOk()).toBe(true)
    writeFileSync(
      file,
      `${daemonTable}[[check]]\ncode = "svc.health"\nurl = "http://127.0.0.1:9/health"\ninterval = "1h"\n`,
    )
    signals.fire('SIGHUP')
    expect((await client.health()).isOk()).toBe(true)
    signals.fire('SIGTERM')
    expect(await running).toBe(0)
    expect(signals.count()).toBe(0)
    expect(existsSync(socket)).toBe(false)
    const logged = readFileSync(join(dir, 'logs', 'timon.log'), 'utf8')
    expect(logged).toMatch(`[INFO] daemon started on unix socket ${socket}`)
    expect(logged).toMatch('[ERROR] SIGHUP received: configuration not reloaded: invalid configuration file')
    expect(logged).toMatch('daemon.bogus: unknown key')
    expect(logged).toMatch('[INFO] configuration reloaded: checks 1 added, 0 removed, 0 changed, 0 unchanged')
    expect(logged).toMatch('[INFO] SIGTERM received: stopping')
    expect(logged).toMatch('[INFO] daemon stopped')
  })

  it('exits at once with status 1 on a second SIGINT while stopping', async () => {
    const dir = tempDir()
    const socket = join(dir, 'd.sock')
    const file = join(dir, 'timon.toml')
    writeFileSync(file, `[daemon]\ndata_dir = "data"\nsocket = "${socket}"\nlog_level = "silent"\n`)
    const signals = fakeSignals()
    const exits: number[] = []
    let started: RunningDaemon | undefined
    const running = runDaemon({
      configPath: file,
      env: {},
      version: 'test',
      signals,
      exitNow: (status) => exits.push(status),
      onStarted: (daemon) => (started = daemon),
    })
    for (let i = 0; i < 200 && started === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    cleanups.push(() => started?.stop())
    signals.fire('SIGINT')
    signals.fire('SIGINT')
    expect(await running).toBe(1)
    expect(exits).toEqual([1])
  })
})
