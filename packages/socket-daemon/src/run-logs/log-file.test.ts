import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Frame } from '@timon/client'
import { formatBytes, parseByteSize } from './byte-size.js'
import { readRunLog } from './reader.js'
import { MAX_PIECE_BYTES, RunLogWriter } from './writer.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlog-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

async function collect(path: string, writer?: RunLogWriter): Promise<Frame[]> {
  const frames: Frame[] = []
  for await (const frame of readRunLog(path, { writer })) frames.push(frame)
  return frames
}

/** Each stream's bytes, and the notes. */
function split(frames: readonly Frame[]): { stdout: string; stderr: string; notes: string[] } {
  const of = (stream: string) =>
    Buffer.concat(frames.filter((f) => f.stream === stream).map((f) => f.bytes)).toString('latin1')
  return {
    stdout: of('stdout'),
    stderr: of('stderr'),
    notes: frames.filter((f) => f.stream === 'note').map((f) => f.bytes.toString()),
  }
}

describe('RunLogWriter', () => {
  it('writes whole lines with their stream, holding partial lines until their newline', async () => {
    const path = join(dir, 'a.log')
    const writer = await RunLogWriter.create(path, { maxBytes: 1024 * 1024 })
    writer.write('stdout', Buffer.from('hel'))
    writer.write('stderr', Buffer.from('oops\nhalf'))
    writer.write('stdout', Buffer.from('lo\nworld\n'))
    await writer.flush()
    writer.write('stderr', Buffer.from(' done\n'))
    writer.write('stdout', Buffer.from('no newline'))
    await writer.finish()
    expect(readFileSync(path, 'utf8')).toBe('2 oops\n1 hello\n1 world\n2 half done\n1+no newline\n')
    expect(statSync(path).mode & 0o777).toBe(0o640)
    expect(split(await collect(path))).toEqual({
      stdout: 'hello\nworld\nno newline',
      stderr: 'oops\nhalf done\n',
      notes: [],
    })
    expect(writer.received).toBe(37)
  })

  it('keeps bytes as they are (binary-safe)', async () => {
    const path = join(dir, 'b.log')
    const bytes = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7) % 256))
    const writer = await RunLogWriter.create(path, { maxBytes: 1024 * 1024 })
    writer.write('stdout', bytes.subarray(0, 1000))
    writer.write('stdout', bytes.subarray(1000))
    await writer.finish()
    const frames = await collect(path)
    expect(Buffer.concat(frames.filter((f) => f.stream === 'stdout').map((f) => f.bytes)).equals(bytes)).toBe(true)
  })

  it('writes a line longer than 16 KiB in pieces that read back as the line', async () => {
    const path = join(dir, 'c.log')
    const line = 'x'.repeat(MAX_PIECE_BYTES * 2 + 10)
    const writer = await RunLogWriter.create(path, { maxBytes: 1024 * 1024 })
    writer.write('stdout', Buffer.from(`${line}\n`))
    writer.write('stdout', Buffer.from(line.slice(0, MAX_PIECE_BYTES + 1)))
    writer.write('stdout', Buffer.from(`${line.slice(MAX_PIECE_BYTES + 1)}\n`))
    await writer.finish()
    const records = readFileSync(path, 'utf8')
      .split('\n')
      .map((record) => record.slice(0, 2))
    expect(records.slice(0, 3)).toEqual(['1+', '1+', '1 '])
    expect(split(await collect(path)).stdout).toBe(`${line}\n${line}\n`)
  })

  it('keeps the end past the cap, cutting whole records, with a note saying how much was cut', async () => {
    const path = join(dir, 'd.log')
    const max = 64 * 1024
    const writer = await RunLogWriter.create(path, { maxBytes: max })
    const lines: string[] = []
    for (let i = 0; i < 20_000; i++) {
      const line = `line ${String(i).padStart(6, '0')} ${'.'.repeat(i % 50)}\n`
      lines.push(line)
      writer.write(i % 3 === 0 ? 'stderr' : 'stdout', Buffer.from(line))
      if (i % 100 === 0) await writer.flush()
    }
    await writer.finish()
    const size = statSync(path).size
    expect(size).toBeLessThanOrEqual(max)
    const { stdout, stderr, notes } = split(await collect(path))
    expect(notes).toHaveLength(1)
    const cut = Number(
      /^(\d+) bytes of earlier output were cut \(the log keeps the last 64KiB at most\)$/.exec(notes[0] ?? '')?.[1],
    )
    const kept = lines.length - (stdout + stderr).split('\n').length + 1
    // The lines kept are the last ones, whole, each in its stream; the note counts the others.
    const expected = lines.slice(kept)
    expect(stdout).toBe(expected.filter((_, i) => (kept + i) % 3 !== 0).join(''))
    expect(stderr).toBe(expected.filter((_, i) => (kept + i) % 3 === 0).join(''))
    expect(cut).toBe(lines.slice(0, kept).join('').length)
    expect(writer.cut).toBe(cut)
  })

  it('lets a follower read on across rewrites without losing or repeating output', async () => {
    const path = join(dir, 'e.log')
    const writer = await RunLogWriter.create(path, { maxBytes: 64 * 1024 })
    const got: Buffer[] = []
    const reading = (async () => {
      for await (const frame of readRunLog(path, {
        writer,
        follow: true,
        ended: async () => writer.done,
        changed: () => new Promise((resolve) => setTimeout(resolve, 5)),
      })) {
        if (frame.stream === 'stdout') got.push(frame.bytes)
      }
    })()
    let all = ''
    const gotBytes = () => got.reduce((total, bytes) => total + bytes.length, 0)
    for (let round = 0; round < 40; round++) {
      let text = ''
      for (let i = 0; i < 50; i++) text += `round ${round} line ${i} ${'-'.repeat(80)}\n`
      all += text
      writer.write('stdout', Buffer.from(text))
      await writer.flush()
      // The follower keeps up (each round is under half the cap): wait until it has read the round.
      for (const deadline = Date.now() + 5000; gotBytes() < all.length && Date.now() < deadline; )
        await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await writer.finish()
    await reading
    expect(writer.cut).toBeGreaterThan(0)
    expect(Buffer.concat(got).toString()).toBe(all)
  })

  it('removes its file when discarded', async () => {
    const path = join(dir, 'f.log')
    const writer = await RunLogWriter.create(path, { maxBytes: 64 * 1024 })
    writer.write('stdout', Buffer.from('x\n'))
    await writer.flush()
    await writer.discard()
    writer.write('stdout', Buffer.from('y\n'))
    await writer.flush()
    expect(() => statSync(path)).toThrow()
    expect(writer.done).toBe(true)
  })
})

describe('sizes', () => {
  it('parses sizes with binary and decimal units, and bytes', () => {
    expect(parseByteSize('10MiB')).toBe(10 * 1024 * 1024)
    expect(parseByteSize('512 kib')).toBe(512 * 1024)
    expect(parseByteSize('1MB')).toBe(1_000_000)
    expect(parseByteSize('65536')).toBe(65536)
    expect(parseByteSize('10 MiBs')).toBeUndefined()
    expect(parseByteSize('1.5MiB')).toBeUndefined()
    expect(formatBytes(10 * 1024 * 1024)).toBe('10MiB')
    expect(formatBytes(1000)).toBe('1000B')
  })
})
