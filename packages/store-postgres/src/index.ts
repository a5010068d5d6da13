// The PostgreSQL Store
export { PostgresStore } from './postgres-store.js'
export type { PostgresStoreOptions } from './postgres-store.js'

// Schema versions
export { LATEST_SCHEMA_VERSION, SchemaVersionError } from './migrations.js'
