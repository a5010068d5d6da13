/**
 * `@timon/core/lite`: the pure helpers a fast-starting client needs (codes, text fields,
 * durations, errors, the message of a thrown value) without the Monitor or zod, so `timon push`
 * loads little.
 */
export { conflict, notFound, validation } from './errors.js'
export { errorMessage } from './error-message.js'
export type { CoreError, CoreErrorCode, Subject } from './errors.js'
export { MAX_DURATION_MS, formatAgo, formatGoDuration, formatHumanDuration, parseDuration } from './duration.js'
export type { Duration } from './duration.js'
export { formatIssues } from './issues.js'
export {
  HEALTHS,
  formatIncidentCode,
  goQuote,
  optionalText,
  parseCodeRef,
  parseIncidentCode,
  parseReportRef,
  parseTarget,
  trimSpace,
  validateCode,
  validateComment,
  validateDescription,
  validateHealth,
  validateLabel,
  validateNote,
  validateTitle,
  validateUid,
} from './validate.js'
export type { Health, ReportRef, Target } from './validate.js'
export { matchCodeGlob, matchesAnyCodeGlob } from './code-glob.js'
export { formatSilenceCode, parseSilenceCode } from './silence/silence-code.js'
export { TOKEN_SCOPES } from './tokens/token.js'
export type { TokenScope } from './tokens/token.js'
export { sameRules } from './domain.js'
// The history's compact form: the client decodes what the daemon encodes.
export { JsonColumn, historyColumnsOf, historyPageOf, sampleArraysOf } from './history/columns.js'
export type { Column, HistoryColumns, SampleColumns } from './history/columns.js'
