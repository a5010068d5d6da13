import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postJson, rawRequest, startTestDaemon, type TestDaemon } from './helpers.js'

let t: TestDaemon
beforeAll(async () => {
  t = await startTestDaemon()
})
afterAll(async () => {
  await t.cleanup()
})

/** A push probe body of exactly `bytes` bytes. */
const bodyOfSize = (bytes: number) => {
  const frame = '{"code":"a.probe","health":"healthy","comment":""}'
  return frame.replace('"comment":""', `"comment":"${'x'.repeat(bytes - frame.length)}"`)
}

const expectHealthy = async () => {
  expect((await t.client.health())._unsafeUnwrap()).toEqual({ ok: true, version: '9.9.9-test' })
}

describe('the wire API through the client', () => {
  it('answers /healthz', async () => {
    await expectHealthy()
    const raw = await rawRequest(t.config.socket, { path: '/healthz' })
    expect(raw.status).toBe(200)
    expect(raw.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(raw.json).toEqual({ ok: true, version: '9.9.9-test' })
  })

  it('pushes a probe sample and shows it in status, summary and show', async () => {
    const pushed = (
      await t.client.pushProbe({ code: 'myapp.health', health: 'healthy', comment: 'All good', staleAfter: '1h' })
    )._unsafeUnwrap()
    expect(pushed.sample).toMatchObject({
      kind: 'sample',
      health: 'healthy',
      comment: 'All good',
      rules: { staleAfter: 3_600_000 },
    })
    expect(pushed.sample.pushedAt).toBeInstanceOf(Date)
    expect(pushed.opened).toEqual([])

    const status = (await t.client.status())._unsafeUnwrap()
    expect(status.contracts.map((c) => c.contract.code)).toContain('myapp.health')
    expect(status.deliveries).toEqual({ pending: 0, delivered: 0, failed: 0 })

    const summary = (await t.client.summary())._unsafeUnwrap()
    expect(summary.healthy.count).toBeGreaterThanOrEqual(1)

    const show = (await t.client.show('myapp.health'))._unsafeUnwrap()
    expect(show.kind).toBe('contract')
    if (show.kind !== 'contract') return
    expect(show.rules.staleAfter).toBe(3_600_000)
    expect(show.reports[0]?.report.uid).toBe(pushed.sample.uid)

    const report = (await t.client.show(`myapp.health:${pushed.sample.uid}`))._unsafeUnwrap()
    expect(report).toMatchObject({ kind: 'report', report: { uid: pushed.sample.uid } })
  })

  it('answers 201 for creations and snake_case JSON on the wire', async () => {
    const raw = await postJson(t.config.socket, '/v1/push/probe', {
      code: 'wire.check',
      health: 'warning',
      stale_after: '5m',
    })
    expect(raw.status).toBe(201)
    expect(raw.json).toMatchObject({
      sample: { health: 'warning', rules: { stale_after: 300_000, stale_incident_after: null } },
      opened: [],
    })
    expect((raw.json as { sample: { pushed_at: string } }).sample.pushed_at).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    )
  })

  it('runs a job from start to end with steps', async () => {
    const run = (
      await t.client.startJob({ code: 'db.backup', comment: 'nightly', overtimeIncidentAfter: '1h' })
    )._unsafeUnwrap().run
    expect(run.uid).toMatch(/^[0-9a-f]{12}$/)
    const step = (
      await t.client.pushStep({ code: 'db.backup', uid: run.uid, label: 'dump', health: 'warning' })
    )._unsafeUnwrap()
    expect(step.run.health).toBe('warning')
    const ended = (await t.client.endJob({ code: 'db.backup', uid: run.uid, comment: 'done' }))._unsafeUnwrap()
    expect(ended.run).toMatchObject({ health: 'warning', endComment: 'done' })
    expect(ended.run.endedAt).toBeInstanceOf(Date)

    const again = (await t.client.startJob({ code: 'db.backup' }))._unsafeUnwrap().run
    const end = (
      await t.client.pushStep({
        code: 'db.backup',
        uid: again.uid,
        label: 'upload',
        health: 'critical',
        end: true,
        endComment: 'failed',
      })
    )._unsafeUnwrap()
    expect(end.run.health).toBe('critical')
    expect(end.opened).toMatchObject([{ state: 'open', triggerType: 'critical' }])
  })

  it('opens, annotates, resolves and deletes a manual incident', async () => {
    const { incident } = (await t.client.openIncident({ title: 'disk full', description: 'on /var' }))._unsafeUnwrap()
    expect(incident).toMatchObject({ state: 'open', triggerType: 'manual', title: 'disk full' })
    expect((await t.client.annotate({ id: incident.id, note: 'looking' }))._unsafeUnwrap().incident.id).toBe(
      incident.id,
    )

    const notResolved = (await t.client.delete(`INC-${incident.id}`))._unsafeUnwrapErr()
    expect(notResolved).toMatchObject({ code: 'conflict', status: 409 })

    const resolved = (await t.client.resolve({ id: incident.id, note: 'cleaned' }))._unsafeUnwrap().incident
    expect(resolved.state).toBe('resolved')
    expect(resolved.resolvedAt).toBeInstanceOf(Date)
    expect((await t.client.resolve({ id: incident.id }))._unsafeUnwrapErr()).toMatchObject({
      code: 'conflict',
      message: 'incident is already resolved',
    })

    const show = (await t.client.show(`INC-${incident.id}`))._unsafeUnwrap()
    expect(show.kind === 'incident' && show.timeline.map((e) => e.type)).toEqual(['opened', 'annotation', 'resolved'])

    expect((await t.client.delete(`INC-${incident.id}`))._unsafeUnwrap()).toEqual({ kind: 'incident', id: incident.id })
    expect((await t.client.show(`INC-${incident.id}`))._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      status: 404,
      subject: 'incident',
    })
  })

  it('deletes a probe and truncates history', async () => {
    await t.client.pushProbe({ code: 'old.probe', health: 'healthy' })
    const deleted = (await t.client.delete('old.probe'))._unsafeUnwrap()
    expect(deleted).toMatchObject({ kind: 'contract', contract: { code: 'old.probe' } })
    const truncated = (await t.client.truncate({ keep: '30d' }))._unsafeUnwrap()
    expect(truncated).toMatchObject({ samples: 0, runs: 0, incidents: 0 })
    expect((await t.client.truncate({}))._unsafeUnwrapErr().code).toBe('validation')
  })

  it('lists deliveries and pages status', async () => {
    expect((await t.client.deliveries({ status: 'pending', limit: 5 }))._unsafeUnwrap()).toEqual([])
    const first = (await t.client.status({ limit: 1 }))._unsafeUnwrap()
    expect(first.contracts).toHaveLength(1)
    expect(first.next).toBeDefined()
    const second = (
      await t.client.status({ limit: 1, ...(first.next === undefined ? {} : { after: first.next }) })
    )._unsafeUnwrap()
    expect(second.contracts[0]?.contract.code).not.toBe(first.contracts[0]?.contract.code)
  })

  it('shows the latest reports with limit and all', async () => {
    for (let i = 0; i < 3; i++) await t.client.pushProbe({ code: 'many.samples', health: 'healthy' })
    const limited = (await t.client.show('many.samples', { limit: 2 }))._unsafeUnwrap()
    expect(limited.kind === 'contract' && [limited.reports.length, limited.reportCount]).toEqual([2, 3])
    const all = (await t.client.show('many.samples', { all: true }))._unsafeUnwrap()
    expect(all.kind === 'contract' && all.reports.length).toBe(3)
  })
})

describe('bad input gets a 4xx with {"error": {code, message}} and the daemon keeps serving', () => {
  const cases: [string, string, unknown, number, string, RegExp][] = [
    ['bad health', '/v1/push/probe', { code: 'a.probe', health: 'fine' }, 400, 'validation', /health/],
    ['bad code', '/v1/push/probe', { code: 'Bad Code!', health: 'healthy' }, 400, 'validation', /code/],
    ['missing health', '/v1/push/probe', { code: 'a.probe' }, 400, 'validation', /^health: is required$/],
    [
      'bad duration',
      '/v1/push/probe',
      { code: 'a.probe', health: 'healthy', stale_after: '5 parsecs' },
      400,
      'validation',
      /invalid rule stale-after — invalid duration/,
    ],
    [
      'negative duration',
      '/v1/push/job/start',
      { code: 'a.job', stale_incident_after: '-1h' },
      400,
      'validation',
      /must not be negative/,
    ],
    [
      'stale after > stale-incident',
      '/v1/push/probe',
      { code: 'a.probe', health: 'healthy', stale_after: '2h', stale_incident_after: '1h' },
      400,
      'validation',
      /stale/,
    ],
    [
      'unknown field',
      '/v1/push/probe',
      { code: 'a.probe', health: 'healthy', colour: 'red' },
      400,
      'validation',
      /^colour: unknown field$/,
    ],
    [
      'camelCase field',
      '/v1/push/probe',
      { code: 'a.probe', health: 'healthy', staleAfter: '1h' },
      400,
      'validation',
      /staleAfter: unknown field/,
    ],
    [
      'wrong type',
      '/v1/push/job/start',
      { code: 'a.job', overlap_incident: 'yes' },
      400,
      'validation',
      /^overlap_incident: must be a boolean$/,
    ],
    ['bad uid', '/v1/push/job/end', { code: 'a.job', uid: 'zz' }, 400, 'validation', /uid/],
    ['unknown run', '/v1/push/job/end', { code: 'a.job', uid: '0123456789ab' }, 404, 'not_found', /run does not exist/],
    [
      'end comment without end',
      '/v1/push/job/step',
      { code: 'a.job', uid: '0123456789ab', label: 'x', health: 'healthy', end_comment: 'c' },
      400,
      'validation',
      /end-comment/,
    ],
    ['unknown INC', '/v1/annotate', { id: 999_999, note: 'hello' }, 404, 'not_found', /incident does not exist/],
    ['id as text', '/v1/resolve', { id: 'INC-1' }, 400, 'validation', /^id: must be a number$/],
    ['unknown delete target', '/v1/delete', { target: 'INC-424242' }, 404, 'not_found', /incident/],
    ['bad delete target', '/v1/delete', { target: 'NOT VALID' }, 400, 'validation', /./],
    ['body not an object', '/v1/push/incident', [1, 2], 400, 'validation', /must be a JSON object/],
    ['empty title', '/v1/push/incident', { title: '  ' }, 400, 'validation', /title/],
    ['truncate without flags', '/v1/truncate', {}, 400, 'validation', /keep/],
  ]

  it.each(cases)('%s', async (_name, path, body, status, code, message) => {
    const answer = await postJson(t.config.socket, path, body)
    expect(answer.status).toBe(status)
    const error = (answer.json as { error: { code: string; message: string } }).error
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
    await expectHealthy()
  })

  it('refuses malformed JSON with 400 validation', async () => {
    const answer = await rawRequest(t.config.socket, {
      method: 'POST',
      path: '/v1/push/probe',
      headers: { 'Content-Type': 'application/json' },
      body: '{"code": "x",',
    })
    expect(answer.status).toBe(400)
    expect(answer.json).toMatchObject({
      error: { code: 'validation', message: expect.stringMatching(/^malformed JSON: /) },
    })
    await expectHealthy()
  })

  it('refuses a body over 1 MiB with 413 and closes the connection', async () => {
    const body = bodyOfSize(1024 * 1024 + 1)
    expect(Buffer.byteLength(body)).toBe(1024 * 1024 + 1)
    const answer = await rawRequest(t.config.socket, {
      method: 'POST',
      path: '/v1/push/probe',
      headers: { 'Content-Type': 'application/json' },
      body,
    })
    expect(answer.status).toBe(413)
    expect(answer.headers.connection).toBe('close')
    expect(answer.json).toMatchObject({ error: { code: 'payload_too_large' } })
    await expectHealthy()
  })

  it('refuses an oversized chunked body (no Content-Length) with 413', async () => {
    const answer = await new Promise<{ status: number; json: unknown }>((resolve, reject) => {
      const req = request(
        {
          socketPath: t.config.socket,
          path: '/v1/push/probe',
          method: 'POST',
          agent: false,
          headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
          )
        },
      )
      req.on('error', reject)
      for (let i = 0; i < 20; i++) req.write('x'.repeat(64 * 1024))
      req.end()
    })
    expect(answer).toMatchObject({ status: 413, json: { error: { code: 'payload_too_large' } } })
    await expectHealthy()
  })

  it('gives the client a payload_too_large error for an oversized push', async () => {
    const error = (
      await t.client.pushProbe({ code: 'a.probe', health: 'healthy', comment: 'x'.repeat(2 * 1024 * 1024) })
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ code: 'payload_too_large', status: 413 })
    await expectHealthy()
  })

  it('accepts a body of exactly 1 MiB (and then validates it)', async () => {
    const body = bodyOfSize(1024 * 1024)
    expect(Buffer.byteLength(body)).toBe(1024 * 1024)
    const answer = await rawRequest(t.config.socket, {
      method: 'POST',
      path: '/v1/push/probe',
      headers: { 'Content-Type': 'application/json' },
      body,
    })
    expect(answer.status).toBe(400)
    expect(answer.json).toMatchObject({
      error: { code: 'validation', message: 'invalid comment — must be 1–250 characters' },
    })
  })

  it('refuses an announced oversized body before it is sent (Expect: 100-continue)', async () => {
    const answer = await rawRequest(t.config.socket, {
      method: 'POST',
      path: '/v1/push/probe',
      headers: { 'Content-Type': 'application/json', Expect: '100-continue', 'Content-Length': 2 * 1024 * 1024 },
    })
    expect(answer.status).toBe(413)
    await expectHealthy()
  })

  it('refuses a POST without Content-Type: application/json with 415', async () => {
    const answer = await rawRequest(t.config.socket, {
      method: 'POST',
      path: '/v1/push/probe',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    })
    expect(answer.status).toBe(415)
    expect(answer.json).toMatchObject({
      error: { code: 'unsupported_media_type', message: 'Content-Type must be application/json, not text/plain' },
    })
    const none = await rawRequest(t.config.socket, { method: 'POST', path: '/v1/push/probe', body: '{}' })
    expect(none.status).toBe(415)
    await expectHealthy()
  })

  it('answers an unknown route with 404 not_found', async () => {
    const answer = await rawRequest(t.config.socket, { path: '/v2/nothing' })
    expect(answer.status).toBe(404)
    expect(answer.json).toEqual({ error: { code: 'not_found', message: 'no such route: GET /v2/nothing' } })
  })

  it('answers a wrong method with 405 and Allow', async () => {
    const answer = await rawRequest(t.config.socket, { method: 'GET', path: '/v1/push/probe' })
    expect(answer.status).toBe(405)
    expect(answer.headers.allow).toBe('POST')
    expect(answer.json).toMatchObject({ error: { code: 'method_not_allowed' } })
    const del = await rawRequest(t.config.socket, { method: 'DELETE', path: '/v1/status' })
    expect(del.status).toBe(405)
  })

  it('validates queries', async () => {
    for (const path of [
      '/v1/status?limit=0',
      '/v1/status?limit=abc',
      '/v1/status?after_kind=probe',
      '/v1/show/x.y?all=maybe',
      '/v1/deliveries?status=lost',
      '/v1/summary?x=1',
    ]) {
      const answer = await rawRequest(t.config.socket, { path })
      expect([path, answer.status]).toEqual([path, 400])
      expect(answer.json).toMatchObject({ error: { code: 'validation' } })
    }
  })

  it('validates show targets', async () => {
    for (const [target, status] of [
      ['INC-0', 404],
      ['Not%20A%20Code', 400],
      ['%E0%A4%A', 400],
      ['', 400],
      ['x.y:zz', 400],
      ['nope.nope', 404],
      ['nope.nope:0123456789ab', 404],
    ] as const) {
      const answer = await rawRequest(t.config.socket, { path: `/v1/show/${target}` })
      expect([target, answer.status]).toEqual([target, status])
    }
    await expectHealthy()
  })
})

describe('the client', () => {
  it('reports an unreachable daemon with the socket path and a hint', async () => {
    const { TimonClient } = await import('@timon/client')
    const client = new TimonClient({ socketPath: `${t.dir}/nobody.sock` })
    const error = (await client.health())._unsafeUnwrapErr()
    expect(error).toEqual({
      code: 'unreachable',
      message: `cannot reach the Timon daemon at ${t.dir}/nobody.sock (connect ENOENT): is it running? Start it with "timon daemon"`,
    })
    client.close()
  })

  it('gives raw access with request()', async () => {
    const answer = (
      await t.client.request('POST', '/v1/push/probe', { code: 'raw.probe', health: 'healthy', stale_after: '1m' })
    )._unsafeUnwrap()
    expect(answer.status).toBe(201)
    expect(answer.json).toMatchObject({ sample: { rules: { stale_after: 60_000 } } })
  })

  it('serves many concurrent requests over keep-alive connections', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => t.client.pushProbe({ code: `burst.${i % 10}`, health: 'healthy' })),
    )
    expect(results.every((r) => r.isOk())).toBe(true)
  })
})
