import type { TokenView } from '@timon/client'
import { TOKEN_SCOPES, type TokenScope } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { ago } from '../format/common.js'
import { Checks, call } from './shared.js'

/** `timon token create <name>`: prints only the new token's secret, once. */
export const tokenCreate: Command = {
  spec: {
    name: 'token create',
    summary: 'Create an API token for the TCP listener (prints its secret once)',
    description:
      'Create a bearer token for [http] listeners and ping URLs. Only the secret is printed, on one line; the daemon ' +
      'keeps its hash, so it cannot be shown again. Scopes: push (push routes and ping URLs), read (every GET), admin (everything).',
    usage: 'token create <name> [flags]',
    args: { min: 1, max: 1 },
    flags: [
      {
        name: 'scope',
        type: 'string',
        placeholder: 'push|read|admin',
        description: 'What the token may do (default push)',
      },
      {
        name: 'codes',
        type: 'string',
        placeholder: '<glob,glob…>',
        description: 'Only these codes (segment-wise globs such as web.*)',
      },
      {
        name: 'expires',
        type: 'string',
        placeholder: '<duration>',
        description: 'Valid for this long (e.g. 90d); default: no expiry',
      },
    ],
    examples: [
      'timon token create backup-host --codes "db.*"',
      'timon token create grafana --scope read --expires 365d',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(tokenCreate.spec, args)
    const name = checks.arg(0)
    const scope = checks.optional('scope')
    if (scope !== undefined && !(TOKEN_SCOPES as readonly string[]).includes(scope))
      return checks.fail(`invalid --scope "${scope}" \u2014 must be one of: ${TOKEN_SCOPES.join(', ')}`)
    const codes = checks
      .optional('codes')
      ?.split(',')
      .map((glob) => glob.trim())
      .filter((glob) => glob !== '')
    const expires = checks.optional('expires')
    const created = await call(ctx, (client) =>
      client.createToken({
        name,
        ...(scope === undefined ? {} : { scope: scope as TokenScope }),
        ...(codes === undefined ? {} : { codes }),
        ...(expires === undefined ? {} : { expires }),
      }),
    )
    ctx.print(created.secret)
  },
}

/** `timon token list`: the tokens not revoked, never their secrets. */
export const tokenList: Command = {
  spec: {
    name: 'token list',
    summary: 'List the API tokens (never their secrets)',
    usage: 'token list [flags]',
    args: { min: 0, max: 0 },
    flags: [JSON_FLAG],
  },
  async run(ctx, args) {
    const tokens = await call(ctx, (client) => client.tokens())
    if (args.boolean('json') === true) await ctx.printJson({ tokens })
    else ctx.print(formatTokens(tokens, ctx.io.now()))
  },
}

/** `timon token revoke <name>`: the token authenticates nothing from now on. Prints nothing. */
export const tokenRevoke: Command = {
  spec: {
    name: 'token revoke',
    summary: 'Revoke an API token',
    usage: 'token revoke <name>',
    args: { min: 1, max: 1 },
    flags: [],
  },
  async run(ctx, args) {
    const checks = new Checks(tokenRevoke.spec, args)
    const name = checks.arg(0)
    await call(ctx, (client) => client.revokeToken(name))
  },
}

function formatTokens(tokens: readonly TokenView[], now: Date): string {
  if (tokens.length === 0) return 'No tokens.'
  const rows = [
    ['NAME', 'SCOPE', 'CODES', 'CREATED', 'LAST USED', 'EXPIRES'],
    ...tokens.map((t) => [
      t.name,
      t.scope,
      t.codes.length === 0 ? '*' : t.codes.join(','),
      ago(t.createdAt, now),
      t.lastUsedAt === null ? 'never' : ago(t.lastUsedAt, now),
      t.expiresAt === null ? 'never' : t.expiresAt.toISOString(),
    ]),
  ]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? []
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n')
}
