import type { Monitor } from '@timon/core'
import { ok } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { matchRoute } from './table.js'
import type { Route, RouteAnswer } from './types.js'

/** A Monitor that records what it is handed and answers a fixed result. */
function recordingMonitor(): { monitor: Monitor; calls: unknown[][] } {
  const calls: unknown[][] = []
  const record = (...args: unknown[]) => {
    calls.push(args)
    return Promise.resolve(ok({ opened: [], recovered: [], relapsed: [] }))
  }
  const monitor = new Proxy({}, { get: () => record }) as unknown as Monitor
  return { monitor, calls }
}

async function post(path: string, body: unknown, monitor: Monitor): Promise<RouteAnswer> {
  const match = matchRoute('POST', path)
  if (match.kind !== 'found' || !('handle' in match.route)) throw new Error(`no JSON route ${path}`)
  return (match.route as Route).handle({ monitor, version: 'test' }, { body, query: new URLSearchParams(), params: [] })
}

describe('the POST routes', () => {
  it('hand the body to the Monitor unparsed, only its keys in camelCase: the Monitor validates it, once', async () => {
    const { monitor, calls } = recordingMonitor()
    const body = {
      code: 'a.probe',
      health: 'healthy',
      stale_after: '5m',
      stale_incident_after: 3_600_000,
      comment: '  spaced  ',
    }
    expect((await post('/v1/push/probe', body, monitor)).status).toBe(201)
    expect(calls).toEqual([
      [{ code: 'a.probe', health: 'healthy', staleAfter: '5m', staleIncidentAfter: 3_600_000, comment: '  spaced  ' }],
    ])
    await post(
      '/v1/push/job/step',
      { code: 'a.job', uid: '0123456789ab', label: 'x', health: 'healthy', end: true, exit: { code: 0, signal: null } },
      monitor,
    )
    expect(calls[1]).toEqual([
      { code: 'a.job', uid: '0123456789ab', label: 'x', health: 'healthy', end: true, exit: { code: 0, signal: null } },
    ])
  })

  it('refuse a key the Monitor does not take, or one not in snake_case, without calling it', async () => {
    const { monitor, calls } = recordingMonitor()
    const answer = await post(
      '/v1/push/probe',
      { code: 'a.probe', health: 'healthy', staleAfter: '1h', colour: 'red', __proto__x: 1 },
      monitor,
    )
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({
      error: {
        code: 'validation',
        message: 'staleAfter: unknown field',
        issues: ['staleAfter: unknown field', 'colour: unknown field', '__proto__x: unknown field'],
      },
    })
    expect(calls).toEqual([])
  })
})
