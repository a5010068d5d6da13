import { describe, expect, it } from 'vitest'
import { parseEmails } from './email-config.js'

const minimal = {
  on: ['incident.*'],
  to: ['ops@example.com'],
  from: 'timon@example.com',
  smtp: 'smtp://mail.example.com',
}
const issuesOf = (input: unknown, options = {}) => parseEmails(input, options)._unsafeUnwrapErr()
const files = (contents: Record<string, string>) => ({
  baseDir: '/etc/timon',
  readFile: (path: string) => {
    const found = contents[path]
    if (found === undefined) throw new Error(`ENOENT: no such file, open '${path}'`)
    return found
  },
})

describe('parseEmails', () => {
  it('gives no emails for an absent list', () => {
    expect(parseEmails(undefined)._unsafeUnwrap()).toEqual([])
  })

  it('applies the defaults: name email[<i>], port 587 with STARTTLS, no login, retry 5 / 10s / 5s', () => {
    expect(parseEmails([minimal])._unsafeUnwrap()).toEqual([
      {
        name: 'email[0]',
        on: ['incident.*'],
        to: ['ops@example.com'],
        from: 'timon@example.com',
        smtp: { host: 'mail.example.com', port: 587, secure: false },
        retry: { attempts: 5, timeoutMs: 10_000, delayMs: 5_000, maxDelayMs: 3_600_000 },
      },
    ])
  })

  it('reads user, password (percent-decoded) and port from the URL; smtps:// defaults to 465', () => {
    const [plain, implicit] = parseEmails([
      { ...minimal, smtp: 'smtp://alerts%40example.com:p%40ss@mail.example.com:2525' },
      { ...minimal, smtp: 'smtps://u:p@[::1]' },
    ])._unsafeUnwrap()
    expect(plain?.smtp).toEqual({
      host: 'mail.example.com',
      port: 2525,
      secure: false,
      user: 'alerts@example.com',
      password: 'p@ss',
    })
    expect(implicit?.smtp).toEqual({ host: '::1', port: 465, secure: true, user: 'u', password: 'p' })
  })

  it('reads password_file and cert relative to the config directory', () => {
    const [email] = parseEmails(
      [{ ...minimal, smtp: 'smtp://timon@mail.example.com', password_file: 'smtp-password', cert: 'ca.pem' }],
      files({
        '/etc/timon/smtp-password': 'line one \n',
        '/etc/timon/ca.pem': '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n',
      }),
    )._unsafeUnwrapErr()
    expect(email).toMatch(/^email\[0\]\.cert: "\/etc\/timon\/ca\.pem" holds an invalid certificate/)
    const ok = parseEmails(
      [{ ...minimal, smtp: 'smtp://timon@mail.example.com', password_file: 'smtp-password' }],
      files({ '/etc/timon/smtp-password': 'line one \n' }),
    )
    expect(ok._unsafeUnwrap()[0]?.smtp).toMatchObject({ user: 'timon', password: 'line one ' })
  })

  it('reports every problem as email[<i>].<key>: <problem>, never quoting the smtp URL', () => {
    expect(
      issuesOf([
        { on: ['incident.opened'], to: [], from: 'not an address', smtp: 'http://u:hunter2@h', extra: 1 },
        { ...minimal, to: ['a@b', 'x\n@y'], smtp: 'smtp://:hunter2@h', subject: '{{#a}}' },
        { ...minimal, smtp: 'smtp://u:hunter2@h', password_file: 'p' },
        { ...minimal, password_file: 'p' },
      ]),
    ).toEqual([
      expect.stringMatching(/^email\[0\]\.on\[0\]: matches no event/),
      'email[0].to: must not be empty',
      'email[0].from: is not an email address: "not an address"',
      'email[0].smtp: must be an smtp:// or smtps:// URL, not http:',
      'email[0].extra: unknown key',
      'email[1].to[1]: is not an email address: "x\\n@y"',
      'email[1].smtp: has a password but no user',
      'email[1].subject: template does not parse: Unclosed section "a" at 6',
      'email[2].password_file: cannot be used with a password in smtp',
      'email[3].password_file: needs a user in smtp ("smtp://user@host")',
    ])
  })

  it('requires on, to, from and smtp, and unique names', () => {
    expect(issuesOf([{}])).toEqual([
      'email[0].on: is required',
      'email[0].to: is required',
      'email[0].from: is required',
      'email[0].smtp: is required',
    ])
    expect(
      issuesOf([
        { ...minimal, name: 'ops' },
        { ...minimal, name: 'ops' },
      ]),
    ).toEqual(['email[1].name: "ops" is already the name of email[0]'])
  })

  it('reports a password_file it cannot read or that is empty', () => {
    const table = { ...minimal, smtp: 'smtp://timon@h', password_file: '/run/secrets/smtp' }
    expect(issuesOf([table], files({}))).toEqual([
      expect.stringMatching(/^email\[0\]\.password_file: cannot read "\/run\/secrets\/smtp": ENOENT/),
    ])
    expect(issuesOf([table], files({ '/run/secrets/smtp': '\n' }))).toEqual([
      'email[0].password_file: "/run/secrets/smtp" is empty',
    ])
  })
})
