/** `timon config check`: the daemon's config parser, run by the real binary, starting nothing. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseEnv, ensureBuilt, exec, tempDir } from './helpers.js'

const tmp = tempDir()
const env = baseEnv(tmp.dir)

beforeAll(() => ensureBuilt())
afterAll(() => tmp.remove())

function file(name: string, text: string): string {
  const path = join(tmp.dir, name)
  writeFileSync(path, text)
  return path
}

describe('timon config check', () => {
  it('exits 1 with one line per problem, naming its key', async () => {
    const path = file('bad.toml', '[daemon]\nlog_level = "loud"\n[[webhook]]\non = ["incident.*"]\nurl = "not a url"\n')
    const result = await exec(['config', 'check', path], env)
    expect(result.status).toBe(1)
    expect(result.stderr.split('\n').slice(1, 3)).toEqual([
      '  daemon.log_level: unknown level "loud", must be one of: silent, fatal, error, warn, info, debug',
      '  webhook[0].url: invalid url "not a url"',
    ])
  })

  it('accepts a valid file and prints it with defaults filled in and secrets masked', async () => {
    const path = file(
      'ok.toml',
      '[[webhook]]\nname = "tg"\non = ["incident.*"]\nurl = "https://u:pw@api.telegram.org/bot123:ABCDEFGHIJKLMNOP/send?token=abc"\nheaders = { Authorization = "Bearer xyz" }\n',
    )
    expect(await exec(['config', 'check', path], env)).toMatchObject({ status: 0, stdout: `${path}: ok\n` })
    const printed = JSON.parse((await exec(['config', 'check', path, '--print'], env)).stdout)
    expect(printed.webhooks[0]).toMatchObject({
      url: 'https://u:***@api.telegram.org/bot***/send?token=***',
      headers: { Authorization: '***' },
      retry: { attempts: 5 },
    })
    expect(JSON.stringify(printed)).not.toMatch(/pw|xyz|ABCDEFGH/)
  })

  it('masks every secret, wherever it is: an SMTP password, secret-named plugin options', async () => {
    writeFileSync(join(tmp.dir, 'plugin.mjs'), 'export default () => ({})\n')
    const path = file(
      'secrets.toml',
      '[daemon]\nsocket_mode = "0660"\n' +
        '[[email]]\nto = ["ops@example.com"]\nfrom = "timon@example.com"\nsmtp = "smtp://ops:hunter2@mail.example:587"\non = ["*"]\n' +
        '[[plugin]]\nname = "pd"\nmodule = "./plugin.mjs"\noptions = { api_key = "k-sekrit", routing = { client_secret = "c-sekrit" }, region = "eu" }\n',
    )
    const result = await exec(['config', 'check', path, '--print'], env)
    expect(result.status).toBe(0)
    const printed = JSON.parse(result.stdout)
    expect(printed.emails[0].smtp).toMatchObject({ user: 'ops', password: '***' })
    expect(printed.plugins[0].options).toEqual({ api_key: '***', routing: { client_secret: '***' }, region: 'eu' })
    expect(printed.socket_mode).toBe('0660')
    expect(result.stdout).not.toMatch(/hunter2|sekrit/)
  })
})
