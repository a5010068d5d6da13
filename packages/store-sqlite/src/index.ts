// The SQLite Store
export { SqliteStore } from './sqlite-store.js'
export type { SqliteStoreOptions } from './sqlite-store.js'

// Schema versions
export { LATEST_SCHEMA_VERSION, SchemaVersionError } from './migrations.js'
