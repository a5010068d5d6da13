import { validateCode, validateComment } from '@timon/core/lite'
import type { Command } from '../command.js'
import { JOB_RULE_FLAGS, jobRules } from './rule-flags.js'
import { Checks } from './shared.js'

/**
 * `timon exec <code> [flags] -- <command> [args…]`: runs a command as a run of job `code`, with
 * its exit status, its output and its last lines kept. Exits with the command's status.
 */
export const exec: Command = {
  spec: {
    name: 'exec',
    summary: 'Run a command as a job run, keeping its exit status and output',
    description:
      'Run a command as a run of a job: start the run, run the command (without a shell: use sh -c for one), ' +
      'show its output as it comes and keep it in the run\'s log (see "timon logs"), then end the run with a ' +
      'step saying how it ended: exit 0 is healthy, a --warning-exit-codes code a warning, anything else critical ' +
      "(which opens the job's critical incident, its description the last --tail-lines lines of output).\n\n" +
      "Exits with the command's own status (128+N when signal N killed it); SIGINT, SIGTERM and SIGHUP are " +
      'passed on to the command. When the daemon cannot be reached the command still runs, and one warning goes ' +
      'to stderr.\n\n' +
      'Flags come before the command; "--" before it is optional, unless it starts with "-".',
    usage: 'exec <code> [flags] -- <command> [args…]',
    args: { min: 0, max: Number.POSITIVE_INFINITY },
    flagsUntilArg: 2,
    flags: [
      {
        name: 'comment',
        type: 'string',
        placeholder: '<text>',
        description: 'Start comment of the run (default: the command line)',
      },
      ...JOB_RULE_FLAGS,
      {
        name: 'skip-if-running',
        type: 'boolean',
        description:
          'Do not run the command while another run of this job is going on this host (started with this flag or not): record a skipped run and exit 0',
      },
      {
        name: 'warning-exit-codes',
        type: 'string',
        placeholder: '<codes>',
        description: 'Exit codes that make the run a warning rather than critical, comma-separated (e.g. 1,2)',
      },
      {
        name: 'tail-lines',
        type: 'string',
        placeholder: '<n>',
        description: "How many last lines of output describe the run's end and its incident (default 20, 0 for none)",
      },
    ],
    examples: [
      'timon exec db.backup --stale-incident-after 26h -- borg create --stats /backup::{now} /srv',
      'timon exec db.backup --schedule "0 3 * * *" --tz Europe/Berlin --min-runtime 1m -- borg create /backup::{now} /srv',
      'timon exec nightly.sync --skip-if-running --overtime-incident-after 30m -- rsync -a /src/ /dst/',
      "timon exec report.mail --warning-exit-codes 1 -- sh -c 'generate-report | mail -s report ops'",
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(exec.spec, args)
    if (args.args.length === 0) checks.fail('requires a job code and a command: timon exec <code> -- <command> [args…]')
    const code = checks.check(validateCode(checks.arg(0)))
    const [file, ...rest] = args.args.slice(1)
    if (file === undefined || file === '')
      return checks.fail('requires the command to run after the job code: timon exec <code> -- <command> [args…]')
    const comment = checks.optionalText('comment', validateComment)
    const rules = jobRules(checks, args)
    const warningCodes = exitCodes(checks, checks.optional('warning-exit-codes'))
    const tailLines = lineCount(checks, checks.optional('tail-lines'))

    // Loaded on use: `timon push` and the other commands never load child_process.
    const { runExec } = await import('../exec/run-exec.js')
    return runExec(ctx, {
      code,
      command: [file, ...rest],
      comment,
      start: { code, ...rules },
      skipIfRunning: args.boolean('skip-if-running') === true,
      warningCodes,
      tailLines,
    })
  },
}

// --- internal ---

/** `--warning-exit-codes 1,2`: exit codes 1–255, comma-separated. */
function exitCodes(checks: Checks, text: string | undefined): ReadonlySet<number> {
  if (text === undefined) return new Set()
  const codes = new Set<number>()
  for (const part of text.split(',')) {
    const word = part.trim()
    const code = /^[0-9]{1,3}$/.test(word) ? Number(word) : Number.NaN
    if (!(code >= 1 && code <= 255))
      checks.fail(`invalid --warning-exit-codes "${text}" \u2014 must be exit codes 1\u2013255 separated by commas`)
    codes.add(code)
  }
  return codes
}

/** `--tail-lines N`: 0 to 1000, default 20. */
function lineCount(checks: Checks, text: string | undefined): number {
  if (text === undefined) return DEFAULT_TAIL_LINES
  const count = /^[0-9]{1,4}$/.test(text) ? Number(text) : Number.NaN
  if (!(count >= 0 && count <= MAX_TAIL_LINES))
    checks.fail(`invalid --tail-lines "${text}" \u2014 must be a whole number from 0 to ${MAX_TAIL_LINES}`)
  return count
}

const DEFAULT_TAIL_LINES = 20
const MAX_TAIL_LINES = 1000
