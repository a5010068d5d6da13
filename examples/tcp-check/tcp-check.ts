// A check of your own, run by the daemon: is something accepting TCP connections on host:port?
// Unlike examples/tcp-poller (a Poller with timers of its own), this plugin gives `checks`: the
// daemon runs them on the schedule of its `[[plugin]]` table (interval, timeout, thresholds) and
// catches whatever they throw, so a bug here is a failed run in the log, never a crashed daemon.
//
//   [[plugin]]
//   name     = "ports"
//   module   = "/etc/timon/plugins/tcp-check.js"
//   interval = "30s"
//   options  = { targets = [{ code = "db.port", host = "127.0.0.1", port = 5432 }] }
import { connect } from 'node:net'
import type { PluginCheck, PluginContext, PluginVerdict } from '@timon/socket-daemon'

/** The plugin factory; throwing here (bad options) stops the daemon at start, naming the plugin. */
export default function tcpCheckPlugin({ options }: PluginContext): { checks: PluginCheck[] } {
  const targets = options.targets
  if (!Array.isArray(targets) || !targets.every(isTarget))
    throw new Error('options.targets must be an array of { code, host, port }')
  return {
    checks: targets.map((target) => ({
      code: target.code,
      source: `tcp://${target.host}:${target.port}`,
      run: (signal) => tryConnect(target, signal),
    })),
  }
}

interface TcpTarget {
  readonly code: string
  readonly host: string
  readonly port: number
}

function isTarget(value: unknown): value is TcpTarget {
  const { code, host, port } = (value ?? {}) as Partial<Record<keyof TcpTarget, unknown>>
  return typeof code === 'string' && typeof host === 'string' && typeof port === 'number'
}

/** Connects once; `signal` (the daemon's timeout, or its stop) destroys the attempt. */
function tryConnect({ host, port }: TcpTarget, signal: AbortSignal): Promise<PluginVerdict> {
  const started = performance.now()
  return new Promise((resolve) => {
    const socket = connect({ host, port, signal })
    socket.once('connect', () => {
      socket.destroy()
      resolve({ ok: true, reason: `connected in ${Math.round(performance.now() - started)}ms` })
    })
    socket.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, reason: error.code === 'ECONNREFUSED' ? 'connection refused' : error.message }),
    )
  })
}
