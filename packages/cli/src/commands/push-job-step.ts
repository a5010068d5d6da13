import { parseReportRef, validateComment, validateHealth, validateLabel } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { Checks, call } from './shared.js'

/** `timon push job step <code:run-uid> <label> <health>`: records a step of a running run. */
export const pushJobStep: Command = {
  spec: {
    name: 'push job step',
    summary: 'Push a step to an ongoing job run',
    description: 'Push a step to an ongoing job run. The run uid is passed in the code argument: <code>:<run-uid>.',
    usage: 'push job step <code:run-uid> <label> <healthy|warning|critical> [flags]',
    args: { min: 3, max: 3 },
    flags: [
      {
        name: 'end',
        type: 'boolean',
        description: 'End the run after this step; the step label is the end comment unless --end-comment is set',
      },
      {
        name: 'end-comment',
        type: 'string',
        placeholder: '<text>',
        description: 'Override the end comment (only with --end)',
      },
      JSON_FLAG,
    ],
    examples: [
      'timon push job step nightly.sync:$TIMON_JOB_RUN "Exported data" healthy',
      'timon push job step nightly.sync:$TIMON_JOB_RUN "Sent report" healthy --end',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(pushJobStep.spec, args)
    const ref = checks.check(parseReportRef(args.args[0] ?? ''))
    const label = checks.check(validateLabel(args.args[1] ?? ''))
    const health = checks.check(validateHealth(checks.arg(2)))
    const end = args.boolean('end') === true
    // Decisions, Q-30: the original ignored --end-comment without --end; it is a mistake.
    if (!end && args.has('end-comment')) checks.fail('--end-comment can only be used with --end')
    const endComment = checks.optionalText('end-comment', validateComment)

    const result = await call(ctx, (client) =>
      client.pushStep({ code: ref.code, uid: ref.uid, label, health, end: end ? true : undefined, endComment }),
    )
    if (args.boolean('json') === true) await ctx.printJson(result)
  },
}
