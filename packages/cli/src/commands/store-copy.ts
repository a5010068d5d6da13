import { JSON_FLAG, type Command } from '../command.js'
import { CliError } from '../errors.js'
import { Checks } from './shared.js'

/** `timon store copy <from> <to>`: a whole history from one store to another, ids kept, idempotently. */
export const storeCopy: Command = {
  spec: {
    name: 'store copy',
    summary: 'Copy a whole history from one store to another (SQLite, PostgreSQL)',
    description:
      'Copy every contract, report, step, incident with its timeline, delivery, token and silence from <from> to ' +
      '<to>, ids kept (INC-<id> codes stay the same), in one transaction: all or nothing. <to> is created and migrated ' +
      "when needed; both must be at this Timon's schema version. Running it again copies nothing new; a row of <to> " +
      'with the same id but other content is reported as a conflict and nothing is copied. Stores are sqlite:<path> or ' +
      'postgres://user@host/db[?schema=name]. Stop the daemons serving <to> first (a PostgreSQL <to> with a daemon seen in the last minute is refused); <from> may stay in use.',
    usage: 'store copy <from> <to> [flags]',
    args: { min: 2, max: 2 },
    flags: [JSON_FLAG],
    examples: ['timon store copy sqlite:/var/lib/timon/timon.db postgres://timon@db.example.com/timon'],
  },
  async run(ctx, args) {
    const checks = new Checks(storeCopy.spec, args)
    const { copyStore, parseStoreLocation } = await import('@timon/socket-daemon')
    const [from, to] = args.args.map((text) =>
      parseStoreLocation(text).match(
        (location) => location,
        (message) => checks.fail(message),
      ),
    )
    if (from === undefined || to === undefined) return checks.fail('give <from> and <to>')
    const copied = await copyStore(from, to)
    if (copied.isErr()) {
      const error = copied.error
      const conflicts =
        error.kind === 'conflict'
          ? error.conflicts
              .slice(0, MAX_CONFLICTS_SHOWN)
              .map(
                (c) =>
                  `\n  ${c.table} ${c.key}: ${c.columns.length > 0 ? `differs in ${c.columns.join(', ')}` : 'another row holds one of its unique values'}`,
              )
          : []
      throw new CliError(`${error.message}${conflicts.join('')}`, { code: error.kind })
    }
    const { tables } = copied.value
    if (args.boolean('json') === true) {
      await ctx.printJson({ tables })
      return
    }
    const width = Math.max(...tables.map(({ table }) => table.length))
    const lines = tables.map(
      ({ table, copied: n, present }) => `${table.padEnd(width)}  ${n} copied, ${present} already there\n`,
    )
    const total = tables.reduce((sum, { copied: n }) => sum + n, 0)
    ctx.print(`${lines.join('')}${total} row(s) copied\n`)
  },
}

// --- internal ---

const MAX_CONFLICTS_SHOWN = 10
