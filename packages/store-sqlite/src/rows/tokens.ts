// Maps `tokens` rows to domain values and back; no queries here.
import { TOKEN_SCOPES, type ApiToken, type TokenPatch } from '@timon/core'
import type { Selectable } from 'kysely'
import type { TokensTable } from '../tables.js'
import { bit, bool, corruptRow, dateOrNull, msOrNull, oneOf } from './codec.js'

export type TokenRow = Selectable<TokensTable>

export const tokens = {
  toDomain(row: TokenRow): ApiToken {
    return {
      id: row.id,
      name: row.name,
      scope: oneOf(TOKEN_SCOPES, row.scope, 'tokens.scope'),
      codes: codesFromJson(row.codes, row.id),
      secretHash: row.secret_hash,
      createdAt: new Date(row.created_at),
      lastUsedAt: dateOrNull(row.last_used_at),
      expiresAt: dateOrNull(row.expires_at),
      revoked: bool(row.revoked),
    }
  },
  toRow(token: Omit<ApiToken, 'id'>): Omit<TokenRow, 'id'> {
    return {
      name: token.name,
      scope: token.scope,
      codes: JSON.stringify(token.codes),
      secret_hash: token.secretHash,
      created_at: token.createdAt.getTime(),
      last_used_at: msOrNull(token.lastUsedAt),
      expires_at: msOrNull(token.expiresAt),
      revoked: bit(token.revoked),
    }
  },
  patchToRow(patch: TokenPatch): Partial<Omit<TokenRow, 'id'>> {
    return {
      ...(patch.lastUsedAt === undefined ? {} : { last_used_at: patch.lastUsedAt.getTime() }),
      ...(patch.revoked === undefined ? {} : { revoked: 1 }),
    }
  },
}

function codesFromJson(text: string, id: number): readonly string[] {
  const codes: unknown = JSON.parse(text)
  if (Array.isArray(codes) && codes.every((code) => typeof code === 'string')) return codes
  throw corruptRow(`tokens.codes of ${id}: not a list of globs`)
}
