// The Monitor facade
export { DEFAULT_MAX_PUSH_AGE_MS, MAX_CLOCK_SKEW_MS, Monitor } from './monitor.js'
export type { MonitorOptions, ShowOptions, StatusOptions, DeleteOptions } from './monitor.js'
export type {
  CheckResult,
  ContractView,
  ScheduleView,
  SilenceList,
  DeleteResult,
  DeliveryList,
  IncidentChanges,
  IncidentResult,
  IncidentView,
  PushProbeResult,
  ReportView,
  ReportWithIncidents,
  RunResult,
  ShowView,
  StatusView,
  SummaryView,
  TruncateResult,
} from './views.js'

// Inputs and their schemas (shared with the daemon's wire validation)
export {
  addSilenceSchema,
  annotateSchema,
  checkedString,
  endSilenceSchema,
  durationSchema,
  endJobSchema,
  openIncidentSchema,
  pushProbeSchema,
  pushStepSchema,
  recordRunLogSchema,
  resolveSchema,
  skipRunSchema,
  startJobSchema,
  truncateSchema,
  MAX_DETAIL_BYTES,
} from './schemas.js'
export type {
  AddSilenceInput,
  EndSilenceInput,
  AnnotateInput,
  DurationInput,
  EndJobInput,
  OpenIncidentInput,
  PushProbeInput,
  PushStepInput,
  RecordRunLogInput,
  ResolveInput,
  SkipRunInput,
  StartJobInput,
  TruncateInput,
} from './schemas.js'

// Silences and maintenance windows
export { checkCodeGlob } from './silence/silences.js'
export { formatSilenceCode, parseSilenceCode } from './silence/silence-code.js'
export type { MaintenanceInForce, MaintenanceWindow } from './silence/silences.js'

// Schedules: cron expressions read in a time zone (croner)
export { isTimeZone, parseSchedule } from './schedule/cron-schedule.js'
export type { Schedule } from './schedule/cron-schedule.js'

// Domain
export {
  CONTRACT_KINDS,
  DEFAULT_GRACE_MS,
  DEFAULT_RULES,
  NEW_CONTRACT_STATE,
  DELIVERY_STATUSES,
  EVENT_NAMES,
  INCIDENT_EVENT_TYPES,
  INCIDENT_STATES,
  REPORT_HEALTHS,
  TRIGGER_TYPES,
  sameRules,
} from './domain.js'
export type {
  AutomaticTrigger,
  Contract,
  ContractKind,
  Delivery,
  DeliveryStatus,
  EventName,
  Incident,
  IncidentEvent,
  IncidentEventType,
  IncidentState,
  NotificationEvent,
  Progress,
  Report,
  ReportHealth,
  ReportMark,
  Rules,
  Run,
  RunExit,
  Sample,
  Silence,
  HeldIncident,
  IncidentHold,
  Reminder,
  Step,
  TriggerType,
} from './domain.js'

// Errors, durations, codes and text (also `@timon/core/lite`, without the Monitor and zod)
export { CORE_ERROR_CODES } from './errors.js'
export * from './lite.js'

// The incident state machine
export { INCIDENT_ACTIONS, TRANSITIONS, transitionFor } from './incident/transitions.js'
export type { IncidentAction, IncidentStateOrNone, Transition } from './incident/transitions.js'

// Truncation policy
export {
  isIncidentTruncated,
  isReportTruncated,
  planTruncate,
  reportActivityTime,
  retentionHealth,
} from './truncate-policy.js'
export type { TruncateOptions, TruncatePlan } from './truncate-policy.js'

// Ports and their in-core implementations
export { SystemClock } from './ports/clock.js'
export type { Clock } from './ports/clock.js'
export type { DeliveryOutcome, NotificationRouter, Notifier, RetryPolicy } from './ports/notifier.js'
export type { PolledSample, PolledSource, Poller } from './ports/poller.js'
export { SILENT_LOG } from './ports/logger.js'
export type { LogSink } from './ports/logger.js'
export type {
  CodeCount,
  ContractOverview,
  ContractPage,
  ContractPatch,
  DaemonBeat,
  DaemonLiveness,
  DeliveryClaim,
  DeliveryPatch,
  HistoryCursor,
  HistoryDelivery,
  HistoryIncident,
  HistoryPage,
  HistoryQuery,
  HistoryReport,
  DeliveryQuery,
  CodedIncident,
  IncidentCursor,
  IncidentPatch,
  IncidentQuery,
  NewContract,
  NewDelivery,
  NewIncident,
  NewSilence,
  SilencePatch,
  NewIncidentEvent,
  NewRun,
  NewSample,
  NewStep,
  ReportPage,
  RunPatch,
  Store,
  StoreTx,
  SummaryCounts,
  TruncateCounts,
  NewToken,
  TokenPatch,
} from './ports/store.js'
export { LocalDeliveryClaims } from './local-delivery-claims.js'
export { TOKEN_SCOPES, scopeAllows } from './tokens/token.js'
export type { ApiToken, TokenScope } from './tokens/token.js'
export { LAST_USED_RESOLUTION_MS, TokenService } from './tokens/token-service.js'
export type { AuthFailure, CreateTokenInput, TokenServiceOptions } from './tokens/token-service.js'
export { STORE_FAULT_KINDS, StoreFault } from './store-fault.js'
export type { StoreFaultKind, StoreHealth } from './store-fault.js'
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js'
export { HISTORY_START, inHistoryScope, nextHistoryCursor } from './history/scope.js'
export {
  HistoryColumnsBuilder,
  JsonColumn,
  exportHistoryColumns,
  historyColumnsOf,
  sampleArraysOf,
  historyPageOf,
} from './history/columns.js'
export type {
  Column,
  HistoryColumns,
  SampleArrays,
  SampleBatch,
  SampleColumns,
  SampleEntry,
} from './history/columns.js'
export { historyQueryError } from './history/read.js'
export { INCIDENT_PAGE_SIZE, MAX_INCIDENT_PAGE_SIZE, queryIncidentsSchema } from './incident/incident-query.js'
export type { IncidentList, QueryIncidentsInput } from './incident/incident-query.js'
export { SerialQueue } from './serial-queue.js'
export { Dispatcher } from './dispatcher.js'
export type { DispatcherOptions, DispatchReport } from './dispatcher.js'
export { DEFAULT_MAX_RETRY_DELAY_MS, backoffDelay } from './backoff.js'

// Copying a whole history between stores (timon store copy)
export { COPIED_TABLES, copyStores } from './store-copy/copy-stores.js'
export type {
  CopiedTable,
  CopyOptions,
  CopyReport,
  RowConflict,
  StoreCopyError,
  TableCopyCount,
} from './store-copy/copy-stores.js'
export type { CopyColumn, CopyDatabase, CopyTx, PortableRow, PortableValue } from './ports/table-copy.js'
