// `npm run bench`: every benchmark, each printed as a ratio against a baseline measured in the same run.
import { runCoreBench } from './core-bench.js'

const suites = [['core + store-sqlite (issue 2)', runCoreBench]]

let failed = 0
for (const [title, run] of suites) {
  console.log(`\n## ${title}`)
  for (const r of await run()) {
    const verdict = r.pass === undefined ? '' : r.pass ? '  ok' : '  MISSED'
    if (r.pass === false) failed += 1
    const target =
      r.limit !== undefined ? ` (target ≤ ${r.limit} ${r.unit})` : r.target === undefined ? '' : ` (target ${r.better === 'higher' ? '≥' : '≤'} ${r.target})`
    console.log(`${r.name}: ${r.value} ${r.unit} vs ${r.baselineName} ${r.baseline} → ratio ${r.ratio.toFixed(3)}${target}${verdict}`)
  }
}
console.log(failed === 0 ? '\nall targets met' : `\n${failed} target(s) missed`)
