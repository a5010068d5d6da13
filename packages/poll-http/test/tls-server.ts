// An HTTPS server on 127.0.0.1 with a certificate from a throwaway CA, made with openssl.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TlsServer {
  readonly origin: string
  /** The PEM of the CA that signed the server's certificate. */
  readonly caPem: string
  close(): Promise<void>
}

/** Starts the server, answering 200 `ok`; `undefined` when openssl is not available. */
export async function tlsServer(): Promise<TlsServer | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'timon-poll-tls-'))
  try {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    try {
      openssl('version')
    } catch {
      return undefined
    }
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=Poll Test CA')
    openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName = IP:127.0.0.1\n')
    openssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '1',
      '-extfile',
      'san.ext',
    )
    const read = (name: string) => readFileSync(join(dir, name), 'utf8')
    const server = https.createServer({ key: read('server.key'), cert: read('server.crt') }, (_req, res) => {
      res.writeHead(200)
      res.end('ok')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return {
      origin: `https://127.0.0.1:${port}`,
      caPem: read('ca.crt'),
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
