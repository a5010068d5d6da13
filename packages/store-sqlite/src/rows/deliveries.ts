// `deliveries` rows (the outbox): @timon/sql-common's mapping in SQLite's encoding.
import { deliveryRows, type DeliveryRow as SharedDeliveryRow } from '@timon/sql-common'
import { SQLITE_COLUMNS, type SqliteColumnTypes } from './codec.js'

export type DeliveryRow = SharedDeliveryRow<SqliteColumnTypes>

export const deliveries = deliveryRows(SQLITE_COLUMNS)
