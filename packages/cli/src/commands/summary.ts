import { JSON_FLAG, type Command } from '../command.js'
import { formatSummary } from '../format/summary.js'
import { call } from './shared.js'

/** `timon summary [--short]`: a one-line health summary for prompts and status bars. */
export const summary: Command = {
  spec: {
    name: 'summary',
    summary: 'Print a one-line health summary',
    description: 'Print a one-line health summary. Useful for shell prompts or status bars.',
    usage: 'summary [flags]',
    args: { min: 0, max: 0 },
    flags: [
      { name: 'short', type: 'boolean', description: 'Leave out the lists of critical and stale codes' },
      JSON_FLAG,
    ],
  },
  async run(ctx, args) {
    const view = await call(ctx, (client) => client.summary())
    if (args.boolean('json') === true) await ctx.printJson(view)
    else ctx.print(formatSummary(view, { short: args.boolean('short') === true, style: ctx.style }))
  },
}
