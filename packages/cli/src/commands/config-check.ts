import { snakeCase } from '@timon/client'
import { JSON_FLAG, type Command } from '../command.js'
import { CliError } from '../errors.js'

/** `timon config check [FILE]`: validates a config file as the daemon would, starting nothing. */
export const configCheck: Command = {
  spec: {
    name: 'config check',
    summary: 'Check a config file without starting anything',
    description:
      "Validate a config file (default: the one the daemon would read) with the daemon's own parser: exit 0, or 1 " +
      'with one line per problem naming its key. --print shows the effective config with defaults filled in and ' +
      'secrets masked (URL passwords and tokens, header values).',
    usage: 'config check [FILE] [flags]',
    args: { min: 0, max: 1 },
    flags: [{ name: 'print', type: 'boolean', description: 'Print the effective config, secrets masked' }, JSON_FLAG],
  },
  async run(ctx, args) {
    const path = args.args[0]
    const { loadConfig } = await import('@timon/socket-daemon')
    const loaded = loadConfig({ configPath: path, env: ctx.io.env })
    if (loaded.isErr()) throw new CliError(loaded.error)
    if (args.boolean('print') === true || args.boolean('json') === true)
      ctx.print(`${JSON.stringify(masked(loaded.value), null, 2)}\n`)
    else ctx.print(`${loaded.value.path ?? 'no config file found, defaults apply'}: ok\n`)
  },
}

// --- internal ---

const MASK = '***'

/**
 * A copy of `value` in the wire's form (snake_case keys; header names as written) with secrets
 * masked: header values, any value under a key that names a secret (`password`, `token`,
 * `api_key`… also inside a plugin's `options`), and the passwords and tokens of URLs. File modes
 * print in octal (`0600`).
 */
export function masked(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return SECRET_KEY.test(key) ? MASK : /url$/i.test(key) ? maskedUrl(value) : value
  if (typeof value === 'number' && /mode$/i.test(key)) return `0${value.toString(8)}`
  if (Array.isArray(value)) return value.map((item) => masked(item, key))
  if (value === null || typeof value !== 'object' || value instanceof Date) return value
  return Object.fromEntries(
    Object.entries(value).map(([name, inner]) => [
      snakeCase(name),
      /^headers$/i.test(name) && inner !== null && typeof inner === 'object'
        ? Object.fromEntries(Object.keys(inner).map((h) => [h, MASK]))
        : masked(inner, name),
    ]),
  )
}

/** Keys whose values are secrets, whatever table they are in (`password`, `smtp_token`, `apiKey`, `client_secret`…). */
const SECRET_KEY = /(pass(word|phrase)?|secret|token|api_?key|credentials?|authorization)$/i

/** The URL with its password, query values and token-like path segments (a bot's `bot123:abc…`, long keys) masked. */
function maskedUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return text
  }
  if (url.password !== '') url.password = MASK
  for (const name of [...url.searchParams.keys()]) url.searchParams.set(name, MASK)
  url.pathname = url.pathname
    .split('/')
    .map((segment) =>
      /^bot\d+:/.test(segment) ? `bot${MASK}` : segment.length >= 24 && /^[\w-]+$/.test(segment) ? MASK : segment,
    )
    .join('/')
  return decodeURI(url.href)
}
