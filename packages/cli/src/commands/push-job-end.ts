import { parseReportRef, validateComment } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { Checks, call } from './shared.js'

/** `timon push job end <code:run-uid>`: ends a running run. Prints nothing. */
export const pushJobEnd: Command = {
  spec: {
    name: 'push job end',
    summary: 'End a job run',
    description:
      'End a job run: an alternative to passing --end to the last step when the run ends in a separate call.',
    usage: 'push job end <code:run-uid> [flags]',
    args: { min: 1, max: 1 },
    flags: [{ name: 'comment', type: 'string', placeholder: '<text>', description: 'Optional end comment' }, JSON_FLAG],
    examples: ['timon push job end nightly.sync:$TIMON_JOB_RUN --comment "Backup OK"'],
  },
  async run(ctx, args) {
    const checks = new Checks(pushJobEnd.spec, args)
    const ref = checks.check(parseReportRef(args.args[0] ?? ''))
    const comment = checks.optionalText('comment', validateComment)

    const result = await call(ctx, (client) => client.endJob({ code: ref.code, uid: ref.uid, comment }))
    if (args.boolean('json') === true) await ctx.printJson(result)
  },
}
