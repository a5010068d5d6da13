// Real SMTP servers on 127.0.0.1 for the tests and the bench: smtp-server in-process, and a
// certificate from a throwaway CA made with openssl.
import net from 'node:net'
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server'

/** One message the server accepted. */
export interface Received {
  readonly from: string
  readonly to: readonly string[]
  /** The raw message: headers and body. */
  readonly raw: string
  /** Whether the session was encrypted (STARTTLS or implicit TLS) when the message came. */
  readonly secure: boolean
  /** The user the session logged in as, if any. */
  readonly user: string | undefined
}

/** A running server. */
export interface TestSmtpServer {
  readonly port: number
  readonly messages: Received[]
  /** TCP connections accepted so far (pooling keeps it low). */
  connections: number
  close(): Promise<void>
}

/** What a test server does, on top of accepting everything. */
export interface TestSmtpOptions {
  /** TLS key and certificate: offered with STARTTLS (or used from the start with `secure`). */
  readonly tls?: { readonly key: string; readonly cert: string }
  readonly secure?: boolean
  /** Requires a login with these credentials (only over TLS when `tls` is given). */
  readonly login?: { readonly user: string; readonly password: string }
  /** Answers RCPT TO for an address: `undefined` accepts, a code and text refuses. */
  readonly rcpt?: (address: string) => { readonly code: number; readonly text: string } | undefined
  /** Called with each accepted message. */
  readonly onMessage?: (message: Received) => void
}

/** Starts smtp-server on 127.0.0.1 (a free port). */
export async function startSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const messages: Received[] = []
  const serverOptions: SMTPServerOptions = {
    logger: false,
    secure: options.secure ?? false,
    ...(options.tls === undefined
      ? { disabledCommands: ['STARTTLS'] }
      : { key: options.tls.key, cert: options.tls.cert }),
    authOptional: options.login === undefined,
    allowInsecureAuth: options.tls === undefined,
    onAuth(auth, _session, callback) {
      const ok =
        options.login !== undefined && auth.username === options.login.user && auth.password === options.login.password
      callback(
        ok ? null : smtpError(535, '5.7.8 Authentication credentials invalid'),
        ok ? { user: auth.username } : undefined,
      )
    },
    onRcptTo(address, _session, callback) {
      const refusal = options.rcpt?.(address.address)
      callback(refusal === undefined ? null : smtpError(refusal.code, refusal.text))
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope
        const message: Received = {
          from: mailFrom === false ? '' : mailFrom.address,
          to: rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
        }
        messages.push(message)
        options.onMessage?.(message)
        callback()
      })
    },
  }
  const server = new SMTPServer(serverOptions)
  const started: TestSmtpServer = {
    port: 0,
    messages,
    connections: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
  server.server.on('connection', () => {
    started.connections += 1
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return Object.assign(started, { port: (server.server.address() as net.AddressInfo).port })
}

/**
 * A server that greets like SMTP, then drops the connection as soon as the client speaks: a
 * crashed or restarted mail server. `dropped` counts the connections it dropped.
 */
export async function startDroppingServer(): Promise<{
  readonly port: number
  dropped: number
  close(): Promise<void>
}> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.write('220 127.0.0.1 ESMTP about to fail\r\n')
    socket.once('data', () => {
      dropping.dropped += 1
      socket.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const dropping = {
    port: (server.address() as net.AddressInfo).port,
    dropped: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
  return dropping
}

export { testCertificates as makeCertificates } from '../../http-common/test/certificates.js'

// --- internal ---

/** smtp-server answers an error with its `responseCode` and message. */
function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code })
}
