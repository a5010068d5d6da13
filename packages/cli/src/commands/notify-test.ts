import { JSON_FLAG, type Command } from '../command.js'
import { Checks, call } from './shared.js'

/** `timon notify test [<name>]`: a `timon.test` event through one target or all, with their answers. */
export const notifyTest: Command = {
  spec: {
    name: 'notify test',
    summary: 'Send a test notification through the notifier targets',
    description:
      'Send a timon.test event through one webhook, email or command target (all of them when no name is given), ' +
      'whatever its `on` list, once and without retries, and print whether each delivered it or why it failed. ' +
      'Nothing is recorded in the outbox. Exits with status 1 when any target failed.',
    usage: 'notify test [<name>] [flags]',
    args: { min: 0, max: 1 },
    flags: [JSON_FLAG],
    examples: ['timon notify test', 'timon notify test ops-mail'],
  },
  async run(ctx, args) {
    const checks = new Checks(notifyTest.spec, args)
    const name = checks.arg(0)
    const results = await call(ctx, (client) => client.notifyTest(name === '' ? undefined : name))
    if (args.boolean('json') === true) await ctx.printJson({ results })
    else if (results.length === 0) ctx.print('no notifier targets are configured\n')
    else {
      const width = Math.max(...results.map((result) => result.target.length))
      for (const result of results) {
        const outcome = result.delivered
          ? ctx.style.green('delivered')
          : `${ctx.style.red('failed')}: ${result.error ?? 'unknown reason'}`
        ctx.print(`${result.target.padEnd(width)}  ${outcome}\n`)
      }
    }
    return results.every((result) => result.delivered) ? 0 : 1
  },
}
