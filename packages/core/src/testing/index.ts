// Test helpers for Timon's core and its adapters: `@timon/core/testing`.
export { FakeClock } from './fake-clock.js'
export { describeStoreConformance } from './store-conformance.js'
export type { StoreCapabilities } from './store-conformance.js'
