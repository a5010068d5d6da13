/** The pure and in-process parts of `timon exec`: the tail, the outcome, the lock, the command line. */
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseArgs } from '../args.js'
import { exec } from '../commands/exec.js'
import { commandComment, exitHealth, exitLabel, exitStatus, formatCommandLine, stepDetail } from './exec-outcome.js'
import { OutputTail, keepEnd } from './output-tail.js'
import { acquireRunLock, lockDirectory } from './run-lock.js'

describe('OutputTail', () => {
  it('keeps the last lines of both streams in the order they were completed, partial lines last', () => {
    const tail = new OutputTail(3)
    tail.push('stdout', Buffer.from('a1\na2\npart'))
    tail.push('stderr', Buffer.from('e1\n'))
    tail.push('stdout', Buffer.from('ial\na3\nlast'))
    expect(tail.lines()).toEqual(['partial', 'a3', 'last'])
    const all = new OutputTail(10)
    all.push('stdout', Buffer.from('a1\na2\npart'))
    all.push('stderr', Buffer.from('e1\n'))
    all.push('stdout', Buffer.from('ial\n'))
    expect(all.lines()).toEqual(['a1', 'a2', 'e1', 'partial'])
  })

  it('works per chunk in proportion to the lines kept, and keeps the end of long lines', () => {
    const tail = new OutputTail(2, 8)
    tail.push('stdout', Buffer.from(Array.from({ length: 10_000 }, (_, i) => `line ${i}\n`).join('')))
    expect(tail.lines()).toEqual(['ine 9998', 'ine 9999'])
    expect(new OutputTail(0).lines()).toEqual([])
  })

  it('cuts text to a number of UTF-8 bytes keeping its end, never inside a character', () => {
    expect(keepEnd('abcdef', 6)).toBe('abcdef')
    expect(keepEnd('abcdef', 5)).toBe('…ef')
    expect(keepEnd('ééé', 5)).toBe('…é')
    expect(keepEnd('ééé', 4)).toBe('…')
    expect(Buffer.byteLength(keepEnd('é'.repeat(100), 50))).toBeLessThanOrEqual(50)
  })
})

describe('the outcome of a command', () => {
  it('maps exit codes and signals to health, label and exit status', () => {
    const warning = new Set([2])
    expect(exitHealth({ code: 0, signal: null }, warning)).toBe('healthy')
    expect(exitHealth({ code: 2, signal: null }, warning)).toBe('warning')
    expect(exitHealth({ code: 1, signal: null }, warning)).toBe('critical')
    expect(exitHealth({ code: null, signal: 'SIGTERM' }, warning)).toBe('critical')
    expect(exitLabel({ code: 2, signal: null }, 3200)).toBe('exit 2 after 3s 200ms')
    expect(exitLabel({ code: null, signal: 'SIGKILL' }, 250.4)).toBe('killed by SIGKILL after 250ms')
    expect(exitStatus({ code: 3, signal: null })).toBe(3)
    expect(exitStatus({ code: null, signal: 'SIGTERM' })).toBe(143)
    expect(exitStatus({ code: null, signal: 'SIGINT' })).toBe(130)
  })

  it('quotes the command line as a shell would take it back', () => {
    expect(formatCommandLine(['sh', '-c', "echo 'hi' && exit 2"])).toBe(`sh -c 'echo '\\''hi'\\'' && exit 2'`)
    expect(formatCommandLine(['borg', 'create', '/backup::x', ''])).toBe("borg create /backup::x ''")
    expect(commandComment(['echo', 'x'.repeat(400)])).toMatch(/^echo x+…$/)
    expect(Buffer.byteLength(commandComment(['echo', 'x'.repeat(400)]))).toBeLessThanOrEqual(250)
  })

  it('makes a detail of the command line and the cleaned last lines, within the byte limit, keeping the end', () => {
    expect(stepDetail('false', [], 100)).toBe('$ false')
    expect(stepDetail('make', ['\u001b[31merror\u001b[0m: x', '10%\r50%\r100%'], 100)).toBe('$ make\nerror: x\n100%')
    const long = stepDetail(
      'cmd',
      Array.from({ length: 100 }, (_, i) => `line ${i}`),
      60,
    )
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(60)
    expect(long).toMatch(/^\$ cmd\n….*\nline 99$/s)
  })
})

describe('the run lock', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tlock-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })
  const runFiles = (code: string) => readdirSync(dir).filter((name) => name.startsWith(`${code}@run-`))

  it('registers every run; --skip-if-running is refused while another is registered, whether that one used the flag or not', () => {
    const alive = new Set([101, 102, 103])
    const isAlive = (pid: number) => alive.has(pid)
    // A run started without the flag…
    const plain = acquireRunLock('job.a', { dir, skipIfRunning: false, pid: 101, isAlive })
    expect(plain).toMatchObject({ kind: 'acquired', running: [] })
    expect(runFiles('job.a')).toHaveLength(1)
    // …is seen by one with the flag, which registers nothing.
    const skipped = acquireRunLock('job.a', { dir, skipIfRunning: true, pid: 102, isAlive })
    expect(skipped).toMatchObject({ kind: 'held', pid: 101 })
    expect(runFiles('job.a')).toHaveLength(1)
    // Without the flag a run overlaps, registered too, so the next --skip-if-running sees it.
    const overlapping = acquireRunLock('job.a', { dir, skipIfRunning: false, pid: 103, isAlive })
    expect(overlapping).toMatchObject({ kind: 'acquired', running: [101] })
    if (plain.kind === 'acquired') plain.lock.release()
    expect(acquireRunLock('job.a', { dir, skipIfRunning: true, pid: 102, isAlive })).toMatchObject({
      kind: 'held',
      pid: 103,
    })
    if (overlapping.kind === 'acquired') overlapping.lock.release()
    const free = acquireRunLock('job.a', { dir, skipIfRunning: true, pid: 102, isAlive })
    expect(free).toMatchObject({ kind: 'acquired', running: [] })
    if (free.kind === 'acquired') free.lock.release()
    expect(readdirSync(dir)).toEqual([])
  })

  it("keeps jobs apart, whatever their codes (a.b is not a's)", () => {
    const isAlive = () => true
    expect(acquireRunLock('a', { dir, skipIfRunning: false, pid: 101, isAlive }).kind).toBe('acquired')
    expect(acquireRunLock('a.b', { dir, skipIfRunning: true, pid: 102, isAlive }).kind).toBe('acquired')
    expect(acquireRunLock('a.b', { dir, skipIfRunning: true, pid: 103, isAlive })).toMatchObject({
      kind: 'held',
      pid: 102,
    })
  })

  it('removes the run files and the mutex of processes that are gone, and files that hold no pid', () => {
    writeFileSync(join(dir, 'job.b@run-4000000-dead'), '4000000\n\n')
    writeFileSync(join(dir, 'job.b@run-garbage'), 'garbage')
    writeFileSync(join(dir, 'job.b@lock'), '4000001\n\nold\n')
    const alive = (pid: number) => pid === 7
    const taken = acquireRunLock('job.b', { dir, skipIfRunning: true, pid: 7, isAlive: alive })
    expect(taken).toMatchObject({ kind: 'acquired', running: [] })
    expect(runFiles('job.b')).toEqual([taken.kind === 'acquired' ? taken.lock.path.slice(dir.length + 1) : ''])
    expect(existsSync(join(dir, 'job.b@lock'))).toBe(false)
  })

  it('waits for a mutex a live exec holds, then fails', () => {
    writeFileSync(join(dir, 'job.c@lock'), '101\n\nbusy\n')
    expect(() => acquireRunLock('job.c', { dir, skipIfRunning: true, pid: 7, isAlive: () => true })).toThrow(
      `the lock ${join(dir, 'job.c@lock')} stays held by pid 101`,
    )
  })

  it('tells a reused pid from the exec that had it (by its start time, where /proc tells it)', () => {
    const started = existsSync(`/proc/${process.pid}/stat`)
    writeFileSync(join(dir, 'job.d@run-reused'), `${process.pid}\n1\n`) // this pid, another start time
    const taken = acquireRunLock('job.d', { dir, skipIfRunning: true, pid: 4_000_002 })
    expect(taken.kind).toBe(started ? 'acquired' : 'held')
  })
})

describe('the lock directory', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tlockdir-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('is <runtime dir>/locks, each level created 0700 for the user', () => {
    const uid = process.getuid?.() ?? 0
    expect(lockDirectory({ env: { XDG_RUNTIME_DIR: dir }, uid })._unsafeUnwrap()).toBe(join(dir, 'timon', 'locks'))
    expect(statSync(join(dir, 'timon')).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, 'timon', 'locks')).mode & 0o777).toBe(0o700)
  })

  it.runIf(process.getuid?.() === 0)('is refused when another user created it, or opened it to others', () => {
    mkdirSync(join(dir, 'timon'), { mode: 0o700 })
    chownSync(join(dir, 'timon'), 12345, 12345)
    expect(lockDirectory({ env: { XDG_RUNTIME_DIR: dir }, uid: 0 })._unsafeUnwrapErr()).toMatch(
      `the directory ${join(dir, 'timon')} belongs to uid 12345, not to this user (uid 0)`,
    )
    chownSync(join(dir, 'timon'), 0, 0)
    mkdirSync(join(dir, 'timon', 'locks'), { mode: 0o700 })
    chmodSync(join(dir, 'timon', 'locks'), 0o777)
    expect(lockDirectory({ env: { XDG_RUNTIME_DIR: dir }, uid: 0 })._unsafeUnwrapErr()).toMatch(
      /is open to other users \(mode 0777, at most 0700 expected\)/,
    )
  })
})

describe('timon exec arguments', () => {
  it('reads flags until the command, and leaves the command’s own flags to it', () => {
    const parsed = parseArgs(exec.spec, [
      '--tail-lines',
      '5',
      'my.job',
      '--skip-if-running',
      'ls',
      '-la',
      '--tail-lines',
      '9',
    ])
    expect(parsed.args).toEqual(['my.job', 'ls', '-la', '--tail-lines', '9'])
    expect(parsed.string('tail-lines')).toBe('5')
    expect(parsed.boolean('skip-if-running')).toBe(true)
    expect(parseArgs(exec.spec, ['my.job', '--', '--weird', 'x']).args).toEqual(['my.job', '--weird', 'x'])
  })
})
