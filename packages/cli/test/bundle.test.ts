/**
 * The start-up path: a `timon push` loads the launcher and the one bundled file (compiled with its
 * V8 code cache), nothing else (no server, SQLite, Kysely, zod or webhook code); the daemon stays
 * outside the bundle and `timon daemon` still reaches it.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, CLI_DIR, ensureBuilt, startDaemon, tempDir, type DaemonProcess } from './helpers.js'

let daemon: DaemonProcess

beforeAll(async () => {
  ensureBuilt()
  daemon = await startDaemon()
})

afterAll(async () => {
  await daemon?.cleanup()
})

describe('the bundled CLI', () => {
  it('keeps the daemon, SQLite, Kysely, zod and the webhook code out of the bundle', () => {
    const bundle = readFileSync(join(CLI_DIR, 'dist', 'timon.cjs'), 'utf8')
    for (const heavy of ['better-sqlite3', 'kysely', 'mustache', 'from "zod"', 'require("zod")', 'createServer'])
      expect(bundle).not.toContain(heavy)
    expect(bundle).toContain('import("@timon/socket-daemon")')
    expect(bundle).not.toContain('require("@timon/socket-daemon")')
  })

  it('is all a push loads: the launcher, and the bundle compiled with its code cache', async () => {
    const { dir, remove } = tempDir()
    try {
      const tracer = join(dir, 'trace.cjs')
      const out = join(dir, 'loaded.json')
      writeFileSync(
        tracer,
        [
          "const vm = require('node:vm')",
          'const compiled = []',
          'const Script = vm.Script',
          'vm.Script = class extends Script {',
          '  constructor(code, options) {',
          '    super(code, options)',
          '    compiled.push({ filename: options.filename, cached: options.cachedData !== undefined, rejected: this.cachedDataRejected === true })',
          '  }',
          '}',
          `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ required: Object.keys(require.cache), compiled })))`,
        ].join('\n'),
      )
      const result = await daemon.timon(['push', 'probe', 'traced.probe', 'healthy'], {
        env: { NODE_OPTIONS: `--require ${tracer}` },
      })
      expect(result).toMatchObject({ status: 0, stdout: '', stderr: '' })
      const loaded = JSON.parse(readFileSync(out, 'utf8')) as { required: string[]; compiled: unknown[] }
      expect(loaded.required.filter((file) => file !== tracer)).toEqual([BIN])
      expect(loaded.compiled).toEqual([{ filename: join(CLI_DIR, 'dist', 'timon.cjs'), cached: true, rejected: false }])
    } finally {
      remove()
    }
  })
})
