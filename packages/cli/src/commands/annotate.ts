import { parseIncidentCode, validateNote } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { Checks, call } from './shared.js'

/** `timon annotate <INC-id> <note>`: adds a note to an incident's timeline. Prints nothing. */
export const annotate: Command = {
  spec: {
    name: 'annotate',
    summary: "Add a note to an incident's timeline",
    usage: 'annotate <INC-id> <note> [flags]',
    args: { min: 2, max: 2 },
    flags: [JSON_FLAG],
    examples: ['timon annotate INC-7 "Contacted Stripe support, ticket #8821"'],
  },
  async run(ctx, args) {
    const checks = new Checks(annotate.spec, args)
    const id = checks.check(parseIncidentCode(checks.arg(0)))
    const note = checks.check(validateNote(args.args[1] ?? ''))

    const result = await call(ctx, (client) => client.annotate({ id, note }))
    if (args.boolean('json') === true) await ctx.printJson(result)
  },
}
