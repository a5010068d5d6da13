import { validateCode, validateComment } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { MIN_RUNTIME_FLAG, SCHEDULE_FLAGS, scheduleRules } from './rule-flags.js'
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
      {
        name: 'stale-after',
        type: 'string',
        placeholder: '<duration>',
        description: 'Flag the job as stale if no run arrives within this delay ("off" removes the rule)',
      },
      {
        name: 'stale-incident-after',
        type: 'string',
        placeholder: '<duration>',
        description: 'Same as --stale-after, and also opens an incident ("off" removes the rule)',
      },
      {
        name: 'overtime-incident-after',
        type: 'string',
        placeholder: '<duration>',
        description: 'Open an incident if the run lasts longer than this delay ("off" removes the rule)',
      },
      {
        name: 'overlap-incident',
        type: 'boolean',
        description:
          'Open an incident if a run starts while another is running (default: true; --overlap-incident=false disables)',
      },
      ...SCHEDULE_FLAGS,
      MIN_RUNTIME_FLAG,
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
    const staleAfter = checks.rule('stale-after')
    const staleIncidentAfter = checks.rule('stale-incident-after')
    const overtimeIncidentAfter = checks.rule('overtime-incident-after')
    checks.staleOrder(staleAfter, staleIncidentAfter)
    const scheduled = scheduleRules(checks)
    const minRuntime = checks.rule('min-runtime')

    const result = await call(ctx, (client) =>
      client.startJob({
        code,
        comment,
        staleAfter: staleAfter?.text,
        staleIncidentAfter: staleIncidentAfter?.text,
        overtimeIncidentAfter: overtimeIncidentAfter?.text,
        overlapIncident: args.boolean('overlap-incident'),
        ...scheduled,
        minRuntime: minRuntime?.text,
      }),
    )
    if (args.boolean('json') === true) await ctx.printJson(result)
    else ctx.print(`${result.run.uid}\n`)
  },
}
