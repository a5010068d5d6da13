// API tokens. Kysely's builder: tokens are few, read on a request's first use (then cached by the
// token service) and written when created, revoked or used (at most once a minute each).
import type { StoreTx } from '@timon/core'
import { tokens } from '../rows/tokens.js'
import type { QueryContext } from './query-context.js'

type TokenQueries = Pick<
  StoreTx,
  'insertToken' | 'findTokenByName' | 'findTokenBySecretHash' | 'listTokens' | 'updateToken'
>

export function tokenQueries({ db }: QueryContext): TokenQueries {
  return {
    async insertToken(input) {
      const row = tokens.toRow({ ...input, lastUsedAt: null, revoked: false })
      const { insertId } = await db.insertInto('tokens').values(row).executeTakeFirstOrThrow()
      return tokens.toDomain({ ...row, id: Number(insertId) })
    },

    async findTokenByName(name) {
      const row = await db
        .selectFrom('tokens')
        .selectAll()
        .where('name', '=', name)
        .where('revoked', '=', 0)
        .executeTakeFirst()
      return row === undefined ? undefined : tokens.toDomain(row)
    },

    async findTokenBySecretHash(secretHash) {
      const row = await db.selectFrom('tokens').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst()
      return row === undefined ? undefined : tokens.toDomain(row)
    },

    async listTokens() {
      const rows = await db.selectFrom('tokens').selectAll().where('revoked', '=', 0).orderBy('name').execute()
      return rows.map(tokens.toDomain)
    },

    async updateToken(id, patch) {
      const set = tokens.patchToRow(patch)
      if (Object.keys(set).length === 0) return
      await db.updateTable('tokens').set(set).where('id', '=', id).execute()
    },
  }
}
