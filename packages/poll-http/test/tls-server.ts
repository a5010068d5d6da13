// An HTTPS server on 127.0.0.1 with a certificate from a throwaway CA, made with openssl.
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { testCertificates } from '../../http-common/test/certificates.js'

export interface TlsServer {
  readonly origin: string
  /** The PEM of the CA that signed the server's certificate. */
  readonly caPem: string
  close(): Promise<void>
}

/** Starts the server, answering 200 `ok`; `undefined` when openssl is not available. */
export async function tlsServer(): Promise<TlsServer | undefined> {
  const certificates = testCertificates()
  if (certificates === undefined) return undefined
  const server = https.createServer({ key: certificates.key, cert: certificates.cert }, (_req, res) => {
    res.writeHead(200)
    res.end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `https://127.0.0.1:${port}`,
    caPem: certificates.caPem,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
