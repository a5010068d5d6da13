import { goQuote, parseTarget } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { CliError } from '../errors.js'
import { Checks, call } from './shared.js'

/**
 * `timon delete <code | code:uid | INC-id>`: permanently deletes a probe or job with its history,
 * one sample or run, or an incident. Prints nothing.
 *
 * Without `--yes` it asks on a terminal, after checking that the target exists (decisions, Q-26);
 * `y` or `yes` confirms, anything else aborts. Without a terminal it refuses unless `--yes`.
 */
export const deleteCommand: Command = {
  spec: {
    name: 'delete',
    summary: 'Permanently delete a probe, job, sample, run or incident',
    description:
      'Permanently delete a probe or job (and all its history), a specific sample or run, or an incident.\n' +
      'Prompts for confirmation unless --yes is passed; without a terminal, --yes is required.\n\n' +
      'Deletion is refused if the target is linked to an active incident, or if an incident is not yet resolved. ' +
      'Use --force to override.',
    usage: 'delete <code | code:uid | INC-id> [flags]',
    args: { min: 1, max: 1 },
    flags: [
      {
        name: 'force',
        type: 'boolean',
        description: 'Delete even if linked to an active incident, or an unresolved incident',
      },
      { name: 'yes', short: 'y', type: 'boolean', description: 'Skip the confirmation prompt' },
      JSON_FLAG,
    ],
    examples: [
      'timon delete myapp.health           # delete probe and all its samples',
      'timon delete nightly.sync:abc123def456  # delete a specific run',
      'timon delete INC-7                  # delete a resolved incident',
      'timon delete myapp.health --force   # delete even if linked to an active incident',
      'timon delete myapp.health --yes     # skip confirmation prompt',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(deleteCommand.spec, args)
    const target = checks.arg(0)
    checks.check(parseTarget(target))
    const force = args.boolean('force') === true

    if (args.boolean('yes') !== true) {
      if (ctx.io.stdin.isTTY !== true) {
        throw new CliError(
          `refusing to delete ${goQuote(target)} without confirmation: standard input is not a terminal (pass --yes)`,
        )
      }
      // Ask only about something that exists.
      await call(ctx, (client) => client.show(target, { limit: 1 }))
      const answer = await ctx.io.stdin.question(`Are you sure you want to delete ${goQuote(target)}? [y/N] `)
      if (!CONFIRMATIONS.has((answer ?? '').trim().toLowerCase())) {
        ctx.io.stderr.write('Aborted.\n')
        return
      }
    }

    const deleted = await call(ctx, (client) => client.delete(target, force ? { force } : {}))
    if (args.boolean('json') === true) await ctx.printJson({ deleted })
  },
}

// --- internal ---

const CONFIRMATIONS = new Set(['y', 'yes'])
