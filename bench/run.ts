// `npm run bench`: every benchmark, each printed as a ratio against a baseline measured in the same run.
import { runChecksBench } from './checks-bench.js'
import { runCliBench } from './cli-bench.js'
import { runCoreBench } from './core-bench.js'
import { runDaemonBench } from './daemon-bench.js'
import { runDashboardBench } from './dashboard-bench.js'
import { runEmailBench } from './email-bench.js'
import { runExecBench } from './exec-bench.js'
import type { BenchResult } from './lib.js'
import { runPollBench } from './poll-bench.js'
import { runPostgresBench } from './postgres-bench.js'
import { runRemoteBench } from './remote-bench.js'
import { runReplayBench } from './replay-bench.js'
import { runWebhookBench } from './webhook-bench.js'

type Suite = readonly [title: string, run: () => Promise<readonly BenchResult[] | Record<string, number>>]

const suites: Suite[] = [
  ['core + store-sqlite (issue 2)', runCoreBench],
  ['notify-webhook (issue 3)', runWebhookBench],
  ['timon CLI start-up (issue 4)', runCliBench],
  ['daemon throughput and memory (issue 4)', runDaemonBench],
  ['timon exec (issue 5)', runExecBench],
  ['poll-http (issue 6)', runPollBench],
  ['store-postgres (issue 13)', runPostgresBench],
  ['notify-email (issue 14)', runEmailBench],
  ['dashboard (issue 15)', runDashboardBench],
  ['command checks (issue 17)', runChecksBench],
  ['replay (issue 16)', runReplayBench],
  ['the daemon over TCP and HTTPS (issue 11)', runRemoteBench],
]

// `npm run bench -- webhook poll` runs only the suites whose title contains one of the words.
const only = process.argv.slice(2)
let missed = 0
for (const [title, run] of suites) {
  if (only.length > 0 && !only.some((word) => title.includes(word))) continue
  console.log(`\n## ${title}`)
  const results = await run()
  if (!Array.isArray(results)) {
    for (const [name, value] of Object.entries(results)) console.log(`${name}: ${Number(value.toFixed(3))}`)
    continue
  }
  for (const r of results as readonly BenchResult[]) {
    if (r.pass === false) missed += 1
    const verdict = r.pass === undefined ? '' : r.pass ? '  ok' : '  MISSED'
    const target =
      r.limit !== undefined
        ? ` (target ≤ ${r.limit} ${r.unit})`
        : r.floor !== undefined
          ? ` (target ≥ ${r.floor} ${r.unit})`
          : r.target === undefined
            ? ''
            : ` (target ${r.better === 'higher' ? '≥' : '≤'} ${r.target})`
    console.log(
      `${r.name}: ${r.value} ${r.unit} vs ${r.baselineName} ${r.baseline} → ratio ${r.ratio.toFixed(3)}${target}${verdict}`,
    )
  }
}
console.log(missed === 0 ? '\nall targets met' : `\n${missed} target(s) missed`)
