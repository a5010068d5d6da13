// @timon/poll-http: HTTP health checks, the HTTP adapter of the core's Poller port.

export { HttpPoller } from './http-poller.js'
export type { HttpPollerLogger, HttpPollerOptions } from './http-poller.js'
export { ScheduledPoller, clipBytes } from './scheduled-poller.js'
export type { CheckRunner, PollerUpdate, RunStart, ScheduledCheck, ScheduledPollerOptions } from './scheduled-poller.js'

export {
  CHECK_PRESETS,
  CHECK_PRESET_DEFAULTS,
  DEFAULT_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  MIN_CHECK_INTERVAL_MS,
  HTTP_METHODS,
  HTTP_CHECK_TYPE,
  checkSchema,
  commonCheckShape,
  intervalIssue,
  isHttpCheckTable,
  scheduleFields,
  scheduleIssues,
  hostPortSuffix,
  parseChecks,
} from './check-config.js'
export type {
  CheckCert,
  CheckEntry,
  CheckPreset,
  CommonCheckEntry,
  HttpCheck,
  HttpMethod,
  JsonExpectation,
  JsonScalar,
  ParseChecksOptions,
  PresetDefaults,
} from './check-config.js'

export { MAX_BODY_BYTES, classifyError, describeFailure, evaluate } from './evaluate.js'
export type { Evaluation, Expectations, HttpOutcome, TransportFailure } from './evaluate.js'

export { INITIAL_THRESHOLD_STATE, stepThreshold } from './threshold.js'
export type { ThresholdState, ThresholdStep, Thresholds } from './threshold.js'
export { recordedEvaluation, ThresholdReplay } from './threshold-replay.js'
export type { ThresholdSample } from './threshold-replay.js'
