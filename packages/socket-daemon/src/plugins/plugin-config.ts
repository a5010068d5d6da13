import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseTableArray } from '@timon/http-common'
import { eventPatternsField } from '@timon/notify-webhook'
import { commonCheckShape, intervalIssue, scheduleFields, scheduleIssues, type ScheduledCheck } from '@timon/poll-http'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'

/** One `[[plugin]]` table, validated; the module is not loaded yet (see `loadPlugins`). */
export interface PluginConfig {
  /** Names it in logs and errors; for a notifier, the target name of its deliveries. Unique. */
  readonly name: string
  /** `module` as written (a path or a package name). */
  readonly module: string
  /** What `import()` gets: a `file:` URL for a path (relative to the config file), else the package name. */
  readonly specifier: string
  /** For a notifier: the events it gets (patterns as for webhooks); default every incident event. */
  readonly on: readonly string[]
  /** The free-form `options` table, handed to the factory as is. */
  readonly options: Readonly<Record<string, unknown>>
  /**
   * How the daemon runs the plugin's `checks` (the `[[check]]` keys `interval`, `timeout`,
   * `failure_threshold`, `success_threshold`, `stale_incident_after`, with their defaults).
   */
  readonly schedule: PluginSchedule
}

/** The schedule every check of one plugin runs on. */
export type PluginSchedule = Omit<ScheduledCheck, 'code'>

/**
 * Validates the `plugin` array of a parsed TOML config (`undefined` = none): `module` and `name`
 * are required, names unique, `on` as for webhooks, `options` any table, the schedule keys of its
 * checks as for a `[[check]]`.
 *
 * @param baseDir relative module paths resolve against it (the config file's directory).
 * @returns the plugins in config order, or every issue, each `plugin[<i>].<key>: <problem>`.
 */
export function parsePlugins(input: unknown, baseDir: string): Result<PluginConfig[], string[]> {
  const names = new Map<string, string>()
  return parseTableArray('plugin', input, pluginSchema, (entry, prefix) => {
    const first = names.get(entry.name)
    if (first !== undefined) return err([`${prefix}.name: "${entry.name}" is the name of ${first} already`])
    names.set(entry.name, prefix)
    const schedule = scheduleFields(entry)
    const tooShort = intervalIssue(prefix, schedule.intervalMs)
    if (tooShort !== undefined) return err([tooShort])
    const isPath = entry.module.startsWith('.') || isAbsolute(entry.module)
    const specifier = isPath ? pathToFileURL(resolve(baseDir, entry.module)).href : entry.module
    const on = entry.on ?? ['incident.*']
    return ok([{ name: entry.name, module: entry.module, specifier, on, options: entry.options, schedule }])
  })
}

// --- internal ---

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
})

// The schedule keys of a `[[check]]`, for the plugin's checks; their code comes from the plugin.
const { code: _code, ...scheduleShape } = commonCheckShape

const pluginSchema = z
  .strictObject(
    {
      ...scheduleShape,
      module: z
        .string(required('a string: an ES module path or an installed package name'))
        .refine((value) => value.trim() !== '', 'must not be empty'),
      name: z.string(required('a string')).regex(/^[\w.-]+$/, 'must be letters, digits, ".", "_" or "-"'),
      on: eventPatternsField().optional(),
      options: z.record(z.string(), z.unknown(), { error: 'must be a table' }).default({}),
    },
    { error: 'must be a table' },
  )
  .superRefine(scheduleIssues)
