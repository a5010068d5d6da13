import { describeStoreConformance } from '../src/testing/store-conformance.js'
import { MemoryStore } from '../src/memory-store.js'

describeStoreConformance('memory', () => new MemoryStore())
