import type { MaintenanceInForce, Silence } from '@timon/core'
import { formatSilenceCode, parseSilenceCode, validateComment } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { formatTable, type Row } from '../format/tabwriter.js'
import { quoted } from '../format/common.js'
import { Checks, call } from './shared.js'

/** `timon silence add <code-glob> (--for D | --until T) [--comment TEXT]`: prints the new silence's `SIL-<id>`. */
export const silenceAdd: Command = {
  spec: {
    name: 'silence add',
    summary: 'Silence the notifications of the codes a glob matches, for a while',
    description:
      'While a silence is in force the incidents of the codes it matches still open, recover and relapse, but nothing is ' +
      'notified. When it ends, each incident still open or relapsed is notified once. Prints the silence as SIL-<id>.',
    usage: 'silence add <code-glob> (--for <duration> | --until <RFC3339>) [flags]',
    args: { min: 1, max: 1 },
    flags: [
      { name: 'for', type: 'string', placeholder: '<duration>', description: 'How long it lasts from now (e.g. 2h)' },
      {
        name: 'until',
        type: 'string',
        placeholder: '<RFC3339>',
        description: 'When it ends (e.g. 2026-01-31T18:00:00Z)',
      },
      { name: 'comment', type: 'string', placeholder: '<text>', description: 'Why (shown by silence list)' },
    ],
    examples: [
      'timon silence add "db.*" --for 2h --comment "disk swap"',
      'timon silence add web.shop --until 2026-01-31T18:00:00Z',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(silenceAdd.spec, args)
    const pattern = checks.arg(0)
    const duration = checks.optional('for')
    const until = checks.optional('until')
    if ((duration === undefined) === (until === undefined)) checks.fail('give either --for or --until')
    const comment = checks.optionalText('comment', validateComment)
    const silence = await call(ctx, (client) =>
      client.addSilence({
        pattern,
        ...(duration === undefined ? {} : { for: duration }),
        ...(until === undefined ? {} : { until }),
        comment,
      }),
    )
    ctx.print(formatSilenceCode(silence.id))
  },
}

/** `timon silence list [--json]`: the silences not yet over, and the maintenance windows in force. */
export const silenceList: Command = {
  spec: {
    name: 'silence list',
    summary: 'List the silences not yet over and the maintenance windows in force',
    usage: 'silence list [flags]',
    args: { min: 0, max: 0 },
    flags: [JSON_FLAG],
  },
  async run(ctx, args) {
    const { silences, maintenance } = await call(ctx, (client) => client.silences())
    if (args.boolean('json') === true) await ctx.printJson({ silences: silences.map(silenceView), maintenance })
    else ctx.print(formatSilences(silences, maintenance))
  },
}

/** `timon silence end SIL-<id>`: ends a silence now. Prints nothing. */
export const silenceEnd: Command = {
  spec: {
    name: 'silence end',
    summary: 'End a silence now (held notifications of incidents still failing go out)',
    usage: 'silence end <SIL-id>',
    args: { min: 1, max: 1 },
    flags: [],
    examples: ['timon silence end SIL-3'],
  },
  async run(ctx, args) {
    const checks = new Checks(silenceEnd.spec, args)
    const id = checks.check(parseSilenceCode(checks.arg(0)))
    await call(ctx, (client) => client.endSilence(id))
  },
}

/** A silence as `silence list --json` shows it: named `SIL-<id>`. */
function silenceView(silence: Silence) {
  return {
    id: formatSilenceCode(silence.id),
    pattern: silence.pattern,
    startsAt: silence.startsAt,
    endsAt: silence.endsAt,
    comment: silence.comment,
  }
}

function formatSilences(silences: readonly Silence[], maintenance: readonly MaintenanceInForce[]): string {
  const rows: Row[] = [`SILENCES (${silences.length})`]
  if (silences.length === 0) rows.push('  None')
  for (const silence of silences) {
    rows.push([
      `  ${formatSilenceCode(silence.id)}`,
      silence.pattern,
      `${silence.startsAt.toISOString()} \u2192 ${silence.endsAt.toISOString()}`,
      quoted(silence.comment),
    ])
  }
  if (maintenance.length > 0) {
    rows.push('', `MAINTENANCE (${maintenance.length})`)
    for (const window of maintenance)
      rows.push([`  ${window.codes.join(',')}`, `"${window.schedule}"`, `until ${window.endsAt.toISOString()}`])
  }
  return formatTable(rows)
}
