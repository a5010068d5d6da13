// Plain JavaScript, run by plain node: a TypeScript loader in this process would weigh in the figure.
// Measures the RSS of a process that opens a store of many probes and reads status and summary.
import { Monitor } from '@timon/core'
import { SqliteStore } from '@timon/store-sqlite'

const baselineMb = process.memoryUsage().rss / 2 ** 20
const store = new SqliteStore({ database: process.argv[2] ?? ':memory:' })
const monitor = new Monitor({ store })
let contracts = 0
/** @type {{ kind: 'probe' | 'job', code: string } | undefined} */
let after
for (;;) {
  const page = (await monitor.status(after === undefined ? { limit: 1000 } : { limit: 1000, after }))._unsafeUnwrap()
  contracts += page.contracts.length
  if (page.next === undefined) break
  after = page.next
}
const summary = (await monitor.summary())._unsafeUnwrap()
if (summary.healthy.count === 0) throw new Error('summary counted nothing')
globalThis.gc?.()
const rssMb = process.memoryUsage().rss / 2 ** 20
await store.close()
process.stdout.write(JSON.stringify({ rssMb, baselineMb, contracts }))
