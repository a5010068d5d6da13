/**
 * The shell examples in examples/ (the README's cron backup job and probe script), run with
 * /bin/sh against the real daemon, with `timon` on the PATH as users have it.
 */
import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, REPO_DIR, baseEnv, ensureBuilt, execScript, startDaemon, type DaemonProcess } from './helpers.js'

const BACKUP = join(REPO_DIR, 'examples', 'cron-backup', 'backup.sh')
const CHECK = join(REPO_DIR, 'examples', 'probe', 'check-myapp.sh')

let daemon: DaemonProcess
/** PATH with a `timon` command that runs the built CLI. */
let path: string

beforeAll(async () => {
  ensureBuilt()
  daemon = await startDaemon()
  const bin = join(daemon.dir, 'bin')
  mkdirSync(bin)
  writeFileSync(join(bin, 'timon'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`)
  chmodSync(join(bin, 'timon'), 0o755)
  path = `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`
})

afterAll(async () => {
  await daemon?.cleanup()
})

describe('examples/cron-backup/backup.sh', () => {
  function backupEnv(name: string, extra: Record<string, string> = {}) {
    const backups = join(daemon.dir, name, 'backups')
    const uploaded = join(daemon.dir, name, 'uploaded')
    mkdirSync(backups, { recursive: true })
    mkdirSync(uploaded, { recursive: true })
    const env = baseEnv(daemon.dir, {
      ...daemon.env,
      PATH: path,
      PG_DUMP: 'echo fake dump',
      UPLOAD: 'cp',
      UPLOAD_TARGET: `${uploaded}/`,
      BACKUP_DIR: backups,
      ...extra,
    })
    return { env, uploaded }
  }

  it('reports a run with its two steps and its end, and still does the backup', async () => {
    const { env, uploaded } = backupEnv('ok')
    const result = await execScript(BACKUP, [], env)
    expect(result).toMatchObject({ status: 0, stdout: '', stderr: '' })
    expect(existsSync(join(uploaded, 'mydb.gz'))).toBe(true)

    const job = JSON.parse((await daemon.timon(['show', 'db.backup', '--json'])).stdout) as {
      rules: Record<string, unknown>
      reports: { report: { uid: string; health: string; end_comment: string } }[]
    }
    expect(job.rules).toMatchObject({
      stale_after: 25 * 3_600_000,
      stale_incident_after: 26 * 3_600_000,
      overtime_incident_after: 3_600_000,
      overlap_incident: true,
      schedule: null,
    })
    expect(job.reports).toHaveLength(1)
    const run = job.reports[0]?.report
    expect(run).toMatchObject({ health: 'healthy', end_comment: 'Backup OK' })
    const shown = (await daemon.timon(['show', `db.backup:${run?.uid ?? ''}`])).stdout
    expect(shown).toMatch(
      /\nSTEPS\n {2}\+.* ✓ healthy {2}"Dump completed"\n {2}\+.* ✓ healthy {2}"Uploaded to S3"\n {2}\+.* end +"Backup OK"\n$/,
    )
  })

  it('reports a failed dump as a critical step that ends the run, which opens an incident', async () => {
    const { env } = backupEnv('failing', { PG_DUMP: 'false' })
    const result = await execScript(BACKUP, [], env)
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    const status = (await daemon.timon(['status'])).stdout
    expect(status).toMatch(/\n {2}INC-\d+ +open +"db\.backup is critical"/)
    expect(status).toMatch(/\n {2}db\.backup +✗ critical — .* ago +"Dump failed" +INC-\d+\n/)
  })

  it('still backs up when the daemon is unreachable: only the start complains, the guard skips the rest', async () => {
    const { env, uploaded } = backupEnv('offline', { TIMON_SOCKET: join(daemon.dir, 'nobody.sock') })
    const result = await execScript(BACKUP, [], env)
    expect(result.status).toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Error: cannot reach the Timon daemon at .*nobody\.sock.*timon daemon/),
    ])
    expect(readFileSync(join(uploaded, 'mydb.gz')).length).toBeGreaterThan(0)
  })
})

describe('examples/probe/check-myapp.sh', () => {
  let server: Server
  let healthy = true

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/health' && healthy ? 200 : 503)
      res.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  })

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('pushes healthy while the app answers, critical when it does not, with a stale-incident rule', async () => {
    const env = baseEnv(daemon.dir, {
      ...daemon.env,
      PATH: path,
      HEALTH_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`,
    })
    expect(await execScript(CHECK, [], env)).toMatchObject({ status: 0, stdout: '', stderr: '' })
    let shown = (await daemon.timon(['show', 'myapp.health'])).stdout
    expect(shown).toMatch(/^PROBE {2}myapp\.health\n {2}health +✓ healthy\n/)
    expect(shown).toMatch(/\n {2}stale incident after +10m\n/)

    healthy = false
    expect(await execScript(CHECK, [], env)).toMatchObject({ status: 0, stdout: '', stderr: '' })
    shown = (await daemon.timon(['show', 'myapp.health'])).stdout
    expect(shown).toMatch(/\n {2}health +✗ critical\n/)
    expect(shown).toMatch(/\n {2}active incidents +INC-\d+\n/)
    expect((await daemon.timon(['summary'])).stdout).toContain('critical (db.backup, myapp.health)')
  })
})
