import { describe, expect, it } from 'vitest'
import { SerialQueue } from '../src/serial-queue.js'

describe('SerialQueue', () => {
  it('runs tasks one at a time, in the order queued, whether the queue was idle or not', async () => {
    const queue = new SerialQueue()
    const log: string[] = []
    const task = (name: string) => async () => {
      log.push(`${name} starts`)
      await new Promise((resolve) => setTimeout(resolve, 1))
      log.push(`${name} ends`)
      return name
    }
    const results = [queue.run(task('a')), queue.run(task('b'))]
    expect(await Promise.all(results)).toEqual(['a', 'b'])
    expect(await queue.run(task('c'))).toBe('c')
    expect(log).toEqual(['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends'])
  })

  it('goes on after a task that fails, even before its first await, and idles once all settled', async () => {
    const queue = new SerialQueue()
    const boom = new Error('boom')
    const failed = queue.run(() => {
      throw boom
    })
    const next = queue.run(async () => 'next')
    await expect(failed).rejects.toBe(boom)
    expect(await next).toBe('next')
    let done = false
    void queue.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      done = true
    })
    await queue.idle()
    expect(done).toBe(true)
  })
  it('starts a task queued by a running one, before its first await, only after it', async () => {
    const queue = new SerialQueue()
    const log: string[] = []
    let inner: Promise<void> | undefined
    await queue.run(async () => {
      inner = queue.run(async () => {
        log.push('inner')
      })
      log.push('outer goes on')
      await new Promise((resolve) => setTimeout(resolve, 1))
      log.push('outer ends')
    })
    await inner
    expect(log).toEqual(['outer goes on', 'outer ends', 'inner'])
  })
})
