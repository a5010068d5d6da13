import { describe, expect, it } from 'vitest'
import { event } from '../test/helpers.js'
import { buildPayload } from './payload.js'
import { compileBody, queryEscape, renderBody } from './render-body.js'

const compile = (source: string) => compileBody(source)._unsafeUnwrap()

describe('buildPayload', () => {
  it('gives an incident event the contract keys, snake_case, with RFC 3339 times or null', () => {
    const payload = buildPayload(
      event('incident.recovered', {
        at: new Date('2026-04-19T01:00:00.250Z'),
        incident: { state: 'recovered', recoveredAt: new Date('2026-04-19T01:00:00.250Z'), description: 'nightly' },
        note: 'db.backup recovered',
      }),
      'prod-1',
    )
    expect(payload).toEqual({
      _event: 'incident.recovered',
      _hostname: 'prod-1',
      _timestamp: '2026-04-19T01:00:00Z',
      incident: {
        id: 3,
        code: 'INC-3',
        state: 'recovered',
        trigger_type: 'critical',
        title: 'db.backup is critical',
        description: 'nightly',
        opened_at: '2026-04-19T00:05:40Z',
        recovered_at: '2026-04-19T01:00:00Z',
        relapsed_at: null,
        resolved_at: null,
      },
      note: 'db.backup recovered',
    })
  })

  it("names the host of the incident's probe or job as host, when the event has one", () => {
    expect(buildPayload({ ...event('incident.open'), host: 'web-1' }, 'prod-1')).toMatchObject({
      _hostname: 'prod-1',
      host: 'web-1',
    })
    expect(buildPayload(event('incident.open'), 'prod-1')).not.toHaveProperty('host')
  })

  it('leaves out incident and note when the event has none', () => {
    expect(buildPayload(event('timon.ping'), 'h')).toEqual({
      _event: 'timon.ping',
      _hostname: 'h',
      _timestamp: '2026-04-19T00:05:40Z',
    })
    expect(Object.keys(buildPayload(event('incident.open', { note: null }), 'h'))).toEqual([
      '_event',
      '_hostname',
      '_timestamp',
      'incident',
    ])
  })
})

describe('renderBody', () => {
  const payload = buildPayload(event('incident.open'), 'prod-1')

  it('sends the payload itself as JSON when there is no template', () => {
    const body = renderBody(payload)
    expect(JSON.parse(body)).toEqual(payload)
    expect(body.startsWith('{"_event":"incident.open","_hostname":"prod-1","_timestamp":')).toBe(true)
  })

  it('renders nested keys without HTML escaping', () => {
    const tricky = buildPayload(event('incident.open', { incident: { title: `<b>"a" & 'b'</b>` } }), 'h')
    expect(renderBody(tricky, compile('{{incident.title}}|{{{incident.title}}}|{{_hostname}}'))).toBe(
      `<b>"a" & 'b'</b>|<b>"a" & 'b'</b>|h`,
    )
  })

  it.each([
    ['quotes and backslashes', 'say "hi" \\o/'],
    ['newlines and tabs', 'line 1\nline 2\r\n\tend'],
    ['non-ASCII', 'Sauvegarde échouée — ÄÖÜ ß 日本語'],
    ['emoji', '🔥 disk full 💾 👩‍💻'],
    ['control characters', 'bell\u0007 nul\u0000 sep\u2028'],
  ])('JSON-encodes a title with %s into valid JSON', (_case, title) => {
    const p = buildPayload(event('incident.open', { incident: { title } }), 'h')
    const body = renderBody(p, compile('{"title": {{#json}}{{incident.title}}{{/json}}, "priority": 8}'))
    expect(JSON.parse(body)).toEqual({ title, priority: 8 })
  })

  it('JSON-encodes the whole rendered section, text and variables together', () => {
    const body = renderBody(payload, compile('{"m": {{#json}}[{{_hostname}}] {{incident.code}}: {{note}}{{/json}}}'))
    expect(JSON.parse(body)).toEqual({ m: '[prod-1] INC-3: db.backup turned critical' })
  })

  it('reaches the lambdas from inside a section', () => {
    const body = renderBody(payload, compile('{{#incident}}{"t": {{#json}}{{title}}{{/json}}}{{/incident}}'))
    expect(JSON.parse(body)).toEqual({ t: 'db.backup is critical' })
  })

  it('JSON-encodes a missing value as an empty string', () => {
    const body = renderBody(payload, compile('{"d": {{#json}}{{incident.description}}{{/json}}}'))
    expect(JSON.parse(body)).toEqual({ d: '' })
  })

  it('query-escapes with urlencode as Go does (spaces become +)', () => {
    const p = buildPayload(event('incident.open', { incident: { title: "a b&c=d/é~*'" } }), 'h')
    expect(renderBody(p, compile('t={{#urlencode}}{{incident.title}}{{/urlencode}}'))).toBe(
      't=a+b%26c%3Dd%2F%C3%A9~%2A%27',
    )
    expect(queryEscape('🔥 x')).toBe('%F0%9F%94%A5+x')
  })

  it('renders sections as conditionals, so timon events can skip the incident part', () => {
    const template = compile('{{_event}}{{#incident}} {{code}}{{/incident}}{{^incident}} on {{_hostname}}{{/incident}}')
    expect(renderBody(payload, template)).toBe('incident.open INC-3')
    expect(renderBody(buildPayload(event('timon.ping'), 'h'), template)).toBe('timon.ping on h')
  })

  it("renders the README's Gotify example: the description, else the title", () => {
    const template = compile(
      '{ "message": {{#json}}{{#incident.description}}{{.}}{{/incident.description}}' +
        '{{^incident.description}}{{incident.title}}{{/incident.description}}{{/json}}, ' +
        '"title": {{#json}}{{incident.title}}{{/json}}, "priority": 8 }',
    )
    expect(JSON.parse(renderBody(payload, template))).toEqual({
      message: 'db.backup is critical',
      title: 'db.backup is critical',
      priority: 8,
    })
    const described = buildPayload(event('incident.open', { incident: { description: 'nightly "dump"' } }), 'h')
    expect(JSON.parse(renderBody(described, template))).toMatchObject({ message: 'nightly "dump"' })
  })

  it('renders a missing key as nothing', () => {
    expect(renderBody(buildPayload(event('timon.ping'), 'h'), compile('[{{incident.title}}{{nope}}]'))).toBe('[]')
  })
})

describe('compileBody', () => {
  it.each([
    ['{{#json}}{{incident.title}}', 'Unclosed section "json"'],
    ['{{incident.title', 'Unclosed tag'],
    ['{{/json}}', 'Unopened section "json"'],
    ['{"t": {{json}}}', '"json" is a section lambda: write {{#json}}…{{/json}}'],
    ['{{&urlencode}}', '"urlencode" is a section lambda'],
    ['{{#incident}}{{> footer}}{{/incident}}', 'partials are not supported'],
  ])('rejects %j', (source, message) => {
    expect(compileBody(source)._unsafeUnwrapErr()).toContain(message)
  })

  it('keeps the source', () => {
    expect(compile('x{{_event}}').source).toBe('x{{_event}}')
  })
})
