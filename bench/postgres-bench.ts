// Issue 13 benchmarks: @timon/core + @timon/store-postgres against raw pg, on the server named by
// TIMON_TEST_DATABASE_URL (skipped when unset). Each measurement uses a scratch schema, dropped after.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { TimonClient } from '@timon/client'
import { Monitor } from '@timon/core'
import { FakeClock } from '@timon/core/testing'
import { PostgresStore } from '@timon/store-postgres'
import {
  SKIPPED_WITHOUT_DATABASE,
  ScratchSchemas,
  TEST_DATABASE_URL,
} from '../packages/store-postgres/test/scratch-schemas.js'
import { BENCH_PROBES, median, result, steadyPush, timeMs, type BenchResult } from './lib.js'

const T0 = Date.parse('2025-01-01T00:00:00Z')
const RAW_BASELINE = 'raw pg single-row INSERT transactions/s'
const TIMON_BIN = fileURLToPath(new URL('../packages/cli/bin/timon.js', import.meta.url))

export async function runPostgresBench(): Promise<readonly BenchResult[]> {
  if (TEST_DATABASE_URL === undefined) {
    console.log(SKIPPED_WITHOUT_DATABASE.replace('tests', 'benchmarks'))
    return []
  }
  const schemas = new ScratchSchemas(TEST_DATABASE_URL)
  try {
    const rawRate = await rawInsertRate(TEST_DATABASE_URL, schemas)
    return [
      await pushThroughput(TEST_DATABASE_URL, schemas, rawRate),
      await daemonThroughput(TEST_DATABASE_URL, schemas, rawRate, 1),
      await daemonThroughput(TEST_DATABASE_URL, schemas, rawRate, 2),
      await checkScaling(TEST_DATABASE_URL, schemas),
    ]
  } finally {
    await schemas.dropAll()
  }
}

// --- internal ---

/** Probe pushes through Monitor + PostgresStore against single-row INSERTs (each its own transaction) through pg. */
async function pushThroughput(url: string, schemas: ScratchSchemas, rawRate: number): Promise<BenchResult> {
  const N = 3000
  const store = await PostgresStore.open({ url, schema: schemas.next() })
  const monitor = new Monitor({ store })
  // Probes exist before timing, as in steady state.
  for (let p = 0; p < BENCH_PROBES; p++)
    await monitor.pushProbe({ code: `probe-${p}`, health: 'healthy', staleIncidentAfter: '15m' })
  const monitorMs = await timeMs(async () => {
    for (let i = 0; i < N; i++) await monitor.pushProbe(steadyPush(i))
  })
  await store.close()
  const monitorRate = (N / monitorMs) * 1000
  return result({
    name: 'probe pushes/s, Monitor + PostgreSQL',
    value: Math.round(monitorRate),
    unit: 'push/s',
    baseline: Math.round(rawRate),
    baselineName: RAW_BASELINE,
    ratio: monitorRate / rawRate,
  })
}

/**
 * Probe pushes/s through `daemons` `timon daemon` processes on one schema, from 8 concurrent clients
 * spread over them (each push a request on the Unix socket), against raw single-row INSERTs.
 */
async function daemonThroughput(
  url: string,
  schemas: ScratchSchemas,
  rawRate: number,
  daemons: number,
): Promise<BenchResult> {
  const N = 4000
  const CLIENTS = 8
  const schema = schemas.next()
  const dir = mkdtempSync(join(tmpdir(), 'timon-pgbench-'))
  const children: ChildProcess[] = []
  try {
    const sockets = Array.from({ length: daemons }, (_, i) => join(dir, `d${i}.sock`))
    for (const [i, socket] of sockets.entries()) {
      const config = join(dir, `d${i}.toml`)
      writeFileSync(
        config,
        `[daemon]\nname = "bench-${i}"\ndata_dir = "${dir}"\nlog_level = "warn"\n[store]\nurl = "${url}"\nschema = "${schema}"\n`,
      )
      children.push(
        spawn(process.execPath, [TIMON_BIN, 'daemon', '--config', config], {
          env: { ...process.env, TIMON_SOCKET: socket },
          stdio: 'ignore',
        }),
      )
    }
    const clients = Array.from(
      { length: CLIENTS },
      (_, c) => new TimonClient({ socketPath: sockets[c % daemons] ?? '', connectRetries: 0 }),
    )
    for (const client of clients) {
      while ((await client.health()).isErr()) await sleep(50)
    }
    for (let p = 0; p < 100; p++)
      (
        await clients[0]?.pushProbe({ code: `probe-${p}`, health: 'healthy', staleIncidentAfter: '15m' })
      )?._unsafeUnwrap()
    const ms = await timeMs(async () => {
      await Promise.all(
        clients.map(async (client, c) => {
          for (let i = c; i < N; i += CLIENTS)
            (await client.pushProbe({ code: `probe-${i % 100}`, health: 'healthy' }))._unsafeUnwrap()
        }),
      )
    })
    for (const client of clients) client.close()
    const rate = (N / ms) * 1000
    return result({
      name: `probe pushes/s through ${daemons} daemon${daemons === 1 ? '' : 's'} on PostgreSQL (${CLIENTS} clients)`,
      value: Math.round(rate),
      unit: 'push/s',
      baseline: Math.round(rawRate),
      baselineName: RAW_BASELINE,
      ratio: rate / rawRate,
    })
  } finally {
    for (const child of children) child.kill('SIGTERM')
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)))
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Single-row INSERT transactions/s of a report through pg, one after another: the baseline of the push figures. */
async function rawInsertRate(url: string, schemas: ScratchSchemas): Promise<number> {
  const N = 3000
  const rawSchema = schemas.next()
  await (await PostgresStore.open({ url, schema: rawSchema })).close()
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${rawSchema}` })
  await client.connect()
  try {
    await client.query(
      `INSERT INTO contracts (code, kind, overlap_incident, created_at) VALUES ('probe-0', 'probe', true, now())`,
    )
    const rawMs = await timeMs(async () => {
      for (let i = 0; i < N; i++) {
        await client.query(
          `INSERT INTO reports (contract_id, kind, uid, health, pushed_at, overlap_incident) VALUES (1, 'sample', $1, 'healthy', $2, true)`,
          [i.toString(16).padStart(12, '0'), new Date(T0 + i)],
        )
      }
    })
    return (N / rawMs) * 1000
  } finally {
    await client.end()
  }
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
