// Issue 13 benchmarks: @timon/core + @timon/store-postgres against raw pg, on the server named by
// TIMON_TEST_DATABASE_URL (skipped when unset). Each measurement uses a scratch schema, dropped after.
import pg from 'pg'
import { Monitor } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { PostgresStore } from '@timon/store-postgres'
import { SKIPPED_WITHOUT_DATABASE, ScratchSchemas, TEST_DATABASE_URL } from '../packages/store-postgres/test/scratch-schemas.js'
import { median, result, timeMs, type BenchResult } from './lib.js'

const T0 = Date.parse('2025-01-01T00:00:00Z')

export async function runPostgresBench(): Promise<readonly BenchResult[]> {
  if (TEST_DATABASE_URL === undefined) {
    console.log(SKIPPED_WITHOUT_DATABASE.replace('tests', 'benchmarks'))
    return []
  }
  const schemas = new ScratchSchemas(TEST_DATABASE_URL)
  try {
    return [await pushThroughput(TEST_DATABASE_URL, schemas), await checkScaling(TEST_DATABASE_URL, schemas)]
  } finally {
    await schemas.dropAll()
  }
}

// --- internal ---

/** Probe pushes through Monitor + PostgresStore against single-row INSERTs (each its own transaction) through pg. */
async function pushThroughput(url: string, schemas: ScratchSchemas): Promise<BenchResult> {
  const N = 3000
  const store = await PostgresStore.open({ url, schema: schemas.next() })
  const monitor = new Monitor({ store })
  // Probes exist before timing, as in steady state.
  for (let p = 0; p < 100; p++) await monitor.pushProbe({ code: `probe-${p}`, health: 'healthy', staleIncidentAfter: '15m' })
  const monitorMs = await timeMs(async () => {
    for (let i = 0; i < N; i++) await monitor.pushProbe({ code: `probe-${i % 100}`, health: i % 7 === 0 ? 'warning' : 'healthy' })
  })
  await store.close()

  const rawSchema = schemas.next()
  await (await PostgresStore.open({ url, schema: rawSchema })).close()
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${rawSchema}` })
  await client.connect()
  let rawMs: number
  try {
    await client.query(`INSERT INTO contracts (code, kind, overlap_incident, created_at) VALUES ('probe-0', 'probe', true, now())`)
    rawMs = await timeMs(async () => {
      for (let i = 0; i < N; i++) {
        await client.query(
          `INSERT INTO reports (contract_id, kind, uid, health, pushed_at, overlap_incident) VALUES (1, 'sample', $1, 'healthy', $2, true)`,
          [i.toString(16).padStart(12, '0'), new Date(T0 + i)],
        )
      }
    })
  } finally {
    await client.end()
  }
  const monitorRate = (N / monitorMs) * 1000
  const rawRate = (N / rawMs) * 1000
  return result({
    name: 'probe pushes/s, Monitor + PostgreSQL',
    value: Math.round(monitorRate),
    unit: 'push/s',
    baseline: Math.round(rawRate),
    baselineName: 'raw pg single-row INSERT transactions/s',
    ratio: monitorRate / rawRate,
  })
}

/** Median ms of `check()` with 10 probes due among `probes`. */
async function checkCost(url: string, schemas: ScratchSchemas, probes: number): Promise<number> {
  const schema = schemas.next()
  const store = await PostgresStore.open({ url, schema })
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` })
  await client.connect()
  try {
    // Seeded in one statement: probes 0–9 due at T0, the others a year later.
    await client.query(
      `INSERT INTO contracts (code, kind, overlap_incident, stale_after, stale_at, created_at)
       SELECT 'probe-' || p, 'probe', true, 86400000,
              CASE WHEN p < 10 THEN $1::timestamptz ELSE $1::timestamptz + interval '365 days' END, $1::timestamptz
       FROM generate_series(0, $2::int - 1) AS p`,
      [new Date(T0), probes],
    )
    await client.query('ANALYZE contracts')
    const monitor = new Monitor({ store, clock: new FakeClock(T0 + 1000) })
    const times: number[] = []
    for (let i = 0; i < 30; i++) {
      await client.query(`UPDATE contracts SET stale_at = $1, is_stale = false WHERE code = ANY($2)`, [
        new Date(T0),
        Array.from({ length: 10 }, (_, p) => `probe-${p}`),
      ])
      let marked = 0
      times.push(
        await timeMs(async () => {
          marked = (await monitor.check())._unsafeUnwrap().markedStale.length
        }),
      )
      if (marked !== 10) throw new Error(`check() marked ${marked} probes stale, expected 10`)
    }
    return median(times.slice(5))
  } finally {
    await client.end()
    await store.close()
  }
}

async function checkScaling(url: string, schemas: ScratchSchemas): Promise<BenchResult> {
  const small = await checkCost(url, schemas, 1_000)
  const large = await checkCost(url, schemas, 100_000)
  return result({
    name: 'check() with 10 due among 100,000 probes, PostgreSQL',
    value: Number(large.toFixed(3)),
    unit: 'ms',
    baseline: Number(small.toFixed(3)),
    baselineName: 'among 1,000 probes (ms)',
    ratio: large / small,
    target: 2,
    better: 'lower',
  })
}
