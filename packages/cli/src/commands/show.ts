import { parseTarget } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { formatShow } from '../format/show.js'
import { Checks, call } from './shared.js'

/** `timon show <target>`: a probe or job, one sample or run, or an incident. */
export const show: Command = {
  spec: {
    name: 'show',
    summary: 'Show a probe, job, sample, run or incident',
    description:
      'Show details of a probe, job, specific run/sample, or incident.\n' +
      'For a probe or job, the 20 most recent samples or runs are listed (see --limit and --all).',
    usage: 'show <code | code:uid | INC-id> [flags]',
    args: { min: 1, max: 1 },
    flags: [
      {
        name: 'limit',
        type: 'string',
        placeholder: '<n>',
        description: 'How many of the most recent samples or runs to list (default 20)',
      },
      { name: 'all', type: 'boolean', description: 'List every sample or run' },
      JSON_FLAG,
    ],
    examples: [
      'timon show myapp.health          # probe overview + sample history',
      'timon show myapp.health:<uid>    # specific probe sample',
      'timon show nightly.sync:<uid>    # specific job run with steps',
      'timon show INC-7                 # incident details + timeline',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(show.spec, args)
    const target = checks.arg(0)
    checks.check(parseTarget(target))
    const limit = checks.positiveInteger('limit')
    const all = args.boolean('all') === true
    if (all && limit !== undefined) checks.fail('--limit cannot be combined with --all')

    const view = await call(ctx, (client) =>
      client.show(target, { ...(limit === undefined ? {} : { limit }), ...(all ? { all } : {}) }),
    )
    if (args.boolean('json') === true) await ctx.printJson(view)
    else ctx.print(formatShow(view, ctx.io.now(), ctx.style))
  },
}
