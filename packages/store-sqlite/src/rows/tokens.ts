// `tokens` rows: @timon/sql-common's mapping in SQLite's encoding.
import { tokenRows, type TokenRow as SharedTokenRow } from '@timon/sql-common'
import { SQLITE_COLUMNS, type SqliteColumnTypes } from './codec.js'

export type TokenRow = SharedTokenRow<SqliteColumnTypes>

export const tokens = tokenRows(SQLITE_COLUMNS)
