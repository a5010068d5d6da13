// The PostgreSQL Store
export { PostgresStore } from './postgres-store.js'
export type { PostgresStoreOptions } from './postgres-store.js'

// Schema versions
export { LATEST_SCHEMA_VERSION } from './migrations.js'
export { SchemaVersionError } from '@timon/sql-common'

// The tables as rows, for copying a history between stores
export { PostgresCopyDatabase } from './postgres-copy-database.js'
export type { PostgresCopyOptions } from './postgres-copy-database.js'
