import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { Monitor, type Store } from '@timon/core'
import { describeStoreConformance } from '@timon/core/conformance'
import { FakeClock } from '@timon/core/testing'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { SchemaVersionError, type Migration } from '@timon/sql-common'
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate } from '../src/migrations.js'
import { PostgresStore } from '../src/postgres-store.js'
import { SKIPPED_WITHOUT_DATABASE, ScratchSchemas, TEST_DATABASE_URL } from './scratch-schemas.js'

if (TEST_DATABASE_URL === undefined) {
  console.warn(SKIPPED_WITHOUT_DATABASE)
  describe.skip(SKIPPED_WITHOUT_DATABASE, () => {
    it('runs the store conformance suite and the PostgreSQL cases', () => {})
  })
} else {
  const url = TEST_DATABASE_URL
  const schemas = new ScratchSchemas(url)
  afterAll(() => schemas.dropAll())

  const schemaOf = new WeakMap<Store, string>()
  const open = async (schema = schemas.next()) => {
    const store = await PostgresStore.open({ url, schema })
    schemaOf.set(store, schema)
    return store
  }

  describeStoreConformance('postgres', () => open(), {
    reopen: (closed) => {
      const schema = schemaOf.get(closed)
      if (schema === undefined) throw new Error('not a store of this test')
      return open(schema)
    },
  })

  describe('PostgresStore', () => {
    const opened: Store[] = []
    const store = async (schema: string) => {
      const s = await open(schema)
      opened.push(s)
      return s
    }
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close()
    })
    const versions = (schema: string) =>
      schemas.query<{ version: number; name: string }>(
        schema,
        'SELECT version, name FROM schema_migrations ORDER BY version',
      )
    const expectedVersions = MIGRATIONS.map(({ version, name }) => ({ version, name }))

    it('creates its schema and applies the migrations once, however many daemons open it together', async () => {
      const schema = schemas.next()
      await Promise.all([1, 2, 3, 4].map(() => store(schema)))
      expect(await versions(schema)).toEqual(expectedVersions)
      await store(schema)
      expect(await versions(schema)).toEqual(expectedVersions)
    })

    it('refuses a schema newer than the code, changing nothing', async () => {
      const schema = schemas.next()
      await (await open(schema)).close()
      const newer = LATEST_SCHEMA_VERSION + 1
      await schemas.query(schema, "INSERT INTO schema_migrations (version, name) VALUES ($1, 'future')", [newer])

      const opening = open(schema)
      await expect(opening).rejects.toThrow(SchemaVersionError)
      await expect(opening).rejects.toThrow(
        `database schema version ${newer} is newer than this Timon supports (${LATEST_SCHEMA_VERSION}); upgrade Timon`,
      )
      expect(await versions(schema)).toEqual([...expectedVersions, { version: newer, name: 'future' }])
    })

    it('rolls back a migration that fails, recording nothing', async () => {
      const schema = schemas.next()
      const db = new Kysely<unknown>({
        dialect: new PostgresDialect({
          pool: new pg.Pool({ connectionString: url, options: `-c search_path=${schema}` }),
        }),
      })
      try {
        await migrate(db, schema)
        const broken: Migration[] = [
          ...MIGRATIONS,
          {
            version: LATEST_SCHEMA_VERSION + 1,
            name: 'broken',
            sql: 'CREATE TABLE half (x integer); SELECT * FROM nowhere;',
          },
        ]
        await expect(migrate(db, schema, broken)).rejects.toThrow(/nowhere/)
        expect(await schemas.query(schema, "SELECT to_regclass('half') AS half")).toEqual([{ half: null }])
        expect(await versions(schema)).toEqual(expectedVersions)
        expect(await migrate(db, schema)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION })
      } finally {
        await db.destroy()
      }
    })

    it('numbers its migrations 1, 2, 3… without gaps', async () => {
      expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
      const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }) })
      try {
        await expect(migrate(db, schemas.next(), [{ version: 2, name: 'gap', sql: '' }])).rejects.toThrow(/expected 1/)
      } finally {
        await db.destroy()
      }
    })

    it('refuses a schema name it would have to quote', async () => {
      await expect(PostgresStore.open({ url, schema: 'Timon; DROP' })).rejects.toThrow(
        /schema "Timon; DROP" must match/,
      )
    })

    describe('several daemons on one schema', () => {
      const daemons = async (n: number) => {
        const schema = schemas.next()
        const clock = new FakeClock('2025-01-01T00:00:00Z')
        const stores = await Promise.all(Array.from({ length: n }, () => store(schema)))
        return { clock, monitors: stores.map((s) => new Monitor({ store: s, clock })), stores }
      }

      it('creates a probe once when its first pushes reach two daemons at once', async () => {
        const {
          monitors: [a, b],
          stores,
        } = await daemons(2)
        const pushes = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            [a, b].map((m) => m?.pushProbe({ code: `p${i}`, health: 'healthy' })),
          ).flat(),
        )
        expect(pushes.map((p) => p?.isOk())).toEqual(pushes.map(() => true))
        const status = (await stores[0]?.transaction((t) => t.listContractOverviews({ limit: 100 }))) ?? []
        expect(status.map((o) => o.contract.code)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`))
        expect(
          await Promise.all(status.map((o) => stores[0]?.transaction((t) => t.countReports(o.contract.id)))),
        ).toEqual(status.map(() => 2))
      })

      it('opens one incident when critical pushes to one probe reach two daemons at once', async () => {
        const {
          monitors: [a, b],
          stores,
        } = await daemons(2)
        const pushes = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b)?.pushProbe({ code: 'db', health: 'critical' })),
        )
        expect(pushes.map((p) => p?.isOk())).toEqual(pushes.map(() => true))
        expect(pushes.flatMap((p) => p?._unsafeUnwrap().opened ?? [])).toHaveLength(1)
        expect(await stores[0]?.transaction((t) => t.listActiveIncidents())).toHaveLength(1)
      })

      it('acts on each due deadline once when three daemons check at the same time', async () => {
        const { clock, monitors, stores } = await daemons(3)
        for (let i = 0; i < 30; i++) {
          const push = await monitors[i % 3]?.pushProbe({
            code: `p${String(i).padStart(2, '0')}`,
            health: 'healthy',
            staleIncidentAfter: 60_000,
          })
          expect(push?.isOk()).toBe(true)
        }
        clock.advance('1m')
        const checks = await Promise.all(monitors.map((m) => m.check()))
        const opened = checks.flatMap((c) => c._unsafeUnwrap().opened)
        expect(opened).toHaveLength(30)
        expect(checks.flatMap((c) => c._unsafeUnwrap().markedStale).sort()).toEqual(
          Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, '0')}`),
        )
        expect(new Set(opened.map((i) => i.contractId)).size).toBe(30)
        const timelines = await stores[0]?.transaction(async (t) =>
          Promise.all(
            (await t.listActiveIncidents()).map(async (i) => (await t.listIncidentEvents(i.id)).map((e) => e.type)),
          ),
        )
        expect(timelines).toEqual(opened.map(() => ['opened']))
      })
    })
  })
}
