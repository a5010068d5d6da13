// The daemon over TCP (issue 11): pushes/s through `[http] listen` over HTTP and over HTTPS with a
// token, each against the same daemon's Unix socket in the same run; and a ping URL request as a
// whole process (curl) against `timon push probe` as a whole process.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openHttpTransport, TimonClient } from '@timon/client'
import { pushThrough } from './daemon-bench.js'
import {
  CLI_DIR,
  freePort,
  median,
  refreshCliBundle,
  result,
  roundMs,
  tempDir,
  timeMs,
  timeProcess,
  waitForSocket,
  type BenchResult,
} from './lib.js'

const BIN = join(CLI_DIR, 'bin', 'timon.js')
/** Concurrent keep-alive clients, as in the socket figures of the daemon bench. */
const CLIENTS = 8
const ROUND_PUSHES = 5_000
const WARM_UP_PUSHES = 2_000
/** Alternated rounds of socket and TCP; the best of each counts (noise only ever slows a round down). */
const ROUNDS = 3
/** Processes of each kind for the ping URL figure, interleaved. */
const PROCESS_RUNS = 30

/**
 * - `pushes/s over TCP`: {@link CLIENTS} keep-alive `TimonClient`s with an HTTP transport and a
 *   `push` token, to a daemon (child process, `synchronous = "normal"` so the store does not hide
 *   the transport) listening on 127.0.0.1; against the same number of clients on the same daemon's
 *   Unix socket, rounds alternated. Target ≥ 0.8.
 * - `pushes/s over HTTPS`: the same with `tls_cert`/`tls_key` (a self-signed certificate made here
 *   with openssl, trusted through the transport's `caPem`). Target ≥ 0.6.
 * - `ping URL request`: `curl -fsS http://…/ping/<secret>/<code>` as a whole process against
 *   `timon push probe` on the socket as a whole process (median of each, alternated; no target).
 */
export async function runRemoteBench(): Promise<BenchResult[]> {
  refreshCliBundle()
  const tmp = tempDir('timon-remote-bench-')
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp.dir }
  try {
    const cert = selfSignedCertificate(tmp.dir)
    const http = await withDaemon(join(tmp.dir, 'http'), env, undefined, async (daemon) => {
      const rates = await compareRates(daemon, (secret) => ({ url: `http://127.0.0.1:${daemon.port}`, token: secret }))
      const ping = await comparePing(daemon, env)
      return { rates, ping }
    })
    const https = await withDaemon(join(tmp.dir, 'https'), env, cert, (daemon) =>
      compareRates(daemon, (secret) => ({
        url: `https://127.0.0.1:${daemon.port}`,
        token: secret,
        caPem: readFileSync(cert.cert, 'utf8'),
      })),
    )
    return [
      rateResult('HTTP', http.rates, 0.8),
      rateResult('HTTPS (self-signed certificate)', https, 0.6),
      result({
        name: 'ping URL request: curl -fsS http://127.0.0.1:<port>/ping/<secret>/<code> (whole process, median)',
        value: http.ping.curl,
        unit: 'ms',
        baseline: http.ping.push,
        baselineName: 'timon push probe on the Unix socket (whole process, median)',
        ratio: http.ping.curl / http.ping.push,
      }),
    ]
  } finally {
    tmp.cleanup()
  }
}

// --- internal ---

interface Daemon {
  readonly child: ChildProcess
  readonly socket: string
  readonly port: number
  /** The secret of a `push` token made on the socket. */
  readonly secret: string
}

interface Rates {
  readonly socket: number
  readonly tcp: number
}

function rateResult(over: string, rates: Rates, target: number): BenchResult {
  return result({
    name: `daemon pushes/s over ${over}, ${CLIENTS} keep-alive clients with a token (synchronous = normal)`,
    value: Math.round(rates.tcp),
    unit: 'push/s',
    baseline: Math.round(rates.socket),
    baselineName: `the same daemon's Unix socket, ${CLIENTS} keep-alive clients, push/s`,
    ratio: rates.tcp / rates.socket,
    target,
    better: 'higher',
  })
}

/** Runs `work` against a daemon listening on its socket and on 127.0.0.1 (HTTPS with `tls`), then stops it. */
async function withDaemon<T>(
  dir: string,
  env: Record<string, string>,
  tls: Certificate | undefined,
  work: (daemon: Daemon) => Promise<T>,
): Promise<T> {
  mkdirSync(dir, { recursive: true })
  const socket = join(dir, 'timon.sock')
  const config = join(dir, 'timon.toml')
  const port = await freePort()
  const tlsLines = tls === undefined ? '' : `tls_cert = "${tls.cert}"\ntls_key = "${tls.key}"\n`
  writeFileSync(
    config,
    `[daemon]\ndata_dir = "${join(dir, 'data')}"\nsocket = "${socket}"\nlog_level = "error"\n[store]\nsynchronous = "normal"\n[http]\nlisten = ["127.0.0.1:${port}"]\n${tlsLines}`,
  )
  const child = spawn(process.execPath, [BIN, 'daemon'], {
    env: { ...env, TIMON_CONFIG: config, TIMON_SOCKET: socket },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    await waitForSocket(socket, child)
    const admin = new TimonClient({ socketPath: socket })
    const created = await admin.createToken({ name: 'bench', scope: 'push' })
    admin.close()
    if (created.isErr()) throw new Error(`cannot create a token: ${created.error.message}`)
    return await work({ child, socket, port, secret: created.value.secret })
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
}

/** The best pushes/s of socket clients and of TCP clients (made from `url`), rounds alternated. */
async function compareRates(
  daemon: Daemon,
  url: (secret: string) => { url: string; token: string; caPem?: string },
): Promise<Rates> {
  const socketClients = Array.from({ length: CLIENTS }, () => new TimonClient({ socketPath: daemon.socket }))
  const tcpClients: TimonClient[] = []
  for (let i = 0; i < CLIENTS; i++) {
    const opened = await openHttpTransport({ ...url(daemon.secret), maxConnections: 1 })
    if (!opened.ok) throw new Error(opened.message)
    tcpClients.push(new TimonClient({ transport: opened.transport }))
  }
  try {
    await pushThrough(socketClients, WARM_UP_PUSHES)
    await pushThrough(tcpClients, WARM_UP_PUSHES)
    let socket = 0
    let tcp = 0
    for (let round = 0; round < ROUNDS; round++) {
      socket = Math.max(socket, (ROUND_PUSHES / (await timeMs(() => pushThrough(socketClients, ROUND_PUSHES)))) * 1000)
      tcp = Math.max(tcp, (ROUND_PUSHES / (await timeMs(() => pushThrough(tcpClients, ROUND_PUSHES)))) * 1000)
    }
    return { socket, tcp }
  } finally {
    for (const client of [...socketClients, ...tcpClients]) client.close()
  }
}

/** Median ms of a ping URL request by curl and of `timon push probe` on the socket, each a whole process. */
async function comparePing(daemon: Daemon, env: Record<string, string>): Promise<{ curl: number; push: number }> {
  const url = `http://127.0.0.1:${daemon.port}/ping/${daemon.secret}/bench.ping`
  const curl = () => timeProcess('curl', ['-fsS', '-o', '/dev/null', '-m', '10', url], env)
  const push = () =>
    timeProcess(process.execPath, [BIN, 'push', 'probe', 'bench.push', 'healthy'], {
      ...env,
      TIMON_SOCKET: daemon.socket,
    })
  for (let i = 0; i < 5; i++) {
    curl()
    push()
  }
  const curls: number[] = []
  const pushes: number[] = []
  for (let i = 0; i < PROCESS_RUNS; i++) {
    curls.push(curl())
    pushes.push(push())
  }
  return { curl: roundMs(median(curls)), push: roundMs(median(pushes)) }
}

interface Certificate {
  readonly cert: string
  readonly key: string
}

/** A self-signed certificate for 127.0.0.1, valid one day, made with openssl in `dir`. */
function selfSignedCertificate(dir: string): Certificate {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  )
  return { cert, key }
}
