import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { maskSecrets, maskUrl, openStore } from './store-factory.js'

describe('secrets of the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'timon-store-factory-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('masks the password of a URL, and leaves a URL without one alone', () => {
    expect(maskUrl('postgres://timon:s3cr%40t@db:5432/timon?sslmode=require')).toBe(
      'postgres://timon:***@db:5432/timon?sslmode=require',
    )
    expect(maskUrl('postgres://timon@db/timon')).toBe('postgres://timon@db/timon')
    expect(maskSecrets('auth failed for s3cr@t and s3cr%40t', ['s3cr%40t', 's3cr@t'])).toBe(
      'auth failed for *** and ***',
    )
  })

  it('never shows the password in the error of a database it cannot open', async () => {
    // Nothing listens on port 1: the connection is refused at once.
    const error = await openStore({
      kind: 'postgres',
      url: 'postgres://timon:hunter2@127.0.0.1:1/timon',
      passwordFile: undefined,
      schema: undefined,
      leaseMs: 15_000,
    }).catch((e: unknown) => e)
    expect(String(error)).toMatch(
      /^StoreOpenError: cannot open the database postgres:\/\/timon:\*\*\*@127\.0\.0\.1:1\/timon: the database is unavailable/,
    )
    expect(String(error)).not.toContain('hunter2')

    const passwordFile = join(dir, 'pw')
    writeFileSync(passwordFile, 'correct horse\n')
    const fromFile = await openStore({
      kind: 'postgres',
      url: 'postgres://timon@127.0.0.1:1/timon',
      passwordFile,
      schema: undefined,
      leaseMs: 15_000,
    }).catch((e: unknown) => e)
    expect(String(fromFile)).not.toContain('correct horse')
    const missing = await openStore({
      kind: 'postgres',
      url: 'postgres://timon@127.0.0.1:1/timon',
      passwordFile: join(dir, 'none'),
      schema: undefined,
      leaseMs: 15_000,
    }).catch((e: unknown) => e)
    expect(String(missing)).toMatch(/store\.password_file: cannot read/)
  })
})
