// Throwaway TLS material for the tests of every package that serves or reaches HTTPS or STARTTLS:
// a CA made for the test run and a certificate for 127.0.0.1 (and localhost) signed by it.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Whether `openssl` can make the test certificates. */
export const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** The PEMs of a test CA and of the server certificate it signed, with the CA's file. */
export interface TestCertificates {
  readonly caPem: string
  /** `ca.crt` in the directory given, for configs that name a CA file. */
  readonly caFile: string
  readonly key: string
  readonly cert: string
}

/**
 * Makes the CA and the server certificate in `dir` (`ca.crt`, `server.key`, `server.crt`), valid
 * one day. Neither is trusted by the system: only a test that hands the CA over makes Node accept
 * the server.
 */
export function makeTestCertificates(dir: string): TestCertificates {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=Timon Test CA')
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  )
  const sign = ['-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial']
  openssl('x509', ...sign, '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext')
  const read = (name: string) => readFileSync(join(dir, name), 'utf8')
  return { caPem: read('ca.crt'), caFile: join(dir, 'ca.crt'), key: read('server.key'), cert: read('server.crt') }
}

/** {@link makeTestCertificates} in a directory of its own, removed again; `undefined` without openssl. */
export function testCertificates(): Omit<TestCertificates, 'caFile'> | undefined {
  if (!hasOpenssl) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'timon-test-tls-'))
  try {
    const { caPem, key, cert } = makeTestCertificates(dir)
    return { caPem, key, cert }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
