/**
 * The one serializer between the core's values (camelCase keys, `Date` instants) and the wire's
 * JSON (snake_case keys, RFC 3339 UTC strings). The server and the client both use it, so the two
 * directions cannot drift apart. Pure; loads nothing but the history's column type.
 */
import { JsonColumn, type HistoryColumns } from '@timon/core/lite'

/**
 * Converts a value for the wire, recursively: object keys camelCase → snake_case, `Date` → RFC 3339
 * UTC string (`2026-11-22T00:43:54.123Z`), `undefined` object properties dropped (as JSON does), a
 * history's `JsonColumn` to its values. Arrays, plain values and `null` keep their shape.
 */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (value instanceof JsonColumn) return value.values()
  if (Array.isArray(value)) return value.map(toWire)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const inner = record[key]
      if (inner !== undefined) out[snakeCase(key)] = toWire(inner)
    }
    return out
  }
  return value
}

/**
 * The wire's JSON text of `value`: `JSON.stringify(toWire(value))` in one pass, without building
 * the converted copy (the daemon answers every request with it); a history's `JsonColumn` is its
 * text. Properties `undefined`, functions and symbols are dropped from objects and `null` in
 * arrays, as JSON does.
 */
export function toWireJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      if (value === null) return 'null'
      if (value instanceof Date) return `"${value.toISOString()}"`
      if (value instanceof JsonColumn) return value.json
      return Array.isArray(value) ? arrayJson(value) : objectJson(value as Record<string, unknown>)
    case 'bigint':
      return JSON.stringify(value) // throws, as JSON.stringify(toWire(value)) does
    default:
      return 'null' // undefined, a function or a symbol, where JSON writes null (in an array)
  }
}

/**
 * Converts parsed wire JSON back, recursively: object keys snake_case → camelCase, and the string
 * under a key that ends in `_at` or is exactly `at` → `Date` (when it parses as an instant; any
 * other string is kept as is).
 */
export function fromWire(json: unknown): unknown {
  // An array of plain values (a history page's columns) has nothing to convert: kept, not copied.
  if (Array.isArray(json)) return json.every(isPlain) ? json : json.map(fromWire)
  if (json !== null && typeof json === 'object') {
    const out: Record<string, unknown> = {}
    const record = json as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const inner = record[key]
      out[camelCase(key)] = typeof inner === 'string' && isInstantKey(key) ? toDate(inner) : fromWire(inner)
    }
    return out
  }
  return json
}

/**
 * A history page in column form from the JSON text of a `GET /v1/history?format=columns` answer
 * (`TimonClient.historyColumnsWithText`): for a thread the text was handed to.
 *
 * @throws SyntaxError when `text` is not JSON.
 */
export function parseHistoryColumns(text: string): HistoryColumns {
  return fromWire(JSON.parse(text)) as HistoryColumns
}

/** `activeIncidentIds` → `active_incident_ids`. Keys already in snake_case are unchanged. */
export function snakeCase(key: string): string {
  return convert(SNAKE_CASES, key, toSnake)
}

/** `active_incident_ids` → `activeIncidentIds`. A leading `_` (as in `_event`) is kept. */
export function camelCase(key: string): string {
  return convert(CAMEL_CASES, key, toCamel)
}

// --- internal ---

const UPPER = /[A-Z]/g
const SNAKE_JOINT = /(?<=[a-zA-Z0-9])_([a-z0-9])/g

// Keys come from a small vocabulary: each is converted once, then looked up (every request and
// answer converts all its keys, and a regex replace per key was a good part of the cost). The
// caches stop growing at KEY_CACHE_LIMIT entries, whatever keys a client sends.
const KEY_CACHE_LIMIT = 2000
const SNAKE_CASES = new Map<string, string>()
const CAMEL_CASES = new Map<string, string>()
/** Keys as `toWireJson` writes them: `"active_incident_ids":`. */
const WIRE_KEYS = new Map<string, string>()

function convert(cache: Map<string, string>, key: string, conversion: (key: string) => string): string {
  const known = cache.get(key)
  if (known !== undefined) return known
  const converted = conversion(key)
  if (cache.size < KEY_CACHE_LIMIT) cache.set(key, converted)
  return converted
}

function toSnake(key: string): string {
  return key.replace(UPPER, (char) => `_${char.toLowerCase()}`)
}

function arrayJson(values: readonly unknown[]): string {
  // An array of plain values (a history page's columns) is written as JSON writes it: natively.
  if (values.every(isPlain)) return JSON.stringify(values)
  let text = '['
  for (let i = 0; i < values.length; i++) text += i === 0 ? toWireJson(values[i]) : `,${toWireJson(values[i])}`
  return `${text}]`
}

/** A value JSON writes as the wire does: not an object (a `Date` or a record), nor a bigint (both throw). */
function isPlain(value: unknown): boolean {
  return (typeof value !== 'object' || value === null) && typeof value !== 'bigint'
}

function objectJson(record: Record<string, unknown>): string {
  let text = '{'
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue
    const inner = record[key]
    // JSON drops these from objects.
    if (inner === undefined || typeof inner === 'function' || typeof inner === 'symbol') continue
    text += `${text.length === 1 ? '' : ','}${convert(WIRE_KEYS, key, quotedSnakeKey)}${toWireJson(inner)}`
  }
  return `${text}}`
}

function quotedSnakeKey(key: string): string {
  return `${JSON.stringify(snakeCase(key))}:`
}

function toCamel(key: string): string {
  return key.replace(SNAKE_JOINT, (_match, char: string) => char.toUpperCase())
}

function isInstantKey(key: string): boolean {
  return key === 'at' || key.endsWith('_at')
}

function toDate(text: string): Date | string {
  const date = new Date(text)
  return Number.isNaN(date.getTime()) ? text : date
}
