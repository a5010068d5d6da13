import { TOKEN_SCOPES, type ApiToken, type TokenPatch } from '@timon/core'
import { corruptRow, dateOrNull, instantOrNull, oneOf, type ColumnCodec, type ColumnTypes } from '../column-codec.js'
import type { TokenRow } from '../tables.js'

/** Maps `tokens` rows to domain values and back. */
export function tokenRows<C extends ColumnTypes>(codec: ColumnCodec<C>) {
  type Row = TokenRow<C>
  return {
    toDomain(row: Row): ApiToken {
      const codes = codec.listed(row.codes)
      if (!Array.isArray(codes) || !codes.every((code) => typeof code === 'string'))
        throw corruptRow(codec, `tokens.codes of ${row.id}: not a list of globs`)
      return {
        id: row.id,
        name: row.name,
        scope: oneOf(codec, TOKEN_SCOPES, row.scope, 'tokens.scope'),
        codes,
        secretHash: row.secret_hash,
        createdAt: codec.date(row.created_at),
        lastUsedAt: dateOrNull(codec, row.last_used_at),
        expiresAt: dateOrNull(codec, row.expires_at),
        revoked: codec.bool(row.revoked),
      }
    },
    toRow(token: Omit<ApiToken, 'id'>): Omit<Row, 'id'> {
      return {
        name: token.name,
        scope: token.scope,
        codes: codec.list(token.codes),
        secret_hash: token.secretHash,
        created_at: codec.instant(token.createdAt),
        last_used_at: instantOrNull(codec, token.lastUsedAt),
        expires_at: instantOrNull(codec, token.expiresAt),
        revoked: codec.flag(token.revoked),
      }
    },
    patchToRow(patch: TokenPatch): Partial<Omit<Row, 'id'>> {
      return {
        ...(patch.lastUsedAt === undefined ? {} : { last_used_at: codec.instant(patch.lastUsedAt) }),
        ...(patch.revoked === undefined ? {} : { revoked: codec.flag(true) }),
      }
    },
  }
}
