import { describe, expect, it } from 'vitest'
import { GroupCommit, type GroupCommitConnection, type TransactionStatement } from './group-commit.js'

/** A connection that records the statements and can be told to fail one. */
function fakeConnection(fail: Partial<Record<TransactionStatement, Error>> = {}) {
  const log: string[] = []
  let open = false
  const connection: GroupCommitConnection & { log: string[]; loseTransaction(): void } = {
    log,
    run(statement) {
      log.push(statement)
      const error = fail[statement]
      if (error !== undefined) throw error
      if (statement === 'BEGIN IMMEDIATE') open = true
      if (statement === 'COMMIT' || statement === 'ROLLBACK') open = false
    },
    get inTransaction() {
      return open
    },
    loseTransaction() {
      open = false
    },
  }
  return connection
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

/** The statements of `jobs` transactions sharing one COMMIT, each after the first in a savepoint. */
const oneCommit = (jobs: number): TransactionStatement[] => [
  'BEGIN IMMEDIATE',
  ...Array.from({ length: jobs - 1 }, () => ['SAVEPOINT batched', 'RELEASE batched'] as const).flat(),
  'COMMIT',
]

describe('GroupCommit', () => {
  it('is a plain BEGIN … COMMIT for one transaction at a time', async () => {
    const connection = fakeConnection()
    const group = new GroupCommit(connection)
    expect(await group.run(async () => 1)).toBe(1)
    expect(await group.run(async () => 2)).toBe(2)
    expect(connection.log).toEqual(['BEGIN IMMEDIATE', 'COMMIT', 'BEGIN IMMEDIATE', 'COMMIT'])
  })

  it('lets transactions queued meanwhile share the COMMIT, each in a savepoint, and settles them after it', async () => {
    const connection = fakeConnection()
    const group = new GroupCommit(connection)
    const settledBeforeCommit: number[] = []
    const results = [1, 2, 3].map((n) =>
      group.run(async () => {
        await tick()
        if (!connection.log.includes('COMMIT')) settledBeforeCommit.push(n)
        return n
      }),
    )
    expect(await Promise.all(results)).toEqual([1, 2, 3])
    expect(settledBeforeCommit).toEqual([1, 2, 3])
    expect(connection.log).toEqual(oneCommit(3))
  })

  it('rolls back a failing transaction of a batch alone', async () => {
    const connection = fakeConnection()
    const group = new GroupCommit(connection)
    const results = await Promise.allSettled([
      group.run(async () => 'a'),
      group.run(async () => {
        throw new Error('boom')
      }),
      group.run(async () => 'c'),
    ])
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'a',
      'boom',
      'c',
    ])
    expect(connection.log).toEqual([
      'BEGIN IMMEDIATE',
      'SAVEPOINT batched',
      'ROLLBACK TO batched',
      'RELEASE batched',
      'SAVEPOINT batched',
      'RELEASE batched',
      'COMMIT',
    ])
  })

  it('rolls the whole transaction back when the first fails, and runs the others in the next one', async () => {
    const connection = fakeConnection()
    const group = new GroupCommit(connection)
    const results = await Promise.allSettled([
      group.run(async () => {
        throw new Error('first')
      }),
      group.run(async () => 'second'),
    ])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled'])
    expect(connection.log).toEqual(['BEGIN IMMEDIATE', 'ROLLBACK', 'BEGIN IMMEDIATE', 'COMMIT'])
  })

  it('fails every transaction of a batch whose COMMIT fails', async () => {
    const disk = new Error('SQLITE_FULL')
    const connection = fakeConnection({ COMMIT: disk })
    const group = new GroupCommit(connection)
    const results = await Promise.allSettled([group.run(async () => 1), group.run(async () => 2)])
    expect(results).toEqual([
      { status: 'rejected', reason: disk },
      { status: 'rejected', reason: disk },
    ])
  })

  it('fails the earlier transactions of a batch that SQLite rolled back as a whole', async () => {
    const connection = fakeConnection()
    const group = new GroupCommit(connection)
    const io = new Error('SQLITE_IOERR')
    const results = await Promise.allSettled([
      group.run(async () => 1),
      group.run(async () => {
        connection.loseTransaction()
        throw io
      }),
      group.run(async () => 3),
    ])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled'])
    expect((results[0] as PromiseRejectedResult).reason).toBe(io)
  })

  it('fails only the transaction whose BEGIN failed', async () => {
    const busy = new Error('SQLITE_BUSY')
    let first = true
    const connection = fakeConnection()
    const run = connection.run.bind(connection)
    connection.run = (statement) => {
      if (statement === 'BEGIN IMMEDIATE' && first) {
        first = false
        throw busy
      }
      run(statement)
    }
    const group = new GroupCommit(connection)
    const results = await Promise.allSettled([group.run(async () => 1), group.run(async () => 2)])
    expect(results).toEqual([
      { status: 'rejected', reason: busy },
      { status: 'fulfilled', value: 2 },
    ])
  })

  it('starts a new drain for a transaction queued after the queue emptied', async () => {
    const connection = fakeConnection()
    const group = new GroupCommit(connection)
    await group.run(async () => 1)
    await group.idle()
    expect(await group.run(async () => 2)).toBe(2)
  })

  it('with a gather step, lets work arriving in the same turn join a transaction that finished alone', async () => {
    const connection = fakeConnection()
    const group = new GroupCommit(connection, { gather: () => new Promise((resolve) => setImmediate(resolve)) })
    const first = group.run(async () => 1)
    // Queued after the first work finished but before the gather round ended: joins its commit.
    await Promise.resolve()
    await Promise.resolve()
    const second = group.run(async () => 2)
    expect(await Promise.all([first, second])).toEqual([1, 2])
    expect(connection.log).toEqual(['BEGIN IMMEDIATE', 'SAVEPOINT batched', 'RELEASE batched', 'COMMIT'])
  })

  it('with a gather step, keeps gathering while each round brings work, and commits after a round that brings none', async () => {
    const connection = fakeConnection()
    const group = new GroupCommit(connection, { gather: () => new Promise((resolve) => setImmediate(resolve)) })
    // Each job queues the next one a round later, as clients answered one by one send their next request.
    const later: Promise<number>[] = []
    const chain = (n: number): Promise<number> =>
      group.run(async () => {
        if (n < 3) setImmediate(() => later.push(chain(n + 1)))
        return n
      })
    const first = chain(1)
    expect(await first).toBe(1)
    expect(await Promise.all(later)).toEqual([2, 3])
    expect(connection.log).toEqual(oneCommit(3))
    expect(await group.run(async () => 4)).toBe(4)
    expect(connection.log.slice(6)).toEqual(['BEGIN IMMEDIATE', 'COMMIT'])
  })

  it('while a transaction holds at most half as many as the last COMMIT, lets it wait for company, up to companyWaitMs', async () => {
    const connection = fakeConnection()
    const group = new GroupCommit(connection, {
      gather: () => new Promise((resolve) => setImmediate(resolve)),
      companyWaitMs: 200,
    })
    await Promise.all([group.run(async () => 1), group.run(async () => 2)])
    const alone = group.run(async () => 3)
    // Queued several rounds later, but well within the wait: shares the commit.
    await new Promise((resolve) => setTimeout(resolve, 20))
    const company = group.run(async () => 4)
    expect(await Promise.all([alone, company])).toEqual([3, 4])
    expect(connection.log.slice(4)).toEqual(['BEGIN IMMEDIATE', 'SAVEPOINT batched', 'RELEASE batched', 'COMMIT'])
    // That COMMIT held two: one alone waits again, and commits alone once the wait is over.
    const started = performance.now()
    expect(await group.run(async () => 5)).toBe(5)
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
    // The last COMMIT held one: no wait.
    const next = performance.now()
    expect(await group.run(async () => 6)).toBe(6)
    expect(performance.now() - next).toBeLessThan(100)
    // After a COMMIT of four, two together still wait for a third.
    await Promise.all([7, 8, 9, 10].map((n) => group.run(async () => n)))
    const two = [11, 12].map((n) => group.run(async () => n))
    await new Promise((resolve) => setTimeout(resolve, 20))
    const third = group.run(async () => 13)
    expect(await Promise.all([...two, third])).toEqual([11, 12, 13])
    expect(connection.log.slice(-6)).toEqual(oneCommit(3))
  })
})
