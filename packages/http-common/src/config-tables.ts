import { err, ok, type Result } from 'neverthrow'
import type { z } from 'zod'
import { formatIssues } from '@timon/core/lite'

/**
 * Validates an array of config tables (`[[<key>]]` in TOML; `undefined` = none) and loads each
 * valid one: every table is parsed with `schema`, its issues formatted as
 * `<key>[<i>].<path>: <problem>` (see `formatIssues`), and each entry that parses is handed to
 * `load` with its prefix (`<key>[<i>]`) and index, which gives the items it makes or its own issues.
 * Every table is looked at, so that every problem of the config is found at once. With `select`,
 * only the tables it accepts are (the others belong to another parser: `[[check]]` of another
 * `type`); indexes stay those of the whole array.
 *
 * @returns the items of all tables in config order, or every issue in config order.
 */
export function parseTableArray<Schema extends z.ZodType, Item>(
  key: string,
  input: unknown,
  schema: Schema,
  load: (entry: z.output<Schema>, prefix: string, index: number) => Result<readonly Item[], readonly string[]>,
  select?: (raw: unknown) => boolean,
): Result<Item[], string[]> {
  if (input === undefined) return ok([])
  if (!Array.isArray(input)) return err([`${key}: must be an array of tables ([[${key}]])`])
  const issues: string[] = []
  const items: Item[] = []
  input.forEach((raw: unknown, index) => {
    if (select !== undefined && !select(raw)) return
    const prefix = `${key}[${index}]`
    const parsed = schema.safeParse(raw)
    if (!parsed.success) {
      issues.push(...formatIssues(prefix, parsed.error.issues))
      return
    }
    const loaded = load(parsed.data, prefix, index)
    if (loaded.isErr()) issues.push(...loaded.error)
    else items.push(...loaded.value)
  })
  return issues.length === 0 ? ok(items) : err(issues)
}
