// What Timon's SQL stores (SQLite, PostgreSQL) share: the encodings where their schemas differ,
// the table types that are the same but for them, and one mapping of those rows to domain values
// and back. A store of your own on another SQL database can use them with a codec of its own.
export {
  corruptRow,
  dateOrNull,
  instantOrNull,
  oneOf,
  type ColumnCodec,
  type ColumnTypes,
} from './column-codec.js'
export type {
  DeliveriesTable,
  DeliveryRow,
  IncidentEventRow,
  IncidentEventsTable,
  IncidentHoldsTable,
  IncidentRemindersTable,
  IncidentRow,
  IncidentsTable,
  RuleColumns,
  SilenceRow,
  SilencesTable,
  StepRow,
  StepsTable,
  TokenRow,
  TokensTable,
} from './tables.js'
export { deliveryRows } from './rows/delivery-rows.js'
export { incidentEventRows, incidentRows } from './rows/incident-rows.js'
export { ruleRows } from './rows/rule-rows.js'
export { silenceRows } from './rows/silence-rows.js'
export { stepRows } from './rows/step-rows.js'
export { tokenRows } from './rows/token-rows.js'
export { SchemaVersionError, supportedVersion, type MigrateResult, type Migration } from './schema-version.js'
