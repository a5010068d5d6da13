import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseToml } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { hostPortSuffix, parseChecks, type HttpCheck } from './check-config.js'

const base = { baseDir: '/etc/timon' }
const parse = (checks: unknown, options: Parameters<typeof parseChecks>[1] = base) => parseChecks(checks, options)
const one = (check: Record<string, unknown>): HttpCheck => {
  const result = parse([check])
  if (result.isErr()) throw new Error(result.error.join('\n'))
  expect(result.value).toHaveLength(1)
  return result.value[0] as HttpCheck
}
const issues = (checks: unknown, options?: Parameters<typeof parseChecks>[1]): string[] =>
  parse(checks, options)._unsafeUnwrapErr()

describe('parseChecks: keys and defaults', () => {
  it('accepts an interval of exactly 1s, and a shorter one only when the caller lowers the minimum', () => {
    expect(one({ code: 'fast', url: 'http://h/', interval: '1s' })).toMatchObject({ intervalMs: 1_000 })
    const fast = parse([{ code: 'fast', url: 'http://h/', interval: '100ms' }], { ...base, minIntervalMs: 0 })
    expect(fast._unsafeUnwrap()[0]).toMatchObject({ intervalMs: 100 })
  })

  it('fills in every default for a minimal check', () => {
    expect(one({ code: 'web', url: 'http://10.0.0.5:8080/health' })).toEqual({
      code: 'web',
      url: 'http://10.0.0.5:8080/health',
      method: 'GET',
      headers: {},
      intervalMs: 60_000,
      timeoutMs: 10_000,
      json: [],
      failureThreshold: 2,
      successThreshold: 1,
      staleIncidentAfterMs: 180_000,
    })
  })

  it('reads every key', () => {
    const check = one({
      code: 'api',
      url: 'https://api.example.com/status',
      interval: '2m',
      timeout: '5s',
      method: 'POST',
      headers: { Authorization: 'Bearer x', 'User-Agent': 'me' },
      expect_status: [200, 204],
      body_contains: 'up',
      json: { status: 'ok', 'checks.0.healthy': true, workers: 4 },
      failure_threshold: 3,
      success_threshold: 2,
      stale_incident_after: '10m',
    })
    expect(check).toEqual({
      code: 'api',
      url: 'https://api.example.com/status',
      method: 'POST',
      headers: { Authorization: 'Bearer x', 'User-Agent': 'me' },
      intervalMs: 120_000,
      timeoutMs: 5_000,
      expectStatus: [200, 204],
      bodyContains: 'up',
      json: [
        { path: 'status', expected: 'ok' },
        { path: 'checks.0.healthy', expected: true },
        { path: 'workers', expected: 4 },
      ],
      failureThreshold: 3,
      successThreshold: 2,
      staleIncidentAfterMs: 600_000,
    })
  })

  it('defaults the timeout to the interval when that is shorter than 10s, and stale_incident_after to 3 intervals', () => {
    expect(one({ code: 'fast', url: 'http://h/', interval: '5s' })).toMatchObject({
      intervalMs: 5_000,
      timeoutMs: 5_000,
      staleIncidentAfterMs: 15_000,
    })
  })

  it('flattens nested json tables into dotted paths', () => {
    expect(
      one({ code: 'x1', url: 'http://h/', json: { database: { status: 'ok', replicas: { up: 3 } } } }).json,
    ).toEqual([
      { path: 'database.status', expected: 'ok' },
      { path: 'database.replicas.up', expected: 3 },
    ])
  })

  it('reads a cert file relative to the config directory', () => {
    const pem = selfSignedPem()
    let asked = ''
    const check = parse([{ code: 'tls', url: 'https://h/', cert: 'ca.pem' }], {
      baseDir: '/etc/timon',
      readFile: (path) => {
        asked = path
        return pem
      },
    })._unsafeUnwrap()[0]
    expect(asked).toBe('/etc/timon/ca.pem')
    expect(check?.cert).toEqual({ path: '/etc/timon/ca.pem', pem })
  })

  it('takes no checks from an absent table', () => {
    expect(parse(undefined)._unsafeUnwrap()).toEqual([])
  })
})

describe('parseChecks: presets', () => {
  it('loki requests /ready when the URL has no path and expects 200 with "ready"', () => {
    expect(one({ code: 'loki', url: 'http://10.0.0.5:3100', preset: 'loki' })).toMatchObject({
      url: 'http://10.0.0.5:3100/ready',
      preset: 'loki',
      expectStatus: [200],
      bodyContains: 'ready',
      json: [],
    })
  })

  it('grafana requests /api/health and expects 200 with database = ok', () => {
    expect(one({ code: 'grafana', url: 'http://10.0.0.5:3000/', preset: 'grafana' })).toMatchObject({
      url: 'http://10.0.0.5:3000/api/health',
      expectStatus: [200],
      json: [{ path: 'database', expected: 'ok' }],
    })
  })

  it('keeps a path given in the URL', () => {
    expect(one({ code: 'loki', url: 'https://gw.example.com/loki/ready', preset: 'loki' }).url).toBe(
      'https://gw.example.com/loki/ready',
    )
  })

  it("lets the check's own keys replace the preset's", () => {
    const check = one({
      code: 'grafana',
      url: 'http://g:3000',
      preset: 'grafana',
      expect_status: [200, 503],
      json: { database: 'ok', version: '11.0.0' },
      body_contains: 'database',
    })
    expect(check).toMatchObject({
      url: 'http://g:3000/api/health',
      expectStatus: [200, 503],
      bodyContains: 'database',
      json: [
        { path: 'database', expected: 'ok' },
        { path: 'version', expected: '11.0.0' },
      ],
    })
  })
})

describe('parseChecks: several URLs', () => {
  it('gives one probe per URL, its code suffixed with host and port', () => {
    const checks = parse([
      {
        code: 'grafana.health',
        url: ['http://10.0.0.5:3000/api/health', 'http://10.0.0.6:3000/api/health'],
        preset: 'grafana',
      },
    ])._unsafeUnwrap()
    expect(checks.map((c) => [c.code, c.url])).toEqual([
      ['grafana.health.10-0-0-5-3000', 'http://10.0.0.5:3000/api/health'],
      ['grafana.health.10-0-0-6-3000', 'http://10.0.0.6:3000/api/health'],
    ])
    expect(checks[1]).toMatchObject({ preset: 'grafana', json: [{ path: 'database', expected: 'ok' }] })
  })

  it('keeps the code as is for an array of one URL', () => {
    expect(one({ code: 'web', url: ['http://h:8080/'] }).code).toBe('web')
  })

  it('derives suffixes from host names, default ports and IPv6 addresses', () => {
    expect(hostPortSuffix('https://Loki.Example.com/ready')).toBe('loki-example-com-443')
    expect(hostPortSuffix('http://h/')).toBe('h-80')
    expect(hostPortSuffix('http://[::1]:3100/')).toBe('1-3100')
  })

  it('rejects a suffixed code over 50 bytes, naming the URL', () => {
    const code = 'a'.repeat(40)
    expect(issues([{ code, url: ['http://10.0.0.5:3000/', 'http://10.0.0.6:3000/'] }])).toEqual([
      expect.stringMatching(
        /^check\[0\]\.url\[0\]: invalid code "a{40}\.10-0-0-5-3000" — must be 2–50 characters \(the code with the suffix/,
      ),
      expect.stringMatching(/^check\[0\]\.url\[1\]: invalid code/),
    ])
  })

  it('rejects two URLs on the same host and port, which would feed one probe', () => {
    expect(issues([{ code: 'web', url: ['http://h:80/a', 'http://h/b'] }])).toEqual([
      'check[0].url[1]: probe code "web.h-80" is already fed by check[0].url[0]',
    ])
  })

  it('rejects the same probe code in two checks', () => {
    expect(
      issues([
        { code: 'web', url: 'http://a/' },
        { code: 'api', url: 'http://b/' },
        { code: 'web', url: 'http://c/' },
      ]),
    ).toEqual(['check[2].code: probe code "web" is already fed by check[0].code'])
  })
})

describe('parseChecks: every error names the key', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a missing code', { url: 'http://h/' }, 'check[0].code: is required'],
    ['an invalid code', { code: 'Web', url: 'http://h/' }, 'check[0].code: invalid code "Web" — must be lowercase'],
    ['a missing url', { code: 'web' }, 'check[0].url: is required'],
    ['a url of the wrong type', { code: 'web', url: 3 }, 'check[0].url: must be a URL string or an array of them'],
    ['an empty url list', { code: 'web', url: [] }, 'check[0].url: must not be empty'],
    ['a url that does not parse', { code: 'web', url: 'nope' }, 'check[0].url: invalid url "nope"'],
    [
      'a url in a list that is not http',
      { code: 'web', url: ['http://h/', 'ftp://h/'] },
      'check[0].url[1]: must be an http:// or https:// URL, not ftp:',
    ],
    ['a repeated url', { code: 'web', url: ['http://h/', 'http://h/'] }, 'check[0].url[1]: is the same URL as url[0]'],
    [
      'an unknown preset',
      { code: 'web', url: 'http://h/', preset: 'prometheus' },
      'check[0].preset: must be one of: loki, grafana',
    ],
    [
      'a bad interval',
      { code: 'web', url: 'http://h/', interval: 'soon' },
      'check[0].interval: invalid duration "soon"',
    ],
    ['a zero interval', { code: 'web', url: 'http://h/', interval: '0' }, 'check[0].interval: must be greater than 0'],
    [
      'a numeric interval',
      { code: 'web', url: 'http://h/', interval: 60 },
      'check[0].interval: must be a duration string',
    ],
    [
      'an interval under a second',
      { code: 'web', url: 'http://h/', interval: '1ms' },
      'check[0].interval: must be at least 1s, got 1ms',
    ],
    [
      'a bad timeout',
      { code: 'web', url: 'http://h/', timeout: '-1s' },
      'check[0].timeout: invalid duration "-1s" — must not be negative',
    ],
    [
      'a timeout over the interval',
      { code: 'web', url: 'http://h/', interval: '30s', timeout: '1m' },
      'check[0].timeout: must not be longer than interval (30s)',
    ],
    [
      'an unknown method',
      { code: 'web', url: 'http://h/', method: 'get' },
      'check[0].method: must be one of: GET, HEAD, POST',
    ],
    [
      'headers that are not a table',
      { code: 'web', url: 'http://h/', headers: 'x' },
      'check[0].headers: must be a table of strings',
    ],
    [
      'a header value that is not a string',
      { code: 'web', url: 'http://h/', headers: { 'X-A': 1 } },
      'check[0].headers.X-A: must be a string',
    ],
    [
      'a bad header name',
      { code: 'web', url: 'http://h/', headers: { 'X A': 'b' } },
      'check[0].headers.X A: is not a valid header name',
    ],
    [
      'a header with a newline',
      { code: 'web', url: 'http://h/', headers: { 'X-A': 'a\nb' } },
      'check[0].headers.X-A: has a value with invalid characters',
    ],
    [
      'a reserved header',
      { code: 'web', url: 'http://h/', headers: { 'Content-Length': '1' } },
      'check[0].headers.Content-Length: is set by the HTTP client',
    ],
    [
      'a header given twice',
      { code: 'web', url: 'http://h/', headers: { 'X-A': '1', 'x-a': '2' } },
      'check[0].headers.x-a: is the same header as "X-A"',
    ],
    ['an empty cert', { code: 'web', url: 'https://h/', cert: '' }, 'check[0].cert: must not be empty'],
    [
      'a cert that is not a string',
      { code: 'web', url: 'https://h/', cert: true },
      'check[0].cert: must be a string (the path of a PEM CA file)',
    ],
    [
      'expect_status not a list',
      { code: 'web', url: 'http://h/', expect_status: 200 },
      'check[0].expect_status: must be an array of HTTP status codes',
    ],
    [
      'an empty expect_status',
      { code: 'web', url: 'http://h/', expect_status: [] },
      'check[0].expect_status: must not be empty',
    ],
    [
      'a status out of range',
      { code: 'web', url: 'http://h/', expect_status: [200, 700] },
      'check[0].expect_status[1]: must be an HTTP status code (100–599)',
    ],
    [
      'an empty body_contains',
      { code: 'web', url: 'http://h/', body_contains: '' },
      'check[0].body_contains: must not be empty',
    ],
    [
      'json not a table',
      { code: 'web', url: 'http://h/', json: 'ok' },
      'check[0].json: must be a table of dotted paths',
    ],
    ['an empty json table', { code: 'web', url: 'http://h/', json: {} }, 'check[0].json: must not be empty'],
    [
      'a json value that is a list',
      { code: 'web', url: 'http://h/', json: { a: { b: [1] } } },
      'check[0].json.a.b: must be a string, a number or a boolean',
    ],
    [
      'a json path with an empty segment',
      { code: 'web', url: 'http://h/', json: { 'a..b': 1 } },
      'check[0].json.a..b: is not a dotted path',
    ],
    [
      'a zero failure_threshold',
      { code: 'web', url: 'http://h/', failure_threshold: 0 },
      'check[0].failure_threshold: must be an integer >= 1',
    ],
    [
      'a fractional success_threshold',
      { code: 'web', url: 'http://h/', success_threshold: 1.5 },
      'check[0].success_threshold: must be an integer >= 1',
    ],
    [
      'a bad stale_incident_after',
      { code: 'web', url: 'http://h/', stale_incident_after: 'x' },
      'check[0].stale_incident_after: invalid duration "x"',
    ],
    [
      'a stale_incident_after not longer than the interval',
      { code: 'web', url: 'http://h/', interval: '1m', stale_incident_after: '1m' },
      'check[0].stale_incident_after: must be longer than interval (1m)',
    ],
    [
      'body_contains with HEAD',
      { code: 'web', url: 'http://h/', method: 'HEAD', body_contains: 'x' },
      'check[0].body_contains: cannot be checked: a HEAD response has no body',
    ],
    [
      'a body preset with HEAD',
      { code: 'web', url: 'http://h/', method: 'HEAD', preset: 'loki' },
      'check[0].method: HEAD cannot check the body the loki preset expects',
    ],
    ['an unknown key', { code: 'web', url: 'http://h/', intervall: '1m' }, 'check[0].intervall: unknown key'],
  ]
  for (const [what, check, issue] of cases) {
    it(`reports ${what}`, () => {
      const found = issues([{ code: 'ok', url: 'http://ok/' }, check])
      expect(found).toHaveLength(1)
      expect(found[0]).toContain(issue.replace('check[0]', 'check[1]'))
    })
  }

  it('reports a check that is not a table, and a check list that is not an array', () => {
    expect(issues(['x'])).toEqual(['check[0]: must be a table'])
    expect(issues({ code: 'web' })).toEqual(['check: must be an array of tables ([[check]])'])
  })

  it('reports a cert that cannot be read, holds no certificate, or is not used', () => {
    const failing = {
      baseDir: '/etc/timon',
      readFile: () => {
        throw new Error('ENOENT: no such file')
      },
    }
    expect(issues([{ code: 'web', url: 'https://h/', cert: 'ca.pem' }], failing)).toEqual([
      'check[0].cert: cannot read "/etc/timon/ca.pem": ENOENT: no such file',
    ])
    expect(
      issues([{ code: 'web', url: 'https://h/', cert: 'ca.pem' }], { baseDir: '/x', readFile: () => 'hello' }),
    ).toEqual(['check[0].cert: "/x/ca.pem" holds no PEM certificate'])
    const garbage = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n'
    expect(
      issues([{ code: 'web', url: 'https://h/', cert: 'ca.pem' }], { baseDir: '/x', readFile: () => garbage })[0],
    ).toMatch(/^check\[0\]\.cert: "\/x\/ca\.pem" holds an invalid certificate/)
    expect(
      issues([{ code: 'web', url: 'http://h/', cert: 'ca.pem' }], { baseDir: '/x', readFile: selfSignedPem }),
    ).toEqual(['check[0].cert: is only used with https:// URLs'])
  })

  it('reports every issue of every check at once', () => {
    expect(issues([{ code: 'web', url: 'http://h/', interval: 'x', timeout: 'y' }, { url: 'ftp://h/' }])).toEqual([
      'check[0].interval: invalid duration "x"',
      'check[0].timeout: invalid duration "y"',
      'check[1].code: is required',
      'check[1].url: must be an http:// or https:// URL, not ftp:',
    ])
  })
})

describe('the README', () => {
  it('shows a config that parses', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const example = /```toml\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(example).toBeDefined()
    const checks = parse((parseToml(example ?? '') as { check?: unknown }).check, {
      baseDir: '/etc/timon',
      readFile: selfSignedPem,
    })._unsafeUnwrap()
    expect(checks.map((c) => c.code)).toEqual([
      'loki.ready.10-0-0-5-3100',
      'loki.ready.10-0-0-6-3100',
      'grafana.health',
      'api.orders',
    ])
  })
})

// --- internal ---

let pemCache: string | undefined

/** A throwaway self-signed certificate, made with openssl once per run. */
function selfSignedPem(): string {
  if (pemCache !== undefined) return pemCache
  const dir = mkdtempSync(join(tmpdir(), 'timon-poll-cert-'))
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
  execFileSync(
    'openssl',
    [...args, '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  )
  pemCache = readFileSync(join(dir, 'cert.pem'), 'utf8')
  return pemCache
}
