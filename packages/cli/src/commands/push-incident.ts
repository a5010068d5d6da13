import { formatIncidentCode, optionalText, validateDescription, validateTitle } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { Checks, call } from './shared.js'

/** `timon push incident <title> [description]`: opens a manual incident and prints `INC-<id>`. */
export const pushIncident: Command = {
  spec: {
    name: 'push incident',
    summary: 'Manually open an incident and print its code',
    description: 'Manually open an incident. Prints the incident code (INC-<id>).',
    usage: 'push incident <title> [description] [flags]',
    args: { min: 1, max: 2 },
    flags: [JSON_FLAG],
    examples: ['timon push incident "Payment gateway down" "Stripe returning 503 since 14:32"'],
  },
  async run(ctx, args) {
    const checks = new Checks(pushIncident.spec, args)
    const title = checks.check(validateTitle(args.args[0] ?? ''))
    const description = checks.check(optionalText(args.args[1], validateDescription))

    const result = await call(ctx, (client) => client.openIncident({ title, description }))
    if (args.boolean('json') === true) await ctx.printJson(result)
    else ctx.print(`${formatIncidentCode(result.incident.id)}\n`)
  },
}
