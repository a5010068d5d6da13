import { durationField, parseTableArray } from '@timon/http-common'
import {
  checkRemindEvery,
  createNamer,
  eventPatternsField,
  nameField,
  remindEveryField,
  retryWithoutTimeoutField,
  RETRY_DEFAULTS,
  type NotifierRetry,
} from '@timon/notify-webhook'
import { ok, type Result } from 'neverthrow'
import { z } from 'zod'

/** One `[[command]]` of the config, validated. */
export interface CommandConfig {
  /** Its `name`, or `command[<i>]`; unique among the commands. The outbox addresses deliveries by it. */
  readonly name: string
  /** Event patterns, as a webhook's `on`; never empty. */
  readonly on: readonly string[]
  /** The program (an absolute path, or a name looked up in `PATH`) and its arguments; run without a shell. */
  readonly command: readonly [string, ...string[]]
  /** The longest one run may take, in milliseconds; then its process group is killed. Default 10 s. */
  readonly timeoutMs: number
  /** `attempts` retries `delay` apart (`[command.retry]`). */
  readonly retry: Omit<NotifierRetry, 'timeoutMs'>
  /** `remind_every` in milliseconds: how often an incident still open or relapsed is reminded (`incident.reminder`); none when absent. */
  readonly remindEveryMs?: number
}

/**
 * The schema of one `[[command]]` table as parsed from TOML. Unknown keys are errors; `timeout` is
 * a duration string; `[command.retry]` has `attempts` and `delay` as a webhook's. Names are given by
 * {@link parseCommands}.
 */
export const commandSchema = z
  .strictObject(
    {
      name: nameField(),
      on: eventPatternsField(),
      command: z
        .array(z.string({ error: 'must be a string' }), {
          error: (issue) =>
            issue.input === undefined
              ? 'is required'
              : 'must be an array: the program and its arguments, e.g. ["/usr/local/bin/page-me", "--urgent"]',
        })
        .min(1, 'must not be empty: the program comes first')
        .refine((argv) => argv[0] !== '', { message: 'must name a program first', path: [0] })
        .refine((argv) => argv.every((arg) => !arg.includes('\0')), 'must not contain NUL characters')
        .transform((argv) => argv as [string, ...string[]]),
      timeout: durationField().default(RETRY_DEFAULTS.timeoutMs),
      retry: retryWithoutTimeoutField(),
      remind_every: remindEveryField(),
    },
    { error: 'must be a table' },
  )
  .superRefine(checkRemindEvery)
  .transform(({ timeout, remind_every, ...entry }) => ({ ...entry, timeoutMs: timeout, remindEveryMs: remind_every }))

/** One `[[command]]` as {@link commandSchema} outputs it: no name given yet. */
export type CommandEntry = z.output<typeof commandSchema>

/**
 * Validates the `command` array of a parsed TOML config (`undefined` = no commands). Names default
 * to `command[<i>]` and must be unique. The program is not looked for here: one installed later
 * works, and a missing one is a failed, retried delivery that says so.
 *
 * @returns the commands in config order, or every issue found, each reading
 *   `command[<i>].<key>: <problem>` (e.g. `command[0].timeout: invalid duration "x"`).
 */
export function parseCommands(input: unknown): Result<CommandConfig[], string[]> {
  const nameOf = createNamer('command')
  return parseTableArray('command', input, commandSchema, ({ name: givenName, ...entry }, prefix, i) =>
    nameOf(givenName, prefix, i).andThen((name) => ok([{ name, ...entry }])),
  )
}
