import fc from 'fast-check'
import { ROUTES } from '../src/routes/table.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postJson, rawRequest, startTestDaemon, type TestDaemon } from './helpers.js'

let t: TestDaemon
beforeAll(async () => {
  t = await startTestDaemon()
  // Something to hit: a probe, a job run and an incident.
  await t.client.pushProbe({ code: 'fuzz.probe', health: 'healthy' })
  await t.client.startJob({ code: 'fuzz.job' })
  await t.client.openIncident({ title: 'fuzz' })
})
afterAll(async () => {
  await t.cleanup()
})

const POST_PATHS = ROUTES.filter((route) => route.method === 'POST').map((route) => route.path)

/** Keys the routes know, so that random bodies get past the unknown-key check now and then. */
const KNOWN_KEYS = [
  'code',
  'health',
  'comment',
  'stale_after',
  'stale_incident_after',
  'overtime_incident_after',
  'overlap_incident',
  'uid',
  'label',
  'end',
  'end_comment',
  'title',
  'description',
  'id',
  'note',
  'target',
  'force',
  'keep',
  'keep_healthy',
  'keep_warning',
  'keep_critical',
  'keep_incidents',
]

const plausibleValue = fc.oneof(
  fc.constantFrom(
    'healthy',
    'warning',
    'critical',
    'fuzz.probe',
    'fuzz.job',
    'INC-1',
    'off',
    '5m',
    '-1h',
    '0',
    '1.5d',
    '',
    ' ',
    'fuzz.job:0123456789ab',
  ),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
)

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom(...KNOWN_KEYS), plausibleValue, { maxKeys: 6 }),
)

const isErrorShape = (json: unknown) => {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
  return typeof error?.code === 'string' && typeof error.message === 'string'
}

describe('random input', () => {
  it('random JSON bodies at every POST route get a 2xx or a 4xx with an error, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_PATHS), body, async (path, input) => {
        const answer = await postJson(t.config.socket, path, input)
        expect(answer.status).toBeLessThan(500)
        if (answer.status >= 400) expect(isErrorShape(answer.json)).toBe(true)
      }),
      { numRuns: 400 },
    )
    expect((await t.client.health()).isOk()).toBe(true)
  })

  it('random bytes as a body get a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_PATHS), fc.uint8Array({ maxLength: 200 }), async (path, bytes) => {
        const answer = await rawRequest(t.config.socket, {
          method: 'POST',
          path,
          headers: { 'Content-Type': 'application/json' },
          body: Buffer.from(bytes),
        })
        expect(answer.status).toBeLessThan(500)
      }),
      { numRuns: 100 },
    )
  })

  it('random show targets and queries get a 2xx or a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        fc.dictionary(fc.constantFrom('limit', 'all', 'x'), fc.string(), { maxKeys: 2 }),
        async (target, query) => {
          const search = new URLSearchParams(query).toString()
          const answer = await rawRequest(t.config.socket, {
            path: `/v1/show/${encodeURIComponent(target)}${search === '' ? '' : `?${search}`}`,
          })
          expect(answer.status).toBeLessThan(500)
          if (answer.status >= 400) expect(isErrorShape(answer.json)).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
    expect((await t.client.health()).isOk()).toBe(true)
  })

  it('logged no internal error', () => {
    expect(t.log.lines.filter((line) => line.includes('[ERROR]'))).toEqual([])
  })
})
