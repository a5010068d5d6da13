import { JSON_FLAG, type Command } from '../command.js'
import { Checks, call } from './shared.js'

/** `timon deliveries retry <delivery-id> | --failed`: queues failed deliveries again. */
export const deliveriesRetry: Command = {
  spec: {
    name: 'deliveries retry',
    summary: 'Queue failed deliveries again',
    description:
      'Queue a failed delivery again (its id as `timon deliveries` shows it, `12` or `#12`), or every failed one with ' +
      '--failed. They keep their delivery id (X-Timon-Delivery), so receivers can still recognise duplicates, and get ' +
      "their target's retries afresh.",
    usage: 'deliveries retry <delivery-id> | --failed',
    args: { min: 0, max: 1 },
    flags: [{ name: 'failed', type: 'boolean', description: 'Queue every failed delivery again' }, JSON_FLAG],
    examples: ['timon deliveries retry 12', 'timon deliveries retry --failed'],
  },
  async run(ctx, args) {
    const checks = new Checks(deliveriesRetry.spec, args)
    const all = args.boolean('failed') === true
    const given = checks.arg(0)
    if (all === (given !== '')) return checks.fail('give either a delivery id or --failed')
    let which: { readonly id: number } | 'failed' = 'failed'
    if (!all) {
      const digits = /^#?([0-9]{1,15})$/.exec(given)?.[1]
      if (digits === undefined || Number(digits) === 0)
        return checks.fail(`invalid delivery id "${given}" \u2014 expected a number such as 12 or #12`)
      which = { id: Number(digits) }
    }
    const result = await call(ctx, (client) => client.retryDeliveries(which))
    if (args.boolean('json') === true) await ctx.printJson(result)
    else ctx.print(`${result.requeued} ${result.requeued === 1 ? 'delivery' : 'deliveries'} queued again\n`)
  },
}
