import { parseIncidentCode, validateNote } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { Checks, call } from './shared.js'

/** `timon resolve <INC-id> [--note <text>]`: marks an incident resolved. Prints nothing. */
export const resolve: Command = {
  spec: {
    name: 'resolve',
    summary: 'Mark an incident as resolved',
    usage: 'resolve <INC-id> [flags]',
    args: { min: 1, max: 1 },
    flags: [
      {
        name: 'note',
        type: 'string',
        placeholder: '<text>',
        description: "A note added to the incident's timeline with the resolution",
      },
      JSON_FLAG,
    ],
    examples: [
      'timon resolve INC-7',
      'timon resolve INC-7 --note "Fixed by rolling back the payment service to v2.4.1"',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(resolve.spec, args)
    const id = checks.check(parseIncidentCode(checks.arg(0)))
    const note = checks.optionalText('note', validateNote)

    const result = await call(ctx, (client) => client.resolve({ id, note }))
    if (args.boolean('json') === true) await ctx.printJson(result)
  },
}
