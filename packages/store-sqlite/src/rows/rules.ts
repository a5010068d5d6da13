// The rule columns (shared by `contracts` and `reports`): @timon/sql-common's mapping in SQLite's encoding.
import { ruleRows } from '@timon/sql-common'
import { SQLITE_COLUMNS } from './codec.js'

export const rules = ruleRows(SQLITE_COLUMNS)
