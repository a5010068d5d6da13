import { validateCode, validateComment } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { JOB_RULE_FLAGS, jobRules } from './rule-flags.js'
import { Checks, call } from './shared.js'

/** `timon push job start <code>`: starts a job run and prints its uid (and a newline). */
export const pushJobStart: Command = {
  spec: {
    name: 'push job start',
    summary: 'Start a new job run and print its uid',
    description:
      'Start a new job run. Prints the run uid, which must be passed to subsequent step and end calls ' +
      '(as <code>:<uid>).\n\nRules are sticky: a rule given once stays in force for later runs until changed, and "off" removes it.',
    usage: 'push job start <code> [flags]',
    args: { min: 1, max: 1 },
    flags: [
      { name: 'comment', type: 'string', placeholder: '<text>', description: 'Optional start comment' },
      ...JOB_RULE_FLAGS,
      JSON_FLAG,
    ],
    examples: [
      'TIMON_JOB_RUN=$(timon push job start nightly.sync --overtime-incident-after 30m --stale-after 25h --stale-incident-after 26h)',
      'TIMON_JOB_RUN=$(timon push job start db.backup --schedule "0 3 * * *" --tz Europe/Berlin --grace 10m --min-runtime 1m)',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(pushJobStart.spec, args)
    const code = checks.check(validateCode(checks.arg(0)))
    const comment = checks.optionalText('comment', validateComment)
    const rules = jobRules(checks, args)

    const result = await call(ctx, (client) => client.startJob({ code, comment, ...rules }))
    if (args.boolean('json') === true) await ctx.printJson(result)
    else ctx.print(`${result.run.uid}\n`)
  },
}
