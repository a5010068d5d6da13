import tls from 'node:tls'
import { formatHumanDuration, type Clock } from '@timon/core'
import { defaultCertificates } from '@timon/http-common'
import { classifyError, describeFailure, type CheckRunner, type Evaluation } from '@timon/poll-http'
import { formatAddress } from './address.js'
import type { TlsCheck } from './check-config.js'

/** What a TLS handshake showed of a certificate chain. */
export interface ChainFacts {
  /** The earliest `notAfter` over the chain the server sent (leaf and intermediates). */
  readonly expiresAt: Date
  /** Why the chain is not trusted for the server name (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`…), if it is not. */
  readonly invalid?: string
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Judges a chain at `now`: untrusted (or expired) fails; fewer than `criticalDays` days left fails;
 * fewer than `warningDays` passes with a warning. Reasons: `certificate valid for 80 days (until
 * 2026-05-01)`, `certificate expires in 5 days (2026-02-15)`, `certificate not valid for
 * example.com: ERR_TLS_CERT_ALTNAME_INVALID`.
 */
export function judgeChain(
  facts: ChainFacts,
  now: Date,
  check: Pick<TlsCheck, 'servername' | 'warningDays' | 'criticalDays'>,
): Evaluation {
  const days = Math.floor((facts.expiresAt.getTime() - now.getTime()) / DAY_MS)
  const date = facts.expiresAt.toISOString().slice(0, 10)
  if (facts.invalid !== undefined)
    return { ok: false, reason: `certificate not valid for ${check.servername}: ${facts.invalid} (expires ${date})` }
  if (facts.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: `certificate expired on ${date}` }
  const left = `${days} day${days === 1 ? '' : 's'}`
  if (days < check.criticalDays)
    return { ok: false, reason: `certificate expires in ${left} (${date}), critical under ${check.criticalDays}` }
  if (days < check.warningDays)
    return {
      ok: true,
      warning: true,
      reason: `certificate expires in ${left} (${date}), warning under ${check.warningDays}`,
    }
  return { ok: true, reason: `certificate valid for ${left} (until ${date})` }
}

/** Runs a TLS check: a handshake with SNI `servername`, then {@link judgeChain} at the clock's now. */
export function tlsRunner(check: TlsCheck, clock: Clock): CheckRunner {
  const address = formatAddress(check)
  const ca = check.ca === undefined ? undefined : [...defaultCertificates(), check.ca.pem]
  return {
    source: `tls://${address}${check.servername === check.host ? '' : ` (${check.servername})`}`,
    slotKey: `tls:${address}`,
    async run(signal) {
      const facts = await handshake(check, ca, signal)
      if (facts === undefined) return undefined
      return 'reason' in facts ? facts : judgeChain(facts, clock.now(), check)
    },
    close() {},
  }
}

// --- internal ---

/** Connects without rejecting an untrusted chain (so its expiry is still reported) and reads what the handshake showed. */
function handshake(
  check: TlsCheck,
  ca: string[] | undefined,
  signal: AbortSignal,
): Promise<ChainFacts | Evaluation | undefined> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: check.host,
      port: check.port,
      servername: check.servername,
      rejectUnauthorized: false,
      ...(ca === undefined ? {} : { ca }),
    })
    const finish = (result: ChainFacts | Evaluation | undefined) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(result)
    }
    const onAbort = () => finish(undefined)
    const timer = setTimeout(
      () => finish({ ok: false, reason: `timeout after ${formatHumanDuration(check.timeoutMs)}` }),
      check.timeoutMs,
    )
    signal.addEventListener('abort', onAbort, { once: true })
    socket.on('secureConnect', () => {
      const expiresAt = earliestExpiry(socket.getPeerCertificate(true))
      if (expiresAt === undefined) return finish({ ok: false, reason: 'the server sent no certificate' })
      const invalid = socket.authorized ? undefined : String(socket.authorizationError)
      finish({ expiresAt, ...(invalid === undefined ? {} : { invalid }) })
    })
    socket.on('error', (error) => finish({ ok: false, reason: describeFailure(classifyError(error, check.host)) }))
  })
}

/** The earliest `valid_to` along the chain (`issuerCertificate` links; a root links to itself). */
function earliestExpiry(leaf: tls.DetailedPeerCertificate): Date | undefined {
  let earliest: Date | undefined
  const seen = new Set<tls.DetailedPeerCertificate>()
  for (
    let cert: tls.DetailedPeerCertificate | undefined = leaf;
    cert !== undefined && cert.valid_to !== undefined && !seen.has(cert);
    cert = cert.issuerCertificate
  ) {
    seen.add(cert)
    const at = new Date(cert.valid_to)
    if (earliest === undefined || at < earliest) earliest = at
  }
  return earliest
}
