import { goQuote, parseTarget } from '@timon/core/lite'
import type { Command } from '../command.js'
import { Checks, call } from './shared.js'

/**
 * `timon logs <code | code:uid> [--follow]`: prints the log of a run of `timon exec`, stdout lines
 * on stdout and stderr lines on stderr, bytes as they were.
 */
export const logs: Command = {
  spec: {
    name: 'logs',
    summary: 'Print the output of a run of "timon exec"',
    description:
      'Print the output a run of "timon exec" left in its log: its stdout on stdout and its stderr on stderr, ' +
      "byte for byte. Given a job code, the job's latest run (skipped runs aside).\n\n" +
      'With --follow, a run still going is followed: new output is printed as it comes, until the run ends.',
    usage: 'logs <code | code:uid> [flags]',
    args: { min: 1, max: 1 },
    flags: [
      { name: 'follow', short: 'f', type: 'boolean', description: 'Keep printing new output until the run ends' },
    ],
    examples: [
      'timon logs nightly.sync                  # the latest run',
      'timon logs nightly.sync:3f2a9c1b7d4e -f   # follow a run still going',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(logs.spec, args)
    const target = checks.arg(0)
    if (checks.check(parseTarget(target)).kind === 'incident') {
      checks.fail(`invalid target ${goQuote(target)} \u2014 logs are kept for job runs: give <code> or <code>:<uid>`)
    }
    const chunks = await call(ctx, (client) => client.readLog(target, { follow: args.boolean('follow') === true }))
    for await (const chunk of chunks) {
      if (chunk.stream === 'note') {
        ctx.io.stderr.write(`[timon] ${Buffer.from(chunk.bytes).toString('utf8')}\n`)
        continue
      }
      const out = chunk.stream === 'stdout' ? ctx.io.stdout : ctx.io.stderr
      if (out.writeBytes === undefined) out.write(Buffer.from(chunk.bytes).toString('utf8'))
      // The reader went away (`timon logs … | head`): stop quietly.
      else if (!(await out.writeBytes(chunk.bytes))) return
    }
  },
}
