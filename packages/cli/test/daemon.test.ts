/**
 * `timon daemon` as users run it: start, single instance, graceful stop, config errors, restart on
 * the same data; and `timon delete` on a real terminal.
 */
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BIN, baseEnv, ensureBuilt, exec, startDaemon, tempDir, type DaemonProcess, type Exec } from './helpers.js'

beforeAll(() => ensureBuilt())

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function started(options: Parameters<typeof startDaemon>[0] = {}): Promise<DaemonProcess> {
  const daemon = await startDaemon(options)
  cleanups.push(() => daemon.cleanup())
  return daemon
}

describe('timon daemon', () => {
  it('serves on its socket, logs its start, and stops gracefully on SIGTERM with status 0', async () => {
    const daemon = await started()
    expect(daemon.output()).toContain(`daemon started on unix socket ${daemon.socket}`)
    expect((await daemon.timon(['push', 'probe', 'p1', 'healthy'])).status).toBe(0)
    expect(await daemon.stop()).toBe(0)
    expect(existsSync(daemon.socket)).toBe(false)
  })

  it('refuses to start a second daemon on the same socket, which keeps serving', async () => {
    const daemon = await started()
    const second = await exec(['daemon'], { ...daemon.env, TIMON_CONFIG: daemon.configPath })
    expect(second.status).toBe(1)
    expect(second.stderr).toContain(`Error: another Timon daemon is already running on ${daemon.socket}\n`)
    expect((await daemon.timon(['status'])).status).toBe(0)
  })

  it('stops at start with one Error line naming the key of an invalid config', async () => {
    const { dir, remove } = tempDir()
    cleanups.push(remove)
    const config = join(dir, 'bad.toml')
    writeFileSync(config, '[daemon]\nlog_level = "loud"\n')
    const result = await exec(['daemon', '--config', config], baseEnv(dir, { TIMON_SOCKET: join(dir, 's.sock') }))
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^Error: .*log_level.*\n$/)

    const missing = await exec(
      ['daemon', '--config', join(dir, 'missing.toml')],
      baseEnv(dir, { TIMON_SOCKET: join(dir, 's.sock') }),
    )
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/^Error: .*missing\.toml/)
  })

  it('logs at debug level with -v', async () => {
    const daemon = await started({ args: ['-v'] })
    await daemon.timon(['status'])
    expect(daemon.output()).toMatch(/\[DEBUG\]/)
  })

  it('keeps everything across a restart on the same data dir', async () => {
    const first = await started()
    const uid = (await first.timon(['push', 'job', 'start', 'kept.job'])).stdout.trim()
    expect(await first.stop()).toBe(0)

    const second = await started({ dir: first.dir })
    expect((await second.timon(['push', 'job', 'end', `kept.job:${uid}`, '--comment', 'after restart'])).status).toBe(0)
    expect((await second.timon(['show', `kept.job:${uid}`])).stdout).toMatch(/\n {2}end comment +after restart\n/)
  })
})

describe('timon delete on a terminal', () => {
  const hasScript = existsSync('/usr/bin/script')

  /** Runs `timon <args>` on a pseudo-terminal (util-linux `script`), typing `input`. */
  function onTerminal(daemon: DaemonProcess, args: string[], input: string): Promise<Exec> {
    return new Promise((resolve, reject) => {
      const command = [process.execPath, BIN, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ')
      const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], {
        env: daemon.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.once('error', reject)
      child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr: '' }))
      child.stdin.end(input)
    })
  }

  it.skipIf(!hasScript)('asks, deletes on "yes", and aborts on anything else', async () => {
    const daemon = await started()
    await daemon.timon(['push', 'probe', 'keep.me', 'healthy'])
    const aborted = await onTerminal(daemon, ['delete', 'keep.me'], 'n\n')
    expect(aborted.stdout).toContain('Are you sure you want to delete "keep.me"? [y/N] ')
    expect(aborted.stdout).toContain('Aborted.')
    expect(aborted.status).toBe(0)
    expect((await daemon.timon(['show', 'keep.me'])).status).toBe(0)

    const confirmed = await onTerminal(daemon, ['delete', 'keep.me'], 'yes\n')
    expect(confirmed.status).toBe(0)
    expect((await daemon.timon(['show', 'keep.me'])).stderr).toBe('Error: probe or job does not exist\n')

    const missing = await onTerminal(daemon, ['delete', 'keep.me'], 'y\n')
    expect(missing.status).toBe(1)
    expect(missing.stdout).not.toContain('Are you sure')
    expect(missing.stdout).toContain('Error: probe or job does not exist')
  })
})
