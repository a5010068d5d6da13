// What every Timon SQL schema's migrations share, whatever the database: a migration, the
// checks of an ordered list of them, and the error a schema newer than the code gives.

/**
 * One schema change. Versions count up from 1 without gaps; a released migration is never edited,
 * a change is a new migration.
 */
export interface Migration {
  /** Recorded in `schema_migrations.version`. */
  readonly version: number
  /** A few words on what it does, recorded with it. */
  readonly name: string
  /** SQL run as one script inside the migration's transaction. */
  readonly sql: string
}

/** What a store's `migrate` did: the schema version before and after. */
export interface MigrateResult {
  readonly from: number
  readonly to: number
}

/** Thrown on open when the database was migrated by a newer Timon. */
export class SchemaVersionError extends Error {
  override readonly name = 'SchemaVersionError'
  /** The newest version applied to the database. */
  readonly databaseVersion: number
  /** The newest version this code knows. */
  readonly supportedVersion: number

  constructor(databaseVersion: number, supportedVersion: number) {
    super(
      `database schema version ${databaseVersion} is newer than this Timon supports (${supportedVersion}); upgrade Timon`,
    )
    this.databaseVersion = databaseVersion
    this.supportedVersion = supportedVersion
  }
}

/**
 * The newest version of `migrations`, after checking that they count up from 1 without gaps.
 *
 * @throws Error naming the first migration out of place.
 */
export function supportedVersion(migrations: readonly Migration[]): number {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration ${migration.name}: version ${migration.version}, expected ${index + 1}`)
    }
  })
  return migrations[migrations.length - 1]?.version ?? 0
}
