// The dashboard handler the daemon mounts
export { createDashboard } from './dashboard.js'
export type { Dashboard, DashboardOptions, RequestContext } from './dashboard.js'

// Access, as the daemon resolves it from tokens
export { SCOPES, LOCAL_ADMIN } from './access.js'
export type { Access, Scope } from './access.js'

// Hooks and parts the daemon feeds
export { DashboardMetrics } from './metrics.js'
export type { LogChunk, LogRef, ReadLog } from './read-log.js'
export type { LiveUpdatesOptions } from './live-updates.js'
