// Plain JavaScript, run by plain node: pages through a daemon's history as `timon replay` does
// (GET /v1/history through the client, the next page asked for as soon as a page arrives), replaying
// nothing: the baseline of the replay bench. Arguments: socket, since, until (RFC 3339). Prints the
// number of samples read.
import { TimonClient } from '@timon/client'

const [socketPath, since, until] = process.argv.slice(2)
const client = new TimonClient({ socketPath })
const query = { from: new Date(since), to: new Date(until), limit: 5000 }
/** @param {import('@timon/core').HistoryCursor | undefined} after */
const fetch = async (after) => (await client.history(after === undefined ? query : { ...query, after }))._unsafeUnwrap()
let samples = 0
let coming = fetch(undefined)
for (;;) {
  const page = await coming
  if (page.next !== undefined) coming = fetch(page.next)
  samples += page.reports.length
  if (page.next === undefined) break
}
process.stdout.write(String(samples))
