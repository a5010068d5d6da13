import type { Socket } from 'node:net'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/** The default cap on open connections of one listener (`[http] max_connections`). */
export const DEFAULT_MAX_CONNECTIONS = 512

/**
 * Caps the open connections of a server without letting idle clients lock others out. When a
 * new connection would pass the cap, the oldest connection with no request in flight (one that
 * sent nothing yet, a slow client still sending its headers, or an idle keep-alive) is closed to
 * make room; only when every connection is busy is the new one refused. So a thousand idle
 * sockets cannot starve `/healthz`, and the cap (kept below the fd limit) keeps the daemon from
 * running out of file descriptors, where it could accept nothing at all.
 */
export function guardConnections(server: Server, maxConnections: number): void {
  // Insertion order is age: the first idle one found is the oldest.
  const open = new Map<unknown, Connection>()
  server.on('connection', (socket: Socket) => {
    if (open.size >= maxConnections && !evictOldestIdle(open)) {
      socket.destroy()
      return
    }
    const key = connectionKey(socket)
    open.set(key, { socket, busy: 0 })
    socket.once('close', () => open.delete(key))
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const state = open.get(connectionKey(req.socket))
    if (state === undefined) return
    state.busy += 1
    res.once('close', () => {
      state.busy -= 1
    })
  })
}

interface Connection {
  readonly socket: Socket
  busy: number
}

/**
 * What names a connection both on its raw socket and on the request's: under TLS the request's
 * socket wraps the raw one, but both have the peer's address and port; a Unix socket has no port
 * and no wrapper.
 */
function connectionKey(socket: Socket): unknown {
  return socket.remotePort === undefined ? socket : `${socket.remoteAddress ?? ''}|${socket.remotePort}`
}

function evictOldestIdle(open: Map<unknown, Connection>): boolean {
  for (const [key, connection] of open) {
    if (connection.busy > 0) continue
    open.delete(key)
    connection.socket.destroy()
    return true
  }
  return false
}
