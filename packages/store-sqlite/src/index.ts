// The SQLite Store
export { SqliteStore } from './sqlite-store.js'
export type { SqliteStoreOptions } from './sqlite-store.js'
export type { SqliteDatabase, SqliteStatement } from './driver.js'
export type { Synchronous } from './open-database.js'
export { BOUNDED_CHECK_BYTES } from './integrity.js'
export type { IntegrityCheck } from './integrity.js'

// Schema versions
export { LATEST_SCHEMA_VERSION } from './migrations.js'
export { SchemaVersionError } from '@timon/sql-common'

// The tables as rows, for copying a history between stores
export { SqliteCopyDatabase } from './sqlite-copy-database.js'
export type { SqliteCopyOptions } from './sqlite-copy-database.js'
