import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readRunLog } from './reader.js'
import { unsafeLogDirectory, UnsafeLogPath } from './safe-paths.js'
import { RunLogStore } from './store.js'
import { RunLogWriter } from './writer.js'

let root: string
let logs: string
let outside: string
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tsafe-'))
  logs = join(root, 'logs')
  outside = join(root, 'outside')
  mkdirSync(logs, { mode: 0o750 })
  mkdirSync(outside, { mode: 0o750 })
})
afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('unsafeLogDirectory', () => {
  it('accepts a directory only we can write to, and a sticky one of ours', () => {
    expect(unsafeLogDirectory(logs)).toBeUndefined()
    chmodSync(logs, 0o1777)
    expect(unsafeLogDirectory(logs)).toBeUndefined()
  })

  it('refuses a directory other users can write to, or that is not a directory', () => {
    chmodSync(logs, 0o777)
    expect(unsafeLogDirectory(logs)).toBe(
      "other users can write to it (mode 0777); make it writable by the daemon's user only (chmod go-w)",
    )
    chmodSync(logs, 0o770)
    expect(unsafeLogDirectory(logs)).toMatch(/^other users can write to it \(mode 0770\)/)
    writeFileSync(join(root, 'file'), '')
    expect(unsafeLogDirectory(join(root, 'file'))).toBe('it is not a directory')
  })

  it('refuses a directory owned by another user', () => {
    expect(unsafeLogDirectory(logs, 4242)).toBe(
      process.getuid?.() === 0 ? undefined : `it is owned by another user (uid ${process.getuid?.()})`,
    )
  })
})

describe('RunLogStore and symlinks', () => {
  const store = () => new RunLogStore({ dir: logs, maxBytes: 1024 * 1024 })

  it('refuses a <code> directory that is a symlink, and writes nothing through it', async () => {
    symlinkSync(outside, join(logs, 'backup'))
    await expect(store().create('backup', 'u1')).rejects.toThrow(UnsafeLogPath)
    expect(existsSync(join(outside, 'u1.log'))).toBe(false)
  })

  it('refuses a <code> directory other users can write to', async () => {
    mkdirSync(join(logs, 'backup'))
    chmodSync(join(logs, 'backup'), 0o777)
    await expect(store().create('backup', 'u1')).rejects.toThrow(/other users can write to it \(mode 0777\)/)
  })

  it('does not delete a file through a symlinked <code> directory', async () => {
    writeFileSync(join(outside, 'u1.log'), 'precious')
    symlinkSync(outside, join(logs, 'backup'))
    await store().remove([join(logs, 'backup', 'u1.log')])
    expect(readFileSync(join(outside, 'u1.log'), 'utf8')).toBe('precious')
    await expect(store().checkReadable(join(logs, 'backup', 'u1.log'))).rejects.toThrow(UnsafeLogPath)
  })

  it('creates a log in a real <code> directory, and refuses a log file that is a symlink', async () => {
    const writer = await store().create('backup', 'u1')
    expect(writer?.path).toBe(join(logs, 'backup', 'u1.log'))
    await writer?.finish()
    symlinkSync(join(outside, 'target'), join(logs, 'backup', 'u2.log'))
    await expect(RunLogWriter.create(join(logs, 'backup', 'u2.log'), { maxBytes: 1024 * 1024 })).rejects.toMatchObject({
      code: 'EEXIST',
    })
    expect(existsSync(join(outside, 'target'))).toBe(false)
  })

  it('does not read a log file through a symlink', async () => {
    writeFileSync(join(outside, 'secret'), 'secret\n')
    mkdirSync(join(logs, 'backup'))
    symlinkSync(join(outside, 'secret'), join(logs, 'backup', 'u1.log'))
    await expect(readRunLog(join(logs, 'backup', 'u1.log')).next()).rejects.toMatchObject({ code: 'ELOOP' })
  })
})
