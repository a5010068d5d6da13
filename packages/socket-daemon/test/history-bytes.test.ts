/**
 * The bytes of `GET /v1/history` for a generated history: what the route answers (`toWireJson` of
 * the Monitor's page, plain or as columns; history.test.ts checks that the daemon sends those
 * bytes), page after page, against digests taken of the answers as they were before the read path
 * was made cheaper. Any change of a byte in any page fails: the wire stays what it was.
 */
import { createHash } from 'node:crypto'
import { Monitor, type HistoryCursor, type HistoryQuery } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { SqliteStore } from '@timon/store-sqlite'
import { toWireJson } from '@timon/client'
import { afterEach, describe, expect, it } from 'vitest'

const START = '2025-01-01T00:00:00Z'

let store: SqliteStore | undefined

afterEach(async () => {
  await store?.close()
  store = undefined
})

describe('GET /v1/history answers, to the byte', () => {
  it('answers a generated history as it did, in both forms, with and without a code', async () => {
    store = new SqliteStore({ database: ':memory:' })
    const monitor = await generatedHistory(store)
    const window = { from: new Date(START), to: new Date('2025-01-02T00:00:00Z') }
    const digests = {
      plain: await answersDigest(monitor, { ...window, limit: 97 }, 'plain'),
      columns: await answersDigest(monitor, { ...window, limit: 97 }, 'columns'),
      dbColumns: await answersDigest(monitor, { ...window, code: 'db.*', limit: 50 }, 'columns'),
      dbPlain: await answersDigest(monitor, { ...window, code: 'db.*', limit: 50 }, 'plain'),
      onePage: await answersDigest(monitor, { ...window, limit: 5000 }, 'columns'),
    }
    expect(digests).toEqual(EXPECTED)
  })
})

/** Digests of the answers of {@link generatedHistory}, taken before the read path changed. */
const EXPECTED = {
  plain: 'f5461147dec7660ac6e2309397eb5b922128e7522a69782c1a43fb0740bc871c',
  columns: '996ee5c0390b2dd94f8e8c8e380aad4343043a8121386cdecced06093c25eb37',
  dbColumns: '665fcbdcd92fe220a9337166928bdc4233a4beffac33fa8fb075cf2a2318b3f7',
  dbPlain: '5b91e975b24b365ec86fd30bdd2254d177137e5e8b3ddee33a29a5c83f94f250',
  onePage: 'bf37a5b3f0692ab25e24c1b1eda6db73f1cfdc6c0e9878b7ae77c3ef9d57c6af',
}

/**
 * 12 hours of pushes, one a minute, from four probes in turn (rules changing every 200 pushes, a
 * failure threshold counting, comments of every kind of character JSON escapes or not, hosts,
 * details), a job run every 50 minutes with its steps; incidents open and resolve, each event
 * delivered to one target. Uids and delivery ids are counted, so the history is the same each time.
 */
async function generatedHistory(store: SqliteStore): Promise<Monitor> {
  const clock = new FakeClock(START)
  let uids = 0
  let deliveries = 0
  const monitor = new Monitor({
    store,
    clock,
    notifications: { targetsFor: () => ['hook'] },
    ids: {
      uid: () => (uids++).toString(16).padStart(12, '0'),
      deliveryId: () => `00000000-0000-4000-8000-${(deliveries++).toString(16).padStart(12, '0')}`,
    },
  })
  const comments = [
    'plain',
    'a "quote", a \\ backslash and a / slash',
    'tab\tnewline\ncarriage\r',
    'unicode é 日本 🚀 and \u2028 \u2029',
    'control \u0001 \u001f \u007f',
  ]
  const probes = ['db.main', 'db.replica', 'web.api', 'web.cdn'] as const
  for (let i = 0; i < 720; i++) {
    clock.advance('1m')
    const code = probes[i % probes.length] as string
    const health = i % 13 === 0 ? 'critical' : i % 29 === 0 ? 'warning' : 'healthy'
    const pushed = await monitor.pushProbe({
      code,
      health,
      staleAfter: code.startsWith('db.') && Math.floor(i / 200) % 2 === 1 ? '10m' : '5m',
      ...(code === 'web.api' ? { failureThreshold: 3 } : {}),
      ...(i % 3 === 0 ? { comment: comments[(i / 3) % comments.length] as string } : {}),
      ...(i % 5 === 0 ? { host: `host-${i % 7}` } : {}),
      ...(i % 11 === 0 ? { detail: `line 1\nline 2 of ${i}` } : {}),
    })
    pushed._unsafeUnwrap()
    if (i % 50 === 25) {
      const { run } = (await monitor.startJob({ code: 'job.sync', comment: 'go' }))._unsafeUnwrap()
      clock.advance('10s')
      ;(await monitor.pushStep({ code: 'job.sync', uid: run.uid, label: 'dump', health: 'healthy' }))._unsafeUnwrap()
      clock.advance('10s')
      ;(
        await monitor.endJob({ code: 'job.sync', uid: run.uid, exit: { code: i % 100 === 25 ? 0 : 1, signal: null } })
      )._unsafeUnwrap()
    }
  }
  return monitor
}

/** The sha256 of every page's answer to `query`, in order, as the route writes them. */
async function answersDigest(monitor: Monitor, query: HistoryQuery, format: 'plain' | 'columns'): Promise<string> {
  const hash = createHash('sha256')
  let after: HistoryCursor | undefined
  do {
    const asked = after === undefined ? query : { ...query, after }
    const page =
      format === 'columns'
        ? (await monitor.exportHistoryColumns(asked))._unsafeUnwrap()
        : (await monitor.exportHistory(asked))._unsafeUnwrap()
    hash.update(`${toWireJson(page)}\n`)
    after = page.next
  } while (after !== undefined)
  return hash.digest('hex')
}
