// `steps` rows: @timon/sql-common's mapping in SQLite's encoding.
import { stepRows, type StepRow as SharedStepRow } from '@timon/sql-common'
import { SQLITE_COLUMNS, type SqliteColumnTypes } from './codec.js'

export type StepRow = SharedStepRow<SqliteColumnTypes>

export const steps = stepRows(SQLITE_COLUMNS)
