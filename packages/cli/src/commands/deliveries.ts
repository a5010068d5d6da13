import type { Delivery, DeliveryStatus } from '@timon/core'
import { JSON_FLAG, type Command } from '../command.js'
import { formatDeliveries } from '../format/deliveries.js'
import { Checks, call } from './shared.js'

/** `timon deliveries`: webhook deliveries that failed or are still pending (or of one status). */
export const deliveries: Command = {
  spec: {
    name: 'deliveries',
    summary: 'List failed and pending webhook deliveries',
    description:
      'List webhook deliveries, newest first: by default the failed ones (given up after their retries) and the ' +
      'pending ones (waiting for a retry).',
    usage: 'deliveries [flags]',
    args: { min: 0, max: 0 },
    flags: [
      {
        name: 'status',
        type: 'string',
        placeholder: '<status>',
        description: 'Only deliveries with this status: pending, delivered or failed',
      },
      {
        name: 'limit',
        type: 'string',
        placeholder: '<n>',
        description: 'At most this many of each status (default 100)',
      },
      JSON_FLAG,
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(deliveries.spec, args)
    const status = checks.optional('status')
    let statuses: readonly DeliveryStatus[] = ['failed', 'pending']
    if (status !== undefined) {
      if (!isStatus(status))
        return checks.fail(`invalid --status "${status}" \u2014 must be one of: ${STATUSES.join(', ')}`)
      statuses = [status]
    }
    const limit = checks.positiveInteger('limit')

    const found: Delivery[] = []
    for (const one of statuses) {
      found.push(
        ...(await call(ctx, (client) => client.deliveries({ status: one, ...(limit === undefined ? {} : { limit }) }))),
      )
    }
    found.sort((a, b) => b.id - a.id)
    if (args.boolean('json') === true) await ctx.printJson({ deliveries: found })
    else ctx.print(formatDeliveries(found, ctx.io.now(), ctx.style))
  },
}

// --- internal ---

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed']

function isStatus(value: string): value is DeliveryStatus {
  return (STATUSES as readonly string[]).includes(value)
}
