// Plain JavaScript, run by plain node: pages through a daemon's history as `timon replay` does
// (GET /v1/history through the client), replaying nothing: the baseline of the replay bench.
// Arguments: socket, since, until (RFC 3339). Prints the number of samples read.
import { TimonClient } from '@timon/client'

const [socketPath, since, until] = process.argv.slice(2)
const client = new TimonClient({ socketPath })
let samples = 0
/** @type {import('@timon/core').HistoryCursor | undefined} */
let after
for (;;) {
  const query = { from: new Date(since), to: new Date(until), limit: 5000 }
  const page = (await client.history(after === undefined ? query : { ...query, after }))._unsafeUnwrap()
  samples += page.reports.length
  if (page.next === undefined) break
  after = page.next
}
process.stdout.write(String(samples))
