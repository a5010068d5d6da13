// The Store conformance suite: `@timon/core/conformance`. It runs on vitest (a peer dependency),
// so it has its own entry point: `@timon/core/testing` stays free of vitest.
export { describeStoreConformance } from './store-conformance.js'
export type { StoreCapabilities } from './store-conformance.js'
