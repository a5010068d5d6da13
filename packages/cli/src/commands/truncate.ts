import { validateCode } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { Checks, call } from './shared.js'

/**
 * `timon truncate [<code>] [--keep d] [--keep-healthy d] [--keep-warning d] [--keep-critical d]
 * [--keep-incidents d] [--keep-deliveries d]`: deletes old samples, runs, resolved incidents and
 * finished notification deliveries by age. Prints nothing (with `--json`, what was deleted).
 */
export const truncate: Command = {
  spec: {
    name: 'truncate',
    summary: 'Bulk-delete old samples, runs, resolved incidents and finished deliveries',
    description:
      'Bulk-delete old samples, runs, and resolved incidents based on retention durations. Items linked to active ' +
      'incidents, and the latest sample or run of each probe or job, are silently kept.\n\n' +
      '--keep is mutually exclusive with --keep-healthy, --keep-warning and --keep-critical. At least one flag is required.\n' +
      'Omitted health flags inherit from the next higher severity: --keep-healthy defaults to --keep-warning, ' +
      'which defaults to --keep-critical. Unfinished runs with no warning or critical step count as critical.',
    usage: 'truncate [<code>] [flags]',
    args: { min: 0, max: 1 },
    flags: [
      {
        name: 'keep',
        type: 'string',
        placeholder: '<duration>',
        description: 'Delete samples and runs older than this (shorthand for all three health flags)',
      },
      {
        name: 'keep-healthy',
        type: 'string',
        placeholder: '<duration>',
        description: 'Retention for healthy samples and runs',
      },
      {
        name: 'keep-warning',
        type: 'string',
        placeholder: '<duration>',
        description: 'Retention for warning samples and runs',
      },
      {
        name: 'keep-critical',
        type: 'string',
        placeholder: '<duration>',
        description: 'Retention for critical samples and runs',
      },
      {
        name: 'keep-incidents',
        type: 'string',
        placeholder: '<duration>',
        description: 'Delete resolved incidents older than this',
      },
      {
        name: 'keep-deliveries',
        type: 'string',
        placeholder: '<duration>',
        description: 'Delete notification deliveries delivered or failed longer ago than this (not with a code)',
      },
      JSON_FLAG,
    ],
    examples: [
      'timon truncate --keep 30d                             # all samples and runs older than 30 days',
      'timon truncate myapp.health --keep 30d                # samples of a single probe',
      'timon truncate --keep-healthy 7d --keep-critical 90d  # warning inherits critical: 90d',
      'timon truncate --keep-incidents 180d                  # resolved incidents only',
      'timon truncate --keep-deliveries 30d                  # the outbox: deliveries finished over 30 days ago',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(truncate.spec, args)
    const codeArg = checks.arg(0)
    const code = codeArg === '' ? undefined : checks.check(validateCode(codeArg))
    const given = (name: string) => checks.optional(name) !== undefined
    if (!KEEP_FLAGS.some(given)) checks.fail('at least one --keep flag is required')
    if (given('keep') && HEALTH_FLAGS.some(given)) {
      checks.fail('--keep cannot be combined with --keep-healthy, --keep-warning, or --keep-critical')
    }
    const keep = checks.retention('keep')
    const keepHealthy = checks.retention('keep-healthy')
    const keepWarning = checks.retention('keep-warning')
    const keepCritical = checks.retention('keep-critical')
    const keepIncidents = checks.retention('keep-incidents')
    const keepDeliveries = checks.retention('keep-deliveries')

    const result = await call(ctx, (client) =>
      client.truncate({ code, keep, keepHealthy, keepWarning, keepCritical, keepIncidents, keepDeliveries }),
    )
    if (args.boolean('json') === true) await ctx.printJson(result)
  },
}

// --- internal ---

const HEALTH_FLAGS = ['keep-healthy', 'keep-warning', 'keep-critical']
const KEEP_FLAGS = ['keep', ...HEALTH_FLAGS, 'keep-incidents', 'keep-deliveries']
