import { validateCode, validateComment, validateHealth } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { PROBE_RULE_FLAGS, probeRules } from './rule-flags.js'
import { Checks, call } from './shared.js'

/** `timon push probe <code> <healthy|warning|critical>`: pushes a probe sample. Prints nothing. */
export const pushProbe: Command = {
  spec: {
    name: 'push probe',
    summary: 'Push a health report for a probe',
    description:
      'Push a health report for a probe. Creates the probe automatically on first push.\n\n' +
      'Rules are sticky: a rule given once stays in force for later pushes until changed, and "off" removes it.',
    usage: 'push probe <code> <healthy|warning|critical> [flags]',
    args: { min: 2, max: 2 },
    flags: [
      {
        name: 'comment',
        type: 'string',
        placeholder: '<text>',
        description: 'Optional comment attached to this sample',
      },
      ...PROBE_RULE_FLAGS,
      JSON_FLAG,
    ],
    examples: [
      'timon push probe myapp.health healthy --comment "All good" --stale-after 5m --stale-incident-after 15m',
      'timon push probe disk.space critical --failure-threshold 3 --schedule "*/10 * * * *"',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(pushProbe.spec, args)
    const code = checks.check(validateCode(checks.arg(0)))
    const health = checks.check(validateHealth(checks.arg(1)))
    const comment = checks.optionalText('comment', validateComment)
    const rules = probeRules(checks)

    const result = await call(ctx, (client) => client.pushProbe({ code, health, comment, ...rules }))
    if (args.boolean('json') === true) await ctx.printJson(result)
  },
}
