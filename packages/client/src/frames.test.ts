import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameDecoder, FrameError, encodeFrame } from './frames.js'

describe('FrameDecoder', () => {
  it('gives back every frame whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('stdout' as const, 'stderr' as const), fc.uint8Array({ maxLength: 300 })), {
          maxLength: 20,
        }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
        (frames, cuts) => {
          const bytes = Buffer.concat(frames.map(([stream, data]) => encodeFrame(stream, data)))
          const decoder = new FrameDecoder(['stdout', 'stderr'])
          const got: { stream: string; bytes: number[] }[] = []
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const size = cuts[i % cuts.length] ?? 1
            for (const frame of decoder.push(bytes.subarray(at, at + size)))
              got.push({ stream: frame.stream, bytes: [...frame.bytes] })
            at += size
          }
          expect(got).toEqual(frames.map(([stream, data]) => ({ stream, bytes: [...data] })))
          expect(decoder.pending).toBe(0)
        },
      ),
    )
  })

  it('counts an incomplete frame as pending', () => {
    const decoder = new FrameDecoder()
    expect(decoder.push(encodeFrame('stdout', Buffer.from('hello')).subarray(0, 7))).toEqual([])
    expect(decoder.pending).toBe(7)
  })

  it('refuses a stream it does not accept and an oversized frame', () => {
    expect(() => new FrameDecoder(['stdout', 'stderr']).push(encodeFrame('note', Buffer.from('x')))).toThrow(FrameError)
    expect(() => new FrameDecoder(['stdout'], 4).push(encodeFrame('stdout', Buffer.from('hello')))).toThrow(
      'frame of 5 bytes is larger than 4',
    )
    expect(() => new FrameDecoder().push(Buffer.from([9, 0, 0, 0, 0]))).toThrow('unknown stream id 9')
  })
})
