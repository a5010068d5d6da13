import { JSON_FLAG, type Command } from '../command.js'
import { CliError } from '../errors.js'
import { Checks } from './shared.js'

/**
 * `timon spool [flush]`: lists the pushes kept while the daemon could not be reached, oldest
 * first, or sends them now (they are sent anyway before the next push that reaches the daemon).
 */
export const spool: Command = {
  spec: {
    name: 'spool',
    summary: 'List the pushes waiting in the spool, or send them now (flush)',
    description:
      'When the daemon cannot be reached (or fails), pushes are kept in a local spool with their original time, ' +
      'and sent first, in order, by the next command that reaches it. The spool is on by default for a remote daemon ' +
      '(TIMON_URL), off for the local socket ([client] spool, TIMON_SPOOL=0|1).\n\n' +
      '"timon spool" lists the waiting pushes; "timon spool flush" sends them now.',
    usage: 'spool [flush] [flags]',
    args: { min: 0, max: 1 },
    flags: [JSON_FLAG],
    examples: ['timon spool', 'timon spool flush'],
  },
  async run(ctx, args) {
    const checks = new Checks(spool.spec, args)
    const action = args.args[0]
    if (action !== undefined && action !== 'flush')
      checks.fail(`unknown spool action "${action}": the only one is "flush"`)
    const json = args.boolean('json') === true
    if (action === 'flush') {
      const client = await ctx.client()
      if (client.flush === undefined)
        throw new CliError('the spool is off (TIMON_SPOOL, [client] spool): there is nothing to flush', {
          code: 'usage',
        })
      const report = await client.flush()
      if (json) await ctx.printJson({ sent: report.sent, dropped: report.dropped, left: report.left })
      else ctx.print(`${report.sent} sent, ${report.dropped} dropped, ${report.left} waiting\n`)
      if (report.stopped !== undefined) throw new CliError(report.stopped.message, { code: report.stopped.code })
      return
    }
    const [{ readClientSettings }, { SpoolDir }, { describe }] = await Promise.all([
      import('@timon/client'),
      import('../spool/spool-dir.js'),
      import('../spool/spooling-client.js'),
    ])
    const settings = readClientSettings(ctx.io.env)
    if (!settings.ok) throw new CliError(settings.message, { code: 'usage' })
    const entries = new SpoolDir(settings.value.spoolDir).list()
    if (json) {
      await ctx.printJson({
        dir: settings.value.spoolDir,
        entries: entries.map((listed) =>
          'entry' in listed
            ? { name: listed.name, operation: listed.entry.operation, input: listed.entry.input }
            : listed,
        ),
      })
      return
    }
    if (entries.length === 0) {
      ctx.print(`the spool is empty (${settings.value.spoolDir})\n`)
      return
    }
    for (const listed of entries)
      ctx.print(`${'entry' in listed ? describe(listed.entry) : `${listed.name}: ${listed.problem}`}\n`)
  },
}
