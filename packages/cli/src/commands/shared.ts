import type { CoreError } from '@timon/core'
import { parseDuration, trimSpace } from '@timon/core/lite'
import type { Result } from 'neverthrow'
import { formatUsage, type CommandSpec, type ParsedArgs } from '../args.js'
import { unwrap, type CliClient } from '../client.js'
import type { ClientError } from '@timon/client'
import type { Context } from '../command.js'
import { UsageError } from '../errors.js'

/**
 * Client-side checks. They run in the reference's order before the daemon is contacted, and a
 * failure is a {@link UsageError} (the message, then the command's usage block).
 */
export class Checks {
  readonly #spec: CommandSpec
  readonly #args: ParsedArgs

  constructor(spec: CommandSpec, args: ParsedArgs) {
    this.#spec = spec
    this.#args = args
  }

  /** Fails with `message` and the usage block. */
  fail(message: string): never {
    throw new UsageError(message, formatUsage(this.#spec))
  }

  /** The value of a check, or a usage error with its message. */
  check<T>(result: Result<T, CoreError>): T {
    if (result.isOk()) return result.value
    return this.fail(result.error.message)
  }

  /** Positional argument `index`, trimmed. */
  arg(index: number): string {
    return trimSpace(this.#args.args[index] ?? '')
  }

  /** A string flag, trimmed; `undefined` when absent or blank (an empty value counts as absent). */
  optional(name: string): string | undefined {
    const value = this.#args.string(name)
    if (value === undefined) return undefined
    const trimmed = trimSpace(value)
    return trimmed === '' ? undefined : trimmed
  }

  /** An optional text flag checked with `validate` (trimmed; blank counts as absent). */
  optionalText(name: string, validate: (value: string) => Result<string, CoreError>): string | undefined {
    const value = this.optional(name)
    return value === undefined ? undefined : this.check(validate(value))
  }

  /**
   * A sticky rule flag (`--stale-after 5m`): `undefined` when absent (the rule in force is kept),
   * `'off'` to remove the rule, or the duration as typed (without spaces) with its length in
   * milliseconds. Errors: `invalid rule <name> — invalid duration "<s>"`, and a zero duration
   * (`use "off"`), as the daemon answers.
   */
  rule(name: string): RuleValue | undefined {
    const value = this.optional(name)
    if (value === undefined) return undefined
    if (value === 'off') return { text: 'off', ms: undefined }
    const parsed = parseDuration(value)
    if (parsed.isErr()) return this.fail(`invalid rule ${name} \u2014 ${parsed.error.message}`)
    if (parsed.value === 0)
      return this.fail(`invalid rule ${name} \u2014 must be greater than zero (use "off" to remove it)`)
    return { text: value.replaceAll(' ', ''), ms: parsed.value }
  }

  /**
   * `--stale-after` must not be longer than `--stale-incident-after` when a push gives both
   * (decisions, Q-16: the client says so before contacting the daemon; equal values are fine).
   */
  staleOrder(staleAfter: RuleValue | undefined, staleIncidentAfter: RuleValue | undefined): void {
    if (staleAfter?.ms === undefined || staleIncidentAfter?.ms === undefined) return
    if (staleAfter.ms <= staleIncidentAfter.ms) return
    this.fail(
      `invalid rules \u2014 --stale-after (${staleAfter.text}) must not be longer than --stale-incident-after (${staleIncidentAfter.text})`,
    )
  }

  /** A retention flag of `truncate` (`--keep 30d`): the duration as typed, or `undefined`. */
  retention(name: string): string | undefined {
    const value = this.optional(name)
    if (value === undefined) return undefined
    const parsed = parseDuration(value)
    if (parsed.isErr()) return this.fail(`invalid --${name} \u2014 ${parsed.error.message}`)
    return value.replaceAll(' ', '')
  }

  /** A positive whole number flag (`--limit 50`), or `undefined` when absent. */
  positiveInteger(name: string): number | undefined {
    const value = this.optional(name)
    if (value === undefined) return undefined
    const number = /^\d+$/.test(value) ? Number(value) : Number.NaN
    if (!Number.isSafeInteger(number) || number < 1)
      this.fail(`invalid --${name} "${value}" \u2014 must be a whole number of at least 1`)
    return number
  }
}

/** A rule flag's value: `'off'`, or a duration as typed with its length. */
export interface RuleValue {
  readonly text: string
  /** Milliseconds; `undefined` for `off`. */
  readonly ms: number | undefined
}

/** Sends one request with the context's client and returns its value, or throws its error. */
export async function call<T>(ctx: Context, send: (client: CliClient) => Promise<Result<T, ClientError>>): Promise<T> {
  return unwrap(await send(await ctx.client()))
}
