import { describe, expect, it } from 'vitest'
import { classifyError, evaluate, type Expectations, type HttpOutcome } from './evaluate.js'

const none: Expectations = { json: [] }
const response = (status: number, body = '', truncated = false): HttpOutcome => ({
  kind: 'response',
  status,
  body,
  truncated,
  elapsedMs: 12.4,
})
const coded = (code: string, message = code) => Object.assign(new Error(message), { code })

describe('evaluate', () => {
  it('passes any 2xx by default, with the status and time as the reason', () => {
    expect(evaluate(none, response(200))).toEqual({ ok: true, reason: 'HTTP 200 in 12ms' })
    expect(evaluate(none, response(204)).ok).toBe(true)
  })

  it('fails other statuses, quoting the start of a plain-text body but not HTML', () => {
    expect(evaluate(none, response(503))).toEqual({ ok: false, reason: 'HTTP 503' })
    expect(evaluate(none, response(503, 'Ingester not ready:\n  waiting for 15s after being ready\n'))).toEqual({
      ok: false,
      reason: 'HTTP 503: Ingester not ready: waiting for 15s after being ready',
    })
    expect(evaluate(none, response(502, '<html><body>Bad Gateway</body></html>')).reason).toBe('HTTP 502')
    expect(evaluate(none, response(500, 'x'.repeat(500))).reason).toHaveLength('HTTP 500: '.length + 80)
    expect(evaluate(none, response(301)).reason).toBe('HTTP 301')
  })

  it('checks expect_status exactly, saying what was expected of a 2xx', () => {
    const only200: Expectations = { expectStatus: [200], json: [] }
    expect(evaluate(only200, response(204))).toEqual({ ok: false, reason: 'HTTP 204, expected 200' })
    expect(evaluate({ expectStatus: [200, 201, 202], json: [] }, response(203)).reason).toBe(
      'HTTP 203, expected 200, 201 or 202',
    )
    expect(evaluate(only200, response(503)).reason).toBe('HTTP 503')
    expect(evaluate({ expectStatus: [401], json: [] }, response(401)).ok).toBe(true)
  })

  it('checks the body text', () => {
    const ready: Expectations = { bodyContains: 'ready', json: [] }
    expect(evaluate(ready, response(200, 'ready\n')).ok).toBe(true)
    expect(evaluate(ready, response(200, 'Ingester not READY'))).toEqual({
      ok: false,
      reason: 'body does not contain "ready"',
    })
    expect(evaluate(ready, response(200, 'x', true)).reason).toBe(
      'body does not contain "ready" (only its first 64 KiB read)',
    )
  })

  it('checks JSON values at dotted paths, strictly', () => {
    const grafana: Expectations = { json: [{ path: 'database', expected: 'ok' }] }
    expect(evaluate(grafana, response(200, '{"commit":"abc","database":"ok","version":"11.0.0"}')).ok).toBe(true)
    expect(evaluate(grafana, response(200, '{"database":"failing"}'))).toEqual({
      ok: false,
      reason: 'json database is "failing", expected "ok"',
    })
    expect(evaluate(grafana, response(200, '{"version":"11"}'))).toEqual({ ok: false, reason: 'json database missing' })
    expect(evaluate(grafana, response(200, 'ok'))).toEqual({ ok: false, reason: 'body is not JSON' })
    expect(evaluate(grafana, response(200, '{"database":'))).toEqual({ ok: false, reason: 'body is not JSON' })

    const deep: Expectations = {
      json: [
        { path: 'checks.1.up', expected: true },
        { path: 'workers', expected: 4 },
      ],
    }
    expect(evaluate(deep, response(200, '{"checks":[{"up":false},{"up":true}],"workers":4}')).ok).toBe(true)
    expect(evaluate(deep, response(200, '{"checks":[{"up":true}],"workers":4}')).reason).toBe(
      'json checks.1.up missing',
    )
    expect(evaluate(deep, response(200, '{"checks":[{},{"up":"true"}],"workers":4}')).reason).toBe(
      'json checks.1.up is "true", expected true',
    )
    expect(evaluate(deep, response(200, '{"checks":[{},{"up":true}],"workers":"4"}')).reason).toBe(
      'json workers is "4", expected 4',
    )
    expect(evaluate({ json: [{ path: 'a', expected: 'x' }] }, response(200, '{"a":{"b":1}}')).reason).toBe(
      'json a is {"b":1}, expected "x"',
    )
    expect(evaluate({ json: [{ path: 'a.length', expected: 1 }] }, response(200, '{"a":[1]}')).reason).toBe(
      'json a.length missing',
    )
  })

  it('checks the status first, then the body text, then JSON', () => {
    const all: Expectations = {
      expectStatus: [200],
      bodyContains: 'database',
      json: [{ path: 'database', expected: 'ok' }],
    }
    expect(evaluate(all, response(500, '{}')).reason).toBe('HTTP 500: {}')
    expect(evaluate(all, response(200, '{}')).reason).toBe('body does not contain "database"')
    expect(evaluate(all, response(200, '{"database":"no"}')).reason).toBe('json database is "no", expected "ok"')
  })

  it('describes every transport failure', () => {
    const failure = (f: Extract<HttpOutcome, { kind: 'failure' }>['failure']) =>
      evaluate(none, { kind: 'failure', failure: f })
    expect(failure({ kind: 'timeout', afterMs: 10_000 })).toEqual({ ok: false, reason: 'timeout after 10s' })
    expect(failure({ kind: 'timeout', afterMs: 150 }).reason).toBe('timeout after 150ms')
    expect(failure({ kind: 'refused' }).reason).toBe('connection refused')
    expect(failure({ kind: 'reset' }).reason).toBe('connection reset')
    expect(failure({ kind: 'dns', host: 'db.internal', detail: 'ENOTFOUND' }).reason).toBe(
      'DNS lookup failed for db.internal (ENOTFOUND)',
    )
    expect(failure({ kind: 'tls', detail: 'self-signed certificate' }).reason).toBe(
      'TLS error: self-signed certificate',
    )
    expect(failure({ kind: 'unreachable', detail: 'EHOSTUNREACH' }).reason).toBe('host unreachable (EHOSTUNREACH)')
    expect(failure({ kind: 'other', detail: 'socket hang up' }).reason).toBe('socket hang up')
  })
})

describe('classifyError', () => {
  it('recognises refused, reset, DNS, TLS and unreachable errors', () => {
    expect(classifyError(coded('ECONNREFUSED'), 'h')).toEqual({ kind: 'refused' })
    expect(classifyError(coded('ECONNRESET'), 'h')).toEqual({ kind: 'reset' })
    expect(classifyError(coded('ENOTFOUND', 'getaddrinfo ENOTFOUND nope'), 'nope')).toEqual({
      kind: 'dns',
      host: 'nope',
      detail: 'ENOTFOUND',
    })
    expect(classifyError(coded('EAI_AGAIN'), 'h').kind).toBe('dns')
    expect(classifyError(coded('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'h')).toEqual({
      kind: 'tls',
      detail: 'self-signed certificate',
    })
    expect(classifyError(coded('ERR_TLS_CERT_ALTNAME_INVALID', 'Hostname/IP does not match'), 'h').kind).toBe('tls')
    expect(classifyError(coded('CERT_HAS_EXPIRED'), 'h').kind).toBe('tls')
    expect(classifyError(coded('EHOSTUNREACH'), 'h')).toEqual({ kind: 'unreachable', detail: 'EHOSTUNREACH' })
  })

  it("reads the first coded error of Node's happy-eyeballs AggregateError", () => {
    const aggregate = new AggregateError([new Error('plain'), coded('ECONNREFUSED', 'connect ECONNREFUSED ::1:1')], '')
    expect(classifyError(aggregate, 'localhost')).toEqual({ kind: 'refused' })
  })

  it('keeps the message of anything else', () => {
    expect(classifyError(new Error('socket hang up'), 'h')).toEqual({ kind: 'other', detail: 'socket hang up' })
    expect(classifyError('weird', 'h')).toEqual({ kind: 'other', detail: 'weird' })
  })
})
