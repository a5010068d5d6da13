import { describeStoreConformance } from '../src/conformance/store-conformance.js'
import { MemoryStore } from '../src/memory-store.js'

describeStoreConformance('memory', () => new MemoryStore())
