// `silences` rows: @timon/sql-common's mapping in SQLite's encoding.
import { silenceRows, type SilenceRow as SharedSilenceRow } from '@timon/sql-common'
import { SQLITE_COLUMNS, type SqliteColumnTypes } from './codec.js'

export type SilenceRow = SharedSilenceRow<SqliteColumnTypes>

export const silences = silenceRows(SQLITE_COLUMNS)
