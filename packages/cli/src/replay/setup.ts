import type { HistoryPage, Silence } from '@timon/core'
import type { ReplayPart, ReplayRules, RuleOverride } from '@timon/core/replay'
import { CliError } from '../errors.js'

/**
 * What a replay runs under, from the command's flags: plain data, so that a worker thread of
 * `--jobs` gets it as it is and builds the same rules.
 */
export interface ReplaySetup {
  readonly from: Date
  readonly to: Date
  /** The window's silences, replayed as they were (`replay`'s `silences`). */
  readonly silences: readonly Silence[]
  /** The `--set` overrides, applied after the config's. */
  readonly overrides: readonly RuleOverride[]
  /** `--config`: the file whose notifications, maintenance windows and checks the replay takes. */
  readonly configPath?: string
  readonly env: Readonly<Record<string, string | undefined>>
}

/** What a worker thread of `timon replay --jobs` gets to start with. */
export interface PartSetup {
  readonly setup: ReplaySetup
  readonly part: ReplayPart
}

/** The rules of a setup, and what its config does to the history on the way (its checks' thresholds). */
export interface ReplayInput {
  readonly rules: ReplayRules
  readonly history: (pages: AsyncIterable<HistoryPage>) => AsyncIterable<HistoryPage>
}

/** The rules and history transform of `setup`; the daemon's config parser is loaded only for a `--config`. */
export async function replayInputOf(
  setup: Pick<ReplaySetup, 'overrides' | 'configPath' | 'env'>,
): Promise<ReplayInput> {
  if (setup.configPath === undefined) return { rules: { overrides: setup.overrides }, history: (pages) => pages }
  const { loadConfig, configReplayRules } = await import('@timon/socket-daemon')
  const config = loadConfig({ configPath: setup.configPath, env: setup.env })
  if (config.isErr()) throw new CliError(config.error)
  const { overrides, notifications, maintenance, timezone, checkSamples } = configReplayRules(config.value)
  return {
    // The config's rules first: a --set names what to try on top of them.
    rules: { overrides: [...overrides, ...setup.overrides], notifications, maintenance, timezone },
    history: checkSamples,
  }
}
