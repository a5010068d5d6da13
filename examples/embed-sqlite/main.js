// Embedding Timon in a Node app: a Monitor on a SQLite file, fed by the app itself.
// Run it after `npm install`: node examples/embed-sqlite/main.js [database-file]
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Monitor } from '@timon/core'
import { SqliteStore } from '@timon/store-sqlite'

const database = process.argv[2] ?? join(mkdtempSync(join(tmpdir(), 'timon-example-')), 'timon.db')
const store = new SqliteStore({ database })
const monitor = new Monitor({ store })

// A health push, as a request handler or a periodic task would do it.
const probe = await monitor.pushProbe({
  code: 'myapp.health',
  health: 'healthy',
  comment: 'All good',
  staleIncidentAfter: '15m',
})
if (probe.isErr()) throw new Error(probe.error.message)

// A job run with steps: a nightly export inside the app.
const started = await monitor.startJob({ code: 'nightly.export', overtimeIncidentAfter: '30m' })
if (started.isErr()) throw new Error(started.error.message)
const { uid } = started.value.run
await monitor.pushStep({ code: 'nightly.export', uid, label: 'Exported rows', health: 'healthy' })
const ended = await monitor.pushStep({
  code: 'nightly.export',
  uid,
  label: 'Upload failed',
  health: 'critical',
  end: true,
})
if (ended.isErr()) throw new Error(ended.error.message)

// Expected failures are values, not exceptions.
const bad = await monitor.pushProbe({ code: 'Not A Code', health: 'healthy' })
console.log(`rejected: ${bad.isErr() ? bad.error.message : 'unexpectedly accepted'}`)

const status = (await monitor.status())._unsafeUnwrap()
for (const incident of status.activeIncidents) console.log(`INC-${incident.id} ${incident.state} ${incident.title}`)
for (const { contract, lastReport } of status.contracts)
  console.log(`${contract.code} ${lastReport?.health ?? 'unknown'}`)
console.log(`next deadline: ${(await monitor.nextDeadline())?.toISOString() ?? 'none'}`)

await store.close()
