import pg from 'pg'
import type { CopyColumn, CopyDatabase, CopyTx, PortableRow, PortableValue } from '@timon/core'
import { LATEST_SCHEMA_VERSION } from './migrations.js'
import { PostgresStore, SCHEMA_NAME, typeParser } from './postgres-store.js'

/** How to open a {@link PostgresCopyDatabase}. */
export interface PostgresCopyOptions {
  /** A libpq connection URL. */
  readonly url: string
  /** The password, when it is not in the URL. */
  readonly password?: string
  /** The schema holding Timon's tables. Default `public`. */
  readonly schema?: string
  /**
   * Whether rows are copied into it: then the schema is created and migrated first, as the store
   * does on open, and opening fails when a daemon was seen on it within the last minute.
   */
  readonly write: boolean
  /** How to name it in messages: the URL without its password. */
  readonly description: string
}

/**
 * A PostgreSQL schema as plain rows, for `copyStores`. Values are turned to and from the portable
 * encoding by the columns' declared types: `timestamptz` ↔ epoch ms, `boolean` ↔ 0/1, `jsonb`
 * and `text[]` ↔ JSON text. Keys are inserted as given (`OVERRIDING SYSTEM VALUE`); the identity
 * sequences are then moved past the largest.
 */
export class PostgresCopyDatabase implements CopyDatabase {
  readonly description: string
  readonly latestSchemaVersion = LATEST_SCHEMA_VERSION
  /** The protocol counts a statement's parameters in 16 bits. */
  readonly maxParameters = 65_535
  readonly #client: pg.Client
  readonly #write: boolean

  private constructor(client: pg.Client, options: PostgresCopyOptions) {
    this.#client = client
    this.#write = options.write
    this.description = options.description
  }

  /** Connects (and, to write, migrates the schema first); throws when it cannot. */
  static async open(options: PostgresCopyOptions): Promise<PostgresCopyDatabase> {
    const schema = options.schema ?? 'public'
    if (!SCHEMA_NAME.test(schema)) throw new Error(`PostgresCopyDatabase: schema "${schema}" must match ${SCHEMA_NAME}`)
    const password = options.password === undefined ? {} : { password: options.password }
    if (options.write) await migrateIdle(await PostgresStore.open({ url: options.url, ...password, schema }))
    const client = new pg.Client({
      connectionString: options.url,
      ...password,
      options: `-c search_path=${schema}`,
      types: { getTypeParser: typeParser },
    })
    await client.connect()
    return new PostgresCopyDatabase(client, options)
  }

  async transaction<T>(work: (tx: CopyTx) => Promise<T>): Promise<T> {
    // The source is read from one snapshot; the target is written in one transaction.
    await this.#client.query(this.#write ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    try {
      const result = await work(new PostgresCopyTx(this.#client))
      await this.#client.query('COMMIT')
      return result
    } catch (error) {
      await this.#client.query('ROLLBACK')
      throw error
    }
  }

  async close(): Promise<void> {
    await this.#client.end()
  }
}

// --- internal ---

/** A daemon seen this recently may still be serving the database (heartbeats come every third of the lease). */
const DAEMON_SEEN_WITHIN_MS = 60_000

/** Closes `store`, which opening migrated; throws when a daemon was seen on it lately: it must not be written under one. */
async function migrateIdle(store: PostgresStore): Promise<void> {
  try {
    const live = await store.liveDaemons(DAEMON_SEEN_WITHIN_MS)
    if (live.length > 0) {
      throw new Error(
        `daemon(s) ${live.map((daemon) => daemon.name).join(', ')} seen on it within the last minute: stop them before copying into it`,
      )
    }
  } finally {
    await store.close()
  }
}

type Kind = 'instant' | 'boolean' | 'json' | 'list' | 'plain'

class PostgresCopyTx implements CopyTx {
  readonly #client: pg.Client
  readonly #kinds = new Map<string, ReadonlyMap<string, Kind>>()

  constructor(client: pg.Client) {
    this.#client = client
  }

  async schemaVersion(): Promise<number> {
    if (!(await this.tables()).includes('schema_migrations')) return 0
    const { rows } = await this.#client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations',
    )
    return rows[0]?.version ?? 0
  }

  async tables(): Promise<readonly string[]> {
    const { rows } = await this.#client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    return rows.map((row) => row.name)
  }

  async columns(table: string): Promise<readonly CopyColumn[]> {
    const kinds = await this.#kindsOf(table)
    return [...kinds].map(([name, kind]) => ({ name, json: kind === 'json' || kind === 'list' }))
  }

  async read(
    table: string,
    key: string,
    columns: readonly string[],
    after: number | undefined,
    limit: number,
  ): Promise<readonly PortableRow[]> {
    const { rows } = await this.#client.query(
      `SELECT ${list(columns)} FROM ${id(table)} WHERE ${id(key)} > $1 ORDER BY ${id(key)} LIMIT $2`,
      [after ?? Number.MIN_SAFE_INTEGER, limit],
    )
    return this.#portable(table, rows)
  }

  async readKeys(
    table: string,
    key: string,
    columns: readonly string[],
    keys: readonly number[],
  ): Promise<readonly PortableRow[]> {
    if (keys.length === 0) return []
    const { rows } = await this.#client.query(
      `SELECT ${list(columns)} FROM ${id(table)} WHERE ${id(key)} = ANY($1::bigint[])`,
      [keys],
    )
    return this.#portable(table, rows)
  }

  async insert(
    table: string,
    key: string,
    columns: readonly string[],
    rows: readonly PortableRow[],
  ): Promise<readonly number[]> {
    if (rows.length === 0) return []
    const kinds = await this.#kindsOf(table)
    const parameters: unknown[] = []
    const values = rows.map((row) => {
      const marks = columns.map((column) => {
        parameters.push(fromPortable(row[column] ?? null, kinds.get(column) ?? 'plain'))
        return `$${parameters.length}`
      })
      return `(${marks.join(', ')})`
    })
    const { rows: inserted } = await this.#client.query<{ k: number }>(
      `INSERT INTO ${id(table)} (${list(columns)}) OVERRIDING SYSTEM VALUE VALUES ${values.join(', ')} ON CONFLICT DO NOTHING RETURNING ${id(key)} AS k`,
      parameters,
    )
    return inserted.map((row) => row.k)
  }

  async update(
    table: string,
    key: string,
    column: string,
    values: ReadonlyArray<readonly [number, PortableValue]>,
  ): Promise<void> {
    if (values.length === 0) return
    const kind = (await this.#kindsOf(table)).get(column) ?? 'plain'
    // One statement: the values travel as text, cast back to the column's type (from the catalog).
    const { rows } = await this.#client.query<{ type: string }>(
      'SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2',
      [id(table), column],
    )
    const type = rows[0]?.type
    if (type === undefined) throw new Error(`PostgresCopyDatabase: no column ${table}.${column}`)
    await this.#client.query(
      `UPDATE ${id(table)} SET ${id(column)} = v.value::${type} FROM unnest($1::bigint[], $2::text[]) AS v(k, value) WHERE ${id(table)}.${id(key)} = v.k`,
      [values.map(([rowKey]) => rowKey), values.map(([, value]) => fromPortable(value, kind))],
    )
  }

  async afterInsert(table: string, key: string): Promise<void> {
    await this.#client.query(
      `SELECT setval(sequence, (SELECT max(${id(key)}) FROM ${id(table)}))
       FROM (SELECT pg_get_serial_sequence($1, $2) AS sequence) AS s WHERE sequence IS NOT NULL`,
      [id(table), key],
    )
  }

  async #kindsOf(table: string): Promise<ReadonlyMap<string, Kind>> {
    const known = this.#kinds.get(table)
    if (known !== undefined) return known
    const { rows } = await this.#client.query<{ name: string; type: string }>(
      `SELECT column_name AS name, udt_name AS type FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    )
    const kinds = new Map(rows.map((row) => [row.name, KINDS[row.type] ?? 'plain'] as const))
    this.#kinds.set(table, kinds)
    return kinds
  }

  async #portable(table: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<PortableRow[]> {
    const kinds = await this.#kindsOf(table)
    return rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([column, value]) => [column, toPortable(value, kinds.get(column) ?? 'plain')]),
      ),
    )
  }
}

const KINDS: Readonly<Record<string, Kind>> = { timestamptz: 'instant', bool: 'boolean', jsonb: 'json', _text: 'list' }

function toPortable(value: unknown, kind: Kind): PortableValue {
  if (value === null || value === undefined) return null
  if (kind === 'instant') return (value as Date).getTime()
  if (kind === 'boolean') return value === true ? 1 : 0
  if (kind === 'json' || kind === 'list') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'string') return value
  throw new Error(`PostgresCopyDatabase: unexpected value of type ${typeof value}`)
}

function fromPortable(value: PortableValue, kind: Kind): unknown {
  if (value === null) return null
  if (kind === 'instant') return new Date(Number(value))
  if (kind === 'boolean') return value !== 0
  // jsonb takes JSON text as it is; a text[] is sent as a list.
  if (kind === 'list') return JSON.parse(String(value)) as unknown
  return value
}

function id(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function list(columns: readonly string[]): string {
  return columns.map(id).join(', ')
}
