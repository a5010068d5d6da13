import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseWebhooks } from './webhook-config.js'

const minimal = { on: ['incident.*'], url: 'https://hooks.example.com/x' }
const issuesOf = (input: unknown, options = {}) => parseWebhooks(input, options)._unsafeUnwrapErr()

// A real (throw-away) certificate, so that the PEM check has something valid to accept.
const PEM = `-----BEGIN CERTIFICATE-----
MIIBgDCCASWgAwIBAgIUHtFq4pcxDR4Ft4ZX1zJ5AsskU4YwCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKdGltb24tdGVzdDAeFw0yNjExMjIwMDQ2MzFaFw0zNjExMTkw
MDQ2MzFaMBUxEzARBgNVBAMMCnRpbW9uLXRlc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARbUOvo1S/ohiIqcjO0Lrt8T5PEWG4C5wPix6gXV9XzxvQTVGKbj8H5
RpWX8meVx/yXkyH7nusj1dCaUc1QseWHo1MwUTAdBgNVHQ4EFgQUBEddHkTcEXzz
ujsmEtbIYdZarC4wHwYDVR0jBBgwFoAUBEddHkTcEXzzujsmEtbIYdZarC4wDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA66kb4yfWBzYx1nG3J0to
pXkk6ToYQ0gCNAahCsYde1YCIQD0VpicL6MguqOMjt92FGzvpvePVgWThr1rsLtj
eCnOpg==
-----END CERTIFICATE-----
`

describe('parseWebhooks', () => {
  it('gives no webhooks for an absent list', () => {
    expect(parseWebhooks(undefined)._unsafeUnwrap()).toEqual([])
  })

  it('applies the defaults: name webhook[<i>], no headers, retry 5 / 10s / 5s', () => {
    const [webhook] = parseWebhooks([minimal])._unsafeUnwrap()
    expect(webhook).toEqual({
      name: 'webhook[0]',
      on: ['incident.*'],
      url: 'https://hooks.example.com/x',
      headers: {},
      retry: { attempts: 5, timeoutMs: 10_000, delayMs: 5_000, maxDelayMs: 3_600_000 },
    })
  })

  it('reads every key of the README example', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timon-webhook-config-'))
    writeFileSync(join(dir, 'myca.crt'), PEM)
    const [webhook] = parseWebhooks(
      [
        {
          name: 'gotify',
          on: ['incident.open', 'incident.relapsed'],
          url: 'https://gotify.internal/message?token=CHANGE_ME',
          cert: 'myca.crt',
          headers: { 'X-My-Header': 'yes' },
          body: '{"title": {{#json}}{{incident.title}}{{/json}}, "priority": 8}',
          preset: 'gotify',
          retry: { attempts: 3, timeout: '1m30s', delay: '500ms' },
        },
      ],
      { baseDir: dir },
    )._unsafeUnwrap()
    expect(webhook).toMatchObject({
      name: 'gotify',
      cert: { path: join(dir, 'myca.crt'), pem: PEM },
      headers: { 'X-My-Header': 'yes' },
      preset: 'gotify',
      retry: { attempts: 3, timeoutMs: 90_000, delayMs: 500 },
    })
    expect(webhook?.body?.source).toContain('{{#json}}')
  })

  it('accepts attempts = 0 (no retries) and a delay of 0', () => {
    const [webhook] = parseWebhooks([{ ...minimal, retry: { attempts: 0, delay: '0' } }])._unsafeUnwrap()
    expect(webhook?.retry).toEqual({ attempts: 0, timeoutMs: 10_000, delayMs: 0, maxDelayMs: 3_600_000 })
  })

  it('reads remind_every, and refuses one that is not a positive duration', () => {
    const [webhook, quiet] = parseWebhooks([{ ...minimal, remind_every: '4h' }, minimal])._unsafeUnwrap()
    expect(webhook?.remindEveryMs).toBe(4 * 3_600_000)
    expect(quiet?.remindEveryMs).toBeUndefined()
    expect(issuesOf([{ ...minimal, remind_every: '0s' }])).toEqual(['webhook[0].remind_every: must be greater than 0'])
    expect(issuesOf([{ ...minimal, on: ['incident.open'], remind_every: '4h' }])).toEqual([
      'webhook[0].remind_every: needs on to match incident.reminder (e.g. on = ["incident.*"])',
    ])
  })

  it('reads max_delay, the cap of the doubling delay, and refuses one shorter than delay', () => {
    const [webhook] = parseWebhooks([{ ...minimal, retry: { delay: '10s', max_delay: '10m' } }])._unsafeUnwrap()
    expect(webhook?.retry).toMatchObject({ delayMs: 10_000, maxDelayMs: 600_000 })
    expect(issuesOf([{ ...minimal, retry: { delay: '1m', max_delay: '30s' } }])).toEqual([
      'webhook[0].retry.max_delay: must not be shorter than delay',
    ])
  })

  it('reports every problem as webhook[<i>].<key>: <problem>', () => {
    expect(
      issuesOf([
        minimal,
        {
          on: [],
          url: 'ftp://x',
          extra: 1,
          retry: { attempts: -1, timeout: 'soon', delay: '-5s', backoff: 2 },
        },
        { url: 'not a url', on: ['incident.opened', 3], preset: 'teams', headers: { 'Bad Header': 'x' } },
      ]),
    ).toEqual([
      'webhook[1].on: must not be empty',
      'webhook[1].url: must be an http:// or https:// URL, not ftp:',
      'webhook[1].retry.attempts: must be an integer >= 0',
      'webhook[1].retry.timeout: invalid duration "soon"',
      'webhook[1].retry.delay: invalid duration "-5s" — must not be negative',
      'webhook[1].retry.backoff: unknown key',
      'webhook[1].extra: unknown key',
      expect.stringMatching(/^webhook\[2\]\.on\[0\]: matches no event \(events: incident\.open, /),
      'webhook[2].on[1]: must be a string',
      'webhook[2].url: invalid url "not a url"',
      'webhook[2].headers.Bad Header: is not a valid header name',
      'webhook[2].preset: must be one of: discord, slack, ntfy, gotify, telegram',
    ])
  })

  it('requires on and url', () => {
    expect(issuesOf([{}])).toEqual(['webhook[0].on: is required', 'webhook[0].url: is required'])
  })

  it('rejects a list that is not an array, and entries that are not tables', () => {
    expect(issuesOf({ url: 'x' })).toEqual(['webhook: must be an array of tables ([[webhook]])'])
    expect(issuesOf(['x'])).toEqual([expect.stringMatching(/^webhook\[0\]: /)])
  })

  it('rejects a timeout of zero', () => {
    expect(issuesOf([{ ...minimal, retry: { timeout: '0s' } }])).toEqual([
      'webhook[0].retry.timeout: must be greater than 0',
    ])
  })

  it('reports a template that does not parse at load time, naming the webhook', () => {
    expect(issuesOf([minimal, { ...minimal, body: '{"t": {{#json}}{{incident.title}}}' }])).toEqual([
      'webhook[1].body: template does not parse: Unclosed section "json" at 34',
    ])
  })

  it('requires unique names, counting the default ones', () => {
    expect(
      issuesOf([
        { ...minimal, name: 'ops' },
        { ...minimal, name: 'ops' },
        { ...minimal, name: 'webhook[3]' },
        minimal,
        { ...minimal, name: ' ' },
      ]),
    ).toEqual([
      'webhook[1].name: "ops" is already the name of webhook[0]',
      'webhook[3].name: "webhook[3]" is already the name of webhook[2]',
      'webhook[4].name: must not be empty',
    ])
  })

  it('checks headers: valid names and values, no duplicates, none that Timon sets', () => {
    expect(
      issuesOf([
        {
          ...minimal,
          headers: {
            'Content-Type': 'text/plain',
            'content-type': 'text/html',
            'X-Ok': 'fine',
            'X-Evil': 'a\r\nInjected: yes',
            'X-Timon-Delivery': 'mine',
            'Content-Length': '3',
          },
        },
      ]),
    ).toEqual([
      'webhook[0].headers.content-type: is the same header as "Content-Type" (names are case-insensitive)',
      'webhook[0].headers.X-Evil: has a value with invalid characters (such as a newline)',
      'webhook[0].headers.X-Timon-Delivery: is set by Timon and cannot be configured',
      'webhook[0].headers.Content-Length: is set by Timon and cannot be configured',
    ])
  })

  it('requires a readable cert file holding PEM certificates, relative to baseDir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timon-webhook-cert-'))
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate')
    writeFileSync(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')
    const issues = issuesOf(
      [
        { ...minimal, cert: 'missing.crt' },
        { ...minimal, cert: 'junk.pem' },
        { ...minimal, cert: join(dir, 'broken.pem') },
      ],
      { baseDir: dir },
    )
    expect(issues).toHaveLength(3)
    expect(issues[0]).toMatch(/^webhook\[0\]\.cert: cannot read ".*missing\.crt": ENOENT/)
    expect(issues[1]).toBe(`webhook[1].cert: "${join(dir, 'junk.pem')}" holds no PEM certificate`)
    expect(issues[2]).toMatch(/^webhook\[2\]\.cert: ".*broken\.pem" holds an invalid certificate: /)
  })

  it('reads certs through the injected readFile', () => {
    const read: string[] = []
    const [webhook] = parseWebhooks([{ ...minimal, cert: '/etc/ca.pem' }], {
      readFile: (path) => {
        read.push(path)
        return PEM
      },
    })._unsafeUnwrap()
    expect(read).toEqual(['/etc/ca.pem'])
    expect(webhook?.cert).toEqual({ path: '/etc/ca.pem', pem: PEM })
  })

  it('needs a topic URL for the ntfy preset', () => {
    expect(issuesOf([{ ...minimal, url: 'https://ntfy.sh/', preset: 'ntfy' }])).toEqual([
      'webhook[0].url: the ntfy preset needs the topic URL, e.g. "https://ntfy.sh/my-topic"',
    ])
    expect(parseWebhooks([{ ...minimal, url: 'https://ntfy.sh/alerts', preset: 'ntfy' }]).isOk()).toBe(true)
  })
  it('reads chat_id and thread_id of the telegram preset', () => {
    const url = 'https://api.telegram.org/bot123:ABC/sendMessage'
    expect(
      parseWebhooks([
        { ...minimal, url, preset: 'telegram', chat_id: -1001234567890, thread_id: 7 },
      ])._unsafeUnwrap()[0],
    ).toMatchObject({
      preset: 'telegram',
      chatId: -1001234567890,
      threadId: 7,
    })
    expect(
      parseWebhooks([{ ...minimal, url, preset: 'telegram', chat_id: '@ops' }])._unsafeUnwrap()[0],
    ).not.toHaveProperty('threadId')
  })

  it('needs chat_id and the sendMessage URL for the telegram preset, and refuses its keys elsewhere', () => {
    expect(issuesOf([{ ...minimal, url: 'https://api.telegram.org/bot123/getMe', preset: 'telegram' }])).toEqual([
      'webhook[0].chat_id: is required by the telegram preset',
      'webhook[0].url: the telegram preset needs the sendMessage URL, e.g. "https://api.telegram.org/bot<token>/sendMessage"',
    ])
    expect(issuesOf([{ ...minimal, chat_id: 1, thread_id: 2 }])).toEqual([
      'webhook[0].chat_id: is only used with preset = "telegram"',
      'webhook[0].thread_id: is only used with preset = "telegram"',
    ])
    const url = 'https://api.telegram.org/bot1/sendMessage'
    expect(issuesOf([{ ...minimal, url, preset: 'telegram', chat_id: 'ops', thread_id: 0 }])).toEqual([
      'webhook[0].chat_id: must be a chat number or a channel "@username"',
      'webhook[0].thread_id: must be a forum topic number',
    ])
  })
})
