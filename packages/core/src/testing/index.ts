// Test helpers for Timon's core and its adapters: `@timon/core/testing`. Free of any test
// framework, so `node --test` users can import it; the Store conformance suite (vitest) is
// `@timon/core/conformance`.
export { FakeClock } from './fake-clock.js'
