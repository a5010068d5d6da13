/** The pure and in-process parts of `timon exec`: the tail, the outcome, the lock, the command line. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseArgs } from '../args.js'
import { exec } from '../commands/exec.js'
import { commandComment, exitHealth, exitLabel, exitStatus, formatCommandLine, stepDetail } from './exec-outcome.js'
import { OutputTail, keepEnd } from './output-tail.js'
import { acquireRunLock } from './run-lock.js'

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
    const long = stepDetail('cmd', Array.from({ length: 100 }, (_, i) => `line ${i}`), 60)
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(60)
    expect(long).toMatch(/^\$ cmd\n….*\nline 99$/s)
  })
})

describe('the --skip-if-running lock', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tlock-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('is taken by one holder at a time and released by its holder only', () => {
    const alive = new Set([101, 102])
    const isAlive = (pid: number) => alive.has(pid)
    const first = acquireRunLock('job.a', { dir, pid: 101, isAlive })
    expect(first.kind).toBe('acquired')
    expect(acquireRunLock('job.a', { dir, pid: 102, isAlive })).toEqual({ kind: 'held', pid: 101, path: join(dir, 'job.a.lock') })
    expect(readFileSync(join(dir, 'job.a.lock'), 'utf8')).toMatch(/^101\n/)
    if (first.kind === 'acquired') first.lock.release()
    const second = acquireRunLock('job.a', { dir, pid: 102, isAlive })
    expect(second.kind).toBe('acquired')
    if (first.kind === 'acquired') first.lock.release() // not its lock any more: stays
    expect(readFileSync(join(dir, 'job.a.lock'), 'utf8')).toMatch(/^102\n/)
  })

  it('takes over a lock whose pid is dead, or whose content is not a pid', () => {
    writeFileSync(join(dir, 'job.b.lock'), '4000000\nold\n')
    expect(acquireRunLock('job.b', { dir, pid: 7, isAlive: () => false }).kind).toBe('acquired')
    writeFileSync(join(dir, 'job.c.lock'), 'garbage')
    expect(acquireRunLock('job.c', { dir, pid: 7, isAlive: () => true }).kind).toBe('acquired')
  })
})

describe('timon exec arguments', () => {
  it('reads flags until the command, and leaves the command’s own flags to it', () => {
    const parsed = parseArgs(exec.spec, ['--tail-lines', '5', 'my.job', '--skip-if-running', 'ls', '-la', '--tail-lines', '9'])
    expect(parsed.args).toEqual(['my.job', 'ls', '-la', '--tail-lines', '9'])
    expect(parsed.string('tail-lines')).toBe('5')
    expect(parsed.boolean('skip-if-running')).toBe(true)
    expect(parseArgs(exec.spec, ['my.job', '--', '--weird', 'x']).args).toEqual(['my.job', '--weird', 'x'])
  })
})
