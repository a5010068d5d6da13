import type { CodedIncident, QueryIncidentsInput } from '@timon/core'
import { parseDuration } from '@timon/core/lite'
import { JSON_FLAG, type Command } from '../command.js'
import { formatIncidents } from '../format/incidents.js'
import { Checks, call } from './shared.js'

const DEFAULT_LIMIT = 50
/** The daemon's largest page. */
const PAGE = 1000

/** `timon incidents`: the incident history, newest first, filtered. */
export const incidents: Command = {
  spec: {
    name: 'incidents',
    summary: 'List incidents, newest first, filtered by state, trigger, code and time',
    description:
      'List the incident history, newest first (by when each opened), resolved incidents included. Each filter ' +
      'takes a comma-separated list; an incident matches when it matches every filter given.',
    usage: 'incidents [flags]',
    args: { min: 0, max: 0 },
    flags: [
      {
        name: 'state',
        type: 'string',
        placeholder: '<states>',
        description: 'Only these states: open, recovered, relapsed, resolved',
      },
      {
        name: 'trigger',
        type: 'string',
        placeholder: '<triggers>',
        description: 'Only these triggers: critical, stale, job_overtime, job_overlap, missed, short, manual',
      },
      {
        name: 'code',
        type: 'string',
        placeholder: '<globs>',
        description: 'Only incidents of probes/jobs matching these code globs (db.*)',
      },
      {
        name: 'since',
        type: 'string',
        placeholder: '<time>',
        description: 'Only incidents opened this long ago or later (7d), or since this RFC 3339 instant',
      },
      {
        name: 'until',
        type: 'string',
        placeholder: '<time>',
        description: 'Only incidents opened this long ago or earlier, or until this RFC 3339 instant',
      },
      {
        name: 'limit',
        type: 'string',
        placeholder: '<n>',
        description: `At most this many (default ${DEFAULT_LIMIT})`,
      },
      JSON_FLAG,
    ],
    examples: [
      'timon incidents --state open,relapsed --code "db.*"',
      'timon incidents --trigger stale --since 7d --json',
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(incidents.spec, args)
    const now = ctx.io.now()
    const time = (name: 'since' | 'until'): Date | undefined => {
      const text = checks.optional(name)
      if (text === undefined) return undefined
      const back = parseDuration(text)
      if (back.isOk()) return new Date(now.getTime() - back.value)
      const at = /^\d{4}-\d{2}-\d{2}T/.test(text) ? new Date(text) : new Date(Number.NaN)
      return Number.isNaN(at.getTime())
        ? checks.fail(`invalid --${name} "${text}" \u2014 must be a duration such as 7d or an RFC 3339 instant`)
        : at
    }
    const list = (name: string) =>
      checks
        .optional(name)
        ?.split(',')
        .map((item) => item.trim())
    const [state, trigger, code] = [list('state'), list('trigger'), list('code')]
    const [since, until] = [time('since'), time('until')]
    const limit = checks.positiveInteger('limit') ?? DEFAULT_LIMIT
    const query = {
      ...(state === undefined ? {} : { state }),
      ...(trigger === undefined ? {} : { trigger }),
      ...(code === undefined ? {} : { code }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
    } as QueryIncidentsInput // the daemon checks the states, triggers and globs

    // Page through until `limit` incidents or the last page.
    const found: CodedIncident[] = []
    let cursor: string | undefined
    do {
      const page = await call(ctx, (client) =>
        client.incidents({
          ...query,
          limit: Math.min(limit - found.length, PAGE),
          ...(cursor === undefined ? {} : { cursor }),
        }),
      )
      found.push(...page.incidents)
      cursor = page.next
    } while (cursor !== undefined && found.length < limit)

    if (args.boolean('json') === true) await ctx.printJson({ incidents: found })
    else ctx.print(formatIncidents(found, now, ctx.style))
  },
}
