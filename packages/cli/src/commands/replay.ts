import { availableParallelism } from 'node:os'
import type { HistoryColumnsWithText } from '@timon/client'
import type { HistoryDelivery, HistoryIncident, HistoryQuery, Silence } from '@timon/core'
import { formatHumanDuration, historyPageOf, parseDuration, sampleArraysOf } from '@timon/core/lite'
import type { Outcome, ReplayError } from '@timon/core/replay'
import type { Result } from 'neverthrow'
import { JSON_FLAG, type Command, type Context } from '../command.js'
import type { Output } from '../io.js'
import { unwrap } from '../client.js'
import { CliError } from '../errors.js'
import { replayInputOf, type ReplayInput, type ReplaySetup } from '../replay/setup.js'
import { Checks, call } from './shared.js'

/** The most worker threads a replay starts unless told (`--jobs`): past a few, the daemon's reading is the limit. */
const MAX_DEFAULT_JOBS = 4

/** `timon replay`: what the stored history would have given under other rules; changes nothing. */
export const replayCommand: Command = {
  spec: {
    name: 'replay',
    summary: 'Replay the stored history under other rules and show what would have changed',
    description:
      'Read the stored history through the daemon, replay it under the rules of --config (its webhooks, emails and ' +
      "commands, maintenance windows, time zone, and its checks' thresholds and stale rules) and the " +
      '--set overrides, and list per probe/job the incidents and notifications that would have happened against ' +
      'those that did: added, removed, changed. Nothing is changed. Without --config, notifications go where the ' +
      'recorded ones went.',
    usage: 'replay [flags]',
    args: { min: 0, max: 0 },
    flags: [
      {
        name: 'config',
        type: 'string',
        placeholder: '<file>',
        description: "Replay under this config file's notifications, maintenance windows and checks",
      },
      {
        name: 'set',
        type: 'string',
        placeholder: '<glob:rule=value>',
        description: "Change a rule for matching codes, e.g. 'db.*:stale_incident_after=2h' (repeatable)",
      },
      { name: 'since', type: 'string', placeholder: '<duration>', description: 'Replay this far back (default 7d)' },
      {
        name: 'until',
        type: 'string',
        placeholder: '<time>',
        description: 'Replay up to this RFC 3339 instant (default now)',
      },
      { name: 'code', type: 'string', placeholder: '<glob>', description: 'Only probes/jobs matching this code glob' },
      {
        name: 'jobs',
        type: 'string',
        placeholder: '<n>',
        description: `Replay in n worker threads, each a share of the codes (default: one per core, up to ${MAX_DEFAULT_JOBS}; 1: in this process)`,
      },
      JSON_FLAG,
    ],
    examples: ["timon replay --set 'db.*:stale_incident_after=2h' --since 30d"],
  },
  async run(ctx, args) {
    const checks = new Checks(replayCommand.spec, args)
    const { compareOutcomes, outcomeOf, parseRuleSetting } = await import('@timon/core/replay')
    const overrides = args.strings('set').map((text) =>
      parseRuleSetting(text).match(
        (o) => o,
        (e) => checks.fail(e.message),
      ),
    )
    const sinceText = checks.optional('since') ?? '7d'
    const since = parseDuration(sinceText).match(
      (ms) => ms,
      (e) => checks.fail(`invalid --since \u2014 ${e.message}`),
    )
    const untilText = checks.optional('until')
    const to = untilText === undefined ? ctx.io.now() : new Date(untilText)
    if (Number.isNaN(to.getTime())) checks.fail(`invalid --until "${untilText}" \u2014 must be an RFC 3339 instant`)
    const from = new Date(to.getTime() - since)
    const code = checks.optional('code')
    const jobsGiven = checks.positiveInteger('jobs')
    // A thread per core: this one only fetches the pages, and a local daemon reads them in a fraction
    // of the time the parts take to replay them (30 days on 2 cores: 52 s in two threads, 67 s in one).
    const jobs = jobsGiven ?? Math.min(availableParallelism(), MAX_DEFAULT_JOBS)
    const configPath = checks.optional('config')
    const rulesSetup = { overrides, env: { ...ctx.io.env }, ...(configPath === undefined ? {} : { configPath }) }
    // The config is read once, before anything is fetched: a bad file is told at once. Worker
    // threads read it again, as its rules hold functions no message can carry.
    const input = await replayInputOf(rulesSetup)
    const setup: ReplaySetup = { ...rulesSetup, from, to, silences: await windowSilences(ctx, from) }
    const query = { from, to, ...(code === undefined ? {} : { code }) }
    const progress = ctx.io.stderr.isTTY === true ? terminalProgress(ctx.io.stderr) : undefined
    // The samples stream through the replay; what happened (incidents, notifications) is kept to compare.
    const replayOnce = async (inParts: boolean) => {
      const recorded = { reports: [], incidents: [] as HistoryIncident[], deliveries: [] as HistoryDelivery[] }
      const source = keeping(pages(ctx, query), recorded, progress)
      const first = await source.next()
      const history = (async function* () {
        if (first.done !== true) yield first.value
        yield* source
      })()
      // Unless told, a history of one page is not worth starting threads for.
      const split =
        inParts && (jobsGiven !== undefined || (first.done !== true && first.value.columns.next !== undefined))
      const replayed = await (split ? replayedInParts(history, setup, jobs) : replayedInProcess(history, setup, input))
      return { recorded, replayed }
    }
    const { recorded, replayed } = await (async () => {
      const once = await replayOnce(jobs > 1 && (await workersBuilt()))
      // A dependency across parts: the parts cannot be replayed apart.
      return once.replayed.isErr() && once.replayed.error.code === 'cross_part' ? replayOnce(false) : once
    })().finally(() => progress?.done())
    if (replayed.isErr()) throw new CliError(replayed.error.message)
    const comparison = compareOutcomes(outcomeOf(recorded), replayed.value)
    if (args.boolean('json') === true) await ctx.printJson(comparison)
    else ctx.print(formatComparison(comparison))
  },
}

// --- internal ---

/**
 * The silences of the window: those that end after it begins. A daemon older than this CLI refuses
 * to list ended ones (`ending_after`): the replay then goes on without silences, and says so.
 */
async function windowSilences(ctx: Context, from: Date): Promise<readonly Silence[]> {
  const listed = await (await ctx.client()).silences({ endingAfter: from })
  if (listed.isErr() && listed.error.code === 'validation') {
    ctx.io.stderr.write(
      'timon replay: the daemon does not list past silences (it is older than this timon): replaying without silences; upgrade the daemon to replay them\n',
    )
    return []
  }
  return unwrap(listed).silences
}

/** The history replayed in this process. */
async function replayedInProcess(
  pages: AsyncIterable<HistoryColumnsWithText>,
  setup: ReplaySetup,
  { rules, history }: ReplayInput,
): Promise<Result<Outcome, ReplayError>> {
  const { replay } = await import('@timon/core/replay')
  const { from, to, silences } = setup
  return replay({ history: history(decoded(pages)), silences, rules, from, to })
}

/** The history replayed in `jobs` worker threads, a share of the codes each. */
async function replayedInParts(
  pages: AsyncIterable<HistoryColumnsWithText>,
  setup: ReplaySetup,
  jobs: number,
): Promise<Result<Outcome, ReplayError>> {
  const { replayInParts } = await import('../replay/in-parts.js')
  return replayInParts(pages, setup, jobs)
}

/** Whether the worker threads' module is built (run from the sources, in tests, it is not: replays run in process). */
async function workersBuilt(): Promise<boolean> {
  return (await import('../replay/in-parts.js')).canReplayInParts()
}

async function* decoded(pages: AsyncIterable<HistoryColumnsWithText>) {
  for await (const { columns } of pages) yield historyPageOf(columns)
}

type Comparison = ReturnType<typeof import('@timon/core/replay').compareOutcomes>

/**
 * The history's pages through the daemon, with their JSON text (for worker threads). The next page
 * is asked for as soon as a page arrives, so that the daemon reads and encodes it while this
 * process replays the one before (two processes, two cores).
 */
async function* pages(ctx: Context, query: Omit<HistoryQuery, 'limit'>): AsyncGenerator<HistoryColumnsWithText> {
  const fetch = (after: HistoryQuery['after']) => {
    const page = call(ctx, (client) =>
      client.historyColumnsWithText({ ...query, limit: 5000, ...(after === undefined ? {} : { after }) }),
    )
    // A page asked for ahead is awaited unless the replay stopped first: its failure is then nobody's.
    page.catch(() => undefined)
    return page
  }
  let coming = fetch(undefined)
  for (;;) {
    const page = await coming
    const { next } = page.columns
    if (next !== undefined) coming = fetch(next)
    yield page
    if (next === undefined) return
  }
}

/** Passes `pages` on, appending their incidents and deliveries to `recorded`, and counting their reports. */
async function* keeping(
  pages: AsyncIterable<HistoryColumnsWithText>,
  recorded: { incidents: HistoryIncident[]; deliveries: HistoryDelivery[] },
  progress?: Progress,
): AsyncGenerator<HistoryColumnsWithText> {
  let reports = 0
  for await (const page of pages) {
    const { incidents, deliveries, samples, runs } = page.columns
    recorded.incidents.push(...incidents)
    recorded.deliveries.push(...deliveries)
    reports += sampleArraysOf(samples).id.length + runs.length
    progress?.read(reports)
    yield page
  }
}

/** How far a replay has read, for a person waiting at a terminal. */
interface Progress {
  read(reports: number): void
  /** Clears the line before the result is printed. */
  done(): void
}

/** Progress on one line of a terminal (stderr), rewritten a page at a time: a month of history takes minutes. */
function terminalProgress(stderr: Output): Progress {
  let shown = false
  return {
    read(reports) {
      shown = true
      stderr.write(`\rreplaying: ${reports.toLocaleString('en-US')} samples and runs read\u2026`)
    },
    done() {
      if (shown) stderr.write('\r\u001b[K')
    },
  }
}

/** The new incidents the summary line names; the lines above it list them all. */
const NEW_INCIDENTS_LISTED = 3

/** Per code the differences, then the summary line ("3 incidents fewer, 41 notifications fewer, 1 new: …"). */
function formatComparison(comparison: Comparison): string {
  const lines: string[] = []
  const when = (d: Date) => d.toISOString()
  const shift = (ms: number) => `${ms < 0 ? 'earlier' : 'later'} by ${formatHumanDuration(Math.abs(ms))}`
  for (const { code, added, removed, changed } of comparison.codes) {
    lines.push(code ?? '(manual incidents)')
    for (const entry of added)
      lines.push(
        `  + ${entry.type === 'incident' ? `${entry.incident.trigger} incident opened at ${when(entry.incident.openedAt)}` : `${entry.notification.event} to ${entry.notification.target} at ${when(entry.notification.at)}`}`,
      )
    for (const entry of removed)
      lines.push(
        `  - ${entry.type === 'incident' ? `${entry.incident.trigger} incident opened at ${when(entry.incident.openedAt)}` : `${entry.notification.event} to ${entry.notification.target} at ${when(entry.notification.at)}`}`,
      )
    for (const change of changed) {
      lines.push(
        change.type === 'incident'
          ? `  ~ ${change.recorded.trigger} incident opened at ${when(change.replayed.openedAt)}, ${change.shiftMs === 0 ? 'same time, other course' : shift(change.shiftMs)}`
          : `  ~ ${change.recorded.event} to ${change.recorded.target} at ${when(change.replayed.at)}, ${change.shiftMs === 0 ? 'same time' : shift(change.shiftMs)}`,
      )
    }
  }
  const { incidents, notifications } = comparison.summary
  const delta = (n: number, what: string) =>
    n === 0 ? `same ${what}s` : `${Math.abs(n)} ${what}${Math.abs(n) === 1 ? '' : 's'} ${n < 0 ? 'fewer' : 'more'}`
  const fresh = comparison.codes.flatMap((c) =>
    c.added.flatMap((e) =>
      e.type === 'incident' ? [`${c.code ?? 'manual'} ${e.incident.trigger} at ${when(e.incident.openedAt)}`] : [],
    ),
  )
  const listed = fresh.slice(0, NEW_INCIDENTS_LISTED).join(', ')
  const unlisted = fresh.length - NEW_INCIDENTS_LISTED
  lines.push(
    `${delta(incidents.replayed - incidents.recorded, 'incident')}, ${delta(notifications.replayed - notifications.recorded, 'notification')}` +
      (fresh.length === 0 ? '' : `, ${fresh.length} new: ${listed}${unlisted > 0 ? ` and ${unlisted} more` : ''}`),
  )
  return `${lines.join('\n')}\n`
}
