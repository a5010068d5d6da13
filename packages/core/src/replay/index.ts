/**
 * `@timon/core/replay`: replays a recorded history under other rules and compares what would have
 * happened with what did (`timon replay`).
 */
export { replay, recordedRouter } from './replay.js'
export type { ReplayError, ReplayOptions, ReplayRules, RuleOverride } from './replay.js'
export { historyColumnsPart, mergeOutcomes, partOfCode } from './parts.js'
export type { ReplayPart } from './parts.js'
export { outcomeOf } from './outcome.js'
export type { Outcome, OutcomeIncident, OutcomeNotification } from './outcome.js'
export { compareOutcomes } from './compare.js'
export type { CodeComparison, Comparison, ReplayChange, ReplayEntry } from './compare.js'
export { parseRuleSetting, WIRE_RULE_NAMES } from './rule-setting.js'
export { collectHistory, historyPages, HISTORY_PAGE_SIZE } from '../history/read.js'
export type { History } from '../history/read.js'
