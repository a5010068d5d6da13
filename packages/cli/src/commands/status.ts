import type { ContractOverview, StatusView } from '@timon/core'
import { JSON_FLAG, type Command } from '../command.js'
import { formatStatus } from '../format/status.js'
import { call } from './shared.js'

/** `timon status`: active incidents and the health of every probe and job. */
export const status: Command = {
  spec: {
    name: 'status',
    summary: 'Show active incidents and the health of all probes and jobs',
    description:
      'Show active incidents and the health of all known probes and jobs.\nFor a live view: watch -n2 timon status',
    usage: 'status [flags]',
    args: { min: 0, max: 0 },
    flags: [JSON_FLAG],
  },
  async run(ctx, args) {
    // The API pages contracts; the command shows them all.
    const first = await call(ctx, (client) => client.status())
    const contracts: ContractOverview[] = [...first.contracts]
    let next = first.next
    while (next !== undefined) {
      const after = next
      const page = await call(ctx, (client) => client.status({ after }))
      contracts.push(...page.contracts)
      next = page.next
    }
    const view: StatusView = { ...first, contracts, next: undefined }
    if (args.boolean('json') === true) await ctx.printJson(view)
    else ctx.print(formatStatus(view, ctx.io.now(), ctx.style))
  },
}
