import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createLogger } from './logger.js'

const now = () => new Date('2026-01-02T03:04:05.678Z')

describe('the logger', () => {
  it('writes <RFC 3339> [LEVEL] <message> lines up to its level', () => {
    const lines: string[] = []
    const log = createLogger({ level: 'info', write: (line) => lines.push(line), now })
    log.debug('hidden')
    log.info('daemon started on unix socket /tmp/timon.sock')
    log.warn('careful')
    expect(lines).toEqual([
      '2026-01-02T03:04:05.678Z [INFO] daemon started on unix socket /tmp/timon.sock\n',
      '2026-01-02T03:04:05.678Z [WARN] careful\n',
    ])
    expect(log.enabled('debug')).toBe(false)
  })

  it('writes nothing when silent, and an error stack after its line', () => {
    const lines: string[] = []
    createLogger({ level: 'silent', write: (line) => lines.push(line) }).fatal('nope')
    expect(lines).toEqual([])
    createLogger({ level: 'error', write: (line) => lines.push(line), now }).error('failed', new Error('boom'))
    expect(lines[0]).toMatch(/^2026-01-02T03:04:05.678Z \[ERROR\] failed\nError: boom\n {4}at /)
  })

  describe('with a log_dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timon-log-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    it('appends to <log_dir>/timon.log, never truncating it', () => {
      const logDir = join(dir, 'logs')
      const first = createLogger({ level: 'debug', logDir, now })
      first.info('one')
      first.close()
      writeFileSync(join(logDir, 'timon.log'), 'kept\n', { flag: 'a' })
      const second = createLogger({ level: 'debug', logDir, now })
      second.debug('two')
      second.close()
      expect(readFileSync(join(logDir, 'timon.log'), 'utf8')).toBe(
        '2026-01-02T03:04:05.678Z [INFO] one\nkept\n2026-01-02T03:04:05.678Z [DEBUG] two\n',
      )
    })
  })
})
