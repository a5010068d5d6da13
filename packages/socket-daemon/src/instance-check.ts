import { lstat } from 'node:fs/promises'
import { request } from 'node:http'

/**
 * What is at a socket path before the daemon listens there:
 * - `absent`: nothing;
 * - `stale`: a socket file nobody listens on (left by a daemon that died), safe to remove;
 * - `timon`: a Timon daemon answers `GET /healthz`;
 * - `other`: something else listens there, or answers something else;
 * - `not_socket`: a file that is not a socket (never removed);
 * - `no_access`: the socket cannot be reached (permission denied).
 */
export type SocketState = 'absent' | 'stale' | 'timon' | 'other' | 'not_socket' | 'no_access'

/** Probes `path` (see {@link SocketState}), waiting at most `timeoutMs` for an answer. */
export async function probeSocket(path: string, timeoutMs = 2000): Promise<SocketState> {
  try {
    const stats = await lstat(path)
    if (!stats.isSocket()) return 'not_socket'
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
    return 'no_access'
  }
  return new Promise((resolve) => {
    const req = request(
      {
        socketPath: path,
        path: '/healthz',
        method: 'GET',
        headers: { Host: 'timon' },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve(res.statusCode === 200 && isHealthy(Buffer.concat(chunks).toString('utf8')) ? 'timon' : 'other'),
        )
        res.on('error', () => resolve('other'))
      },
    )
    req.on('timeout', () => {
      req.destroy()
      resolve('other')
    })
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT')
        resolve(error.code === 'ENOENT' ? 'absent' : 'stale')
      else if (error.code === 'EACCES' || error.code === 'EPERM') resolve('no_access')
      else resolve('other')
    })
    req.end()
  })
}

// --- internal ---

function isHealthy(text: string): boolean {
  try {
    const json = JSON.parse(text) as unknown
    return typeof json === 'object' && json !== null && (json as { ok?: unknown }).ok === true
  } catch {
    return false
  }
}
