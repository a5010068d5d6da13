import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { describe, expect, it } from 'vitest'
import { caFileField, readCaFile } from './ca-file.js'

// A real certificate (the first of Node's bundled CAs), so that the PEM check has something valid to accept.
const PEM = tls.rootCertificates[0] ?? ''

describe('readCaFile', () => {
  it('reads a file of PEM certificates, resolved against baseDir', () => {
    expect(PEM).toMatch(/^-----BEGIN CERTIFICATE-----\n/)
    const dir = mkdtempSync(join(tmpdir(), 'timon-http-common-'))
    writeFileSync(join(dir, 'ca.pem'), `# our CAs\n${PEM}${PEM}`)
    expect(readCaFile('ca.pem', { baseDir: dir })._unsafeUnwrap()).toEqual({
      path: join(dir, 'ca.pem'),
      pem: `# our CAs\n${PEM}${PEM}`,
    })
  })

  it('reports a missing file with its resolved path and the error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timon-http-common-'))
    expect(readCaFile('missing.crt', { baseDir: dir })._unsafeUnwrapErr()).toMatch(
      new RegExp(`^cannot read "${join(dir, 'missing.crt').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}": ENOENT`),
    )
  })

  it('reports a file without any PEM certificate', () => {
    expect(readCaFile('ca.pem', { baseDir: '/x', readFile: () => 'not a certificate' })._unsafeUnwrapErr()).toBe(
      '"/x/ca.pem" holds no PEM certificate',
    )
  })

  it('reports a bad PEM block, even one the X509Certificate constructor alone would take', () => {
    for (const body of ['AAAA', 'bm90IGEgY2VydA==']) {
      const garbage = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`
      expect(readCaFile('/etc/ca.pem', { readFile: () => garbage })._unsafeUnwrapErr()).toMatch(
        /^"\/etc\/ca\.pem" holds an invalid certificate: /,
      )
    }
    expect(
      readCaFile('/etc/ca.pem', {
        readFile: () => `${PEM}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
      }).isErr(),
    ).toBe(true)
  })

  it('reads through the injected readFile, which may return a Buffer, and reports what it throws', () => {
    const read: string[] = []
    const readFile = (path: string) => {
      read.push(path)
      return Buffer.from(PEM)
    }
    expect(readCaFile('/etc/ca.pem', { baseDir: '/elsewhere', readFile })._unsafeUnwrap()).toEqual({
      path: '/etc/ca.pem',
      pem: PEM,
    })
    expect(read).toEqual(['/etc/ca.pem'])
    const failing = () => {
      throw new Error('EACCES: permission denied')
    }
    expect(readCaFile('ca.pem', { baseDir: '/etc/timon', readFile: failing })._unsafeUnwrapErr()).toBe(
      'cannot read "/etc/timon/ca.pem": EACCES: permission denied',
    )
  })
})

describe('caFileField', () => {
  it('takes a non-empty string', () => {
    expect(caFileField().parse('ca.pem')).toBe('ca.pem')
    expect(
      caFileField()
        .safeParse('')
        .error?.issues.map((issue) => issue.message),
    ).toEqual(['must not be empty'])
    expect(
      caFileField()
        .safeParse(true)
        .error?.issues.map((issue) => issue.message),
    ).toEqual(['must be a string (the path of a PEM CA file)'])
  })
})
