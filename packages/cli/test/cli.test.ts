/**
 * The built `timon` binary against the real daemon: every command and flag, outputs, exit codes,
 * and stdout left empty on failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseEnv, ensureBuilt, exec, poll, startDaemon, tempDir, type DaemonProcess, type Exec } from './helpers.js'

let daemon: DaemonProcess
const timon = (...args: string[]) => daemon.timon(args)

beforeAll(async () => {
  ensureBuilt()
  daemon = await startDaemon()
})

afterAll(async () => {
  await daemon?.cleanup()
})

/** A success: status 0 and nothing on stderr. */
function expectOk(result: Exec): Exec {
  expect(result.stderr, result.stderr).toBe('')
  expect(result.status).toBe(0)
  return result
}

/** A failure: status 1, stdout empty, stderr starting with `Error: <message>`. */
function expectFailure(result: Exec, message: string | RegExp): void {
  expect(result.status).toBe(1)
  expect(result.stdout).toBe('')
  if (typeof message === 'string') expect(result.stderr.startsWith(`Error: ${message}\n`), result.stderr).toBe(true)
  else expect(result.stderr).toMatch(message)
}

function json<T = Record<string, unknown>>(result: Exec): T {
  expectOk(result)
  return JSON.parse(result.stdout) as T
}

const UID = /^[0-9a-f]{12}$/

describe('timon without a daemon', () => {
  it('prints its version and help without contacting anything', async () => {
    const { dir, remove } = tempDir()
    try {
      const env = baseEnv(dir, { TIMON_SOCKET: `${dir}/none.sock` })
      expect(expectOk(await exec(['--version'], env)).stdout).toMatch(/^Timon \d+\.\d+\.\d+\n$/)
      expect(expectOk(await exec(['help'], env)).stdout).toContain('push probe')
      expect(expectOk(await exec(['push', 'job', 'step', '--help'], env)).stdout).toContain('--end-comment <text>')
    } finally {
      remove()
    }
  })

  it('says the daemon is unreachable, names the socket and suggests timon daemon, with stdout empty', async () => {
    const { dir, remove } = tempDir()
    try {
      const socket = `${dir}/none.sock`
      const result = await exec(['push', 'job', 'start', 'db.backup'], baseEnv(dir, { TIMON_SOCKET: socket }))
      expectFailure(result, /^Error: cannot reach the Timon daemon at .*none\.sock.*timon daemon/)
      expect(result.stderr).toContain(socket)
      expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1)
    } finally {
      remove()
    }
  })

  it('finds the socket in the config file when TIMON_SOCKET is unset', async () => {
    const { dir, remove } = tempDir()
    try {
      const config = `${dir}/timon.toml`
      const { writeFileSync } = await import('node:fs')
      writeFileSync(config, `[daemon]\nsocket = "${daemon.socket}"\n`)
      expectOk(await exec(['push', 'probe', 'via.config', 'healthy'], baseEnv(dir, { TIMON_CONFIG: config })))
    } finally {
      remove()
    }
  })
})

describe('push probe, status, summary and show', () => {
  it('pushes samples, shows the probe with its rules in force and its samples', async () => {
    expectOk(
      await timon(
        'push',
        'probe',
        'myapp.health',
        'healthy',
        '--comment',
        'All good',
        '--stale-after',
        '5m',
        '--stale-incident-after',
        '15m',
      ),
    )
    // Rules are sticky: a push without flags keeps them (decisions).
    expect(expectOk(await timon('push', 'probe', 'myapp.health', 'warning')).stdout).toBe('')

    const shown = expectOk(await timon('show', 'myapp.health')).stdout
    expect(shown).toMatch(
      /^PROBE {2}myapp\.health\n {2}health {16}⚠ warning\n {2}last push {13}\S.* ago\n {2}host {18}\S+\n {2}stale after {11}5m\n {2}stale incident after {2}15m\n\nSAMPLES\n/,
    )
    const rows = shown.split('SAMPLES\n')[1]?.trimEnd().split('\n') ?? []
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatch(/^ {2}[0-9a-f]{12} {2}⚠ warning {2}\s+\S+( \S+)? ago$/)
    expect(rows[1]).toMatch(/^ {2}[0-9a-f]{12} {2}✓ healthy {2}"All good" {2}.* ago$/)

    // "off" removes a rule.
    expectOk(await timon('push', 'probe', 'myapp.health', 'healthy', '--stale-after', 'off'))
    const after = expectOk(await timon('show', 'myapp.health')).stdout
    expect(after).not.toContain('stale after ')
    expect(after).toContain('  stale incident after  15m\n')
  })

  it('shows one sample with its comment', async () => {
    const pushed = json<{ sample: { uid: string } }>(
      await timon('push', 'probe', 'sample.probe', 'critical', '--comment', 'HTTP 503', '--json'),
    )
    expect(pushed.sample.uid).toMatch(UID)
    const shown = expectOk(await timon('show', `sample.probe:${pushed.sample.uid}`)).stdout
    expect(shown).toMatch(
      new RegExp(
        `^PROBE {2}sample\\.probe {2}sample ${pushed.sample.uid}\\n {2}health {12}✗ critical\\n {2}host {14}\\S+\\n {2}pushed {12}.* ago\\n {2}comment {11}HTTP 503\\n {2}active incidents {2}INC-\\d+\\n$`,
      ),
    )
  })

  it('lists the 20 most recent samples by default, more with --limit, all with --all', async () => {
    for (let i = 0; i < 22; i++) expectOk(await timon('push', 'probe', 'many.samples', 'healthy', '--comment', `n${i}`))
    const rows = (text: string) => text.split('\n').filter((line) => /^ {2}[0-9a-f]{12} /.test(line))
    const byDefault = expectOk(await timon('show', 'many.samples')).stdout
    expect(rows(byDefault)).toHaveLength(20)
    expect(rows(byDefault)[0]).toContain('"n21"')
    expect(byDefault).toContain('  … 2 older samples not shown (use --limit N or --all)\n')
    expect(rows(expectOk(await timon('show', 'many.samples', '--limit', '3')).stdout)).toHaveLength(3)
    const all = expectOk(await timon('show', 'many.samples', '--all')).stdout
    expect(rows(all)).toHaveLength(22)
    expect(all).not.toContain('…')
    expect(
      json<{ reports: unknown[]; report_count: number }>(await timon('show', 'many.samples', '--all', '--json')),
    ).toMatchObject({ report_count: 22 })
  })

  it('prints status with no trailing spaces, and summary as one line', async () => {
    expectOk(await timon('push', 'probe', 'web.latency', 'warning'))
    const status = expectOk(await timon('status')).stdout
    expect(status).toMatch(/^ACTIVE INCIDENTS \(\d+\)\n/)
    expect(status).toMatch(/\n\nPROBES & JOBS \(\d+\)\n/)
    expect(status).toMatch(/\n {2}web\.latency +⚠ warning — \S+( \S+)? ago\n/)
    for (const line of status.split('\n')) expect(line).not.toMatch(/\s$/)

    const summary = expectOk(await timon('summary')).stdout
    expect(summary).toMatch(
      /^Timon — \d+ active incidents? · \d+ critical( \([^)]*\))? · \d+ stale( \([^)]*\))? · \d+ warning · \d+ healthy · \d+ running jobs?\n$/,
    )
    expect(expectOk(await timon('summary', '--short')).stdout).not.toContain('(')
  })

  it('prints one JSON document in the wire form for every read command', async () => {
    const status = json<{
      active_incidents: unknown[]
      contracts: { contract: { code: string } }[]
      deliveries: Record<string, number>
    }>(await timon('status', '--json'))
    expect(status.contracts.map((one) => one.contract.code)).toContain('myapp.health')
    expect(status.deliveries).toEqual({ pending: 0, delivered: 0, failed: 0 })
    expect(json(await timon('summary', '--json'))).toHaveProperty('active_incidents')
    expect(json(await timon('show', 'myapp.health', '--json'))).toMatchObject({
      kind: 'contract',
      contract: { code: 'myapp.health', kind: 'probe' },
      rules: { stale_incident_after: 900000 },
    })
    expect(json(await timon('deliveries', '--json'))).toEqual({ deliveries: [] })
  })

  it('colours only when asked: never with NO_COLOR, with FORCE_COLOR on a pipe', async () => {
    expect(expectOk(await daemon.timon(['status'])).stdout).not.toContain('\x1b[')
    expect(expectOk(await daemon.timon(['status'], { env: { FORCE_COLOR: '1' } })).stdout).toContain('\x1b[')
    expect(expectOk(await daemon.timon(['status'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toContain(
      '\x1b[',
    )
  })

  it('rejects bad input on the client side with the usage block, and lets the daemon refuse the rest', async () => {
    expectFailure(
      await timon('push', 'probe', 'Bad', 'healthy'),
      `invalid code "Bad" — must be lowercase alphanumeric and may contain '.' or '-' (not at start or end)`,
    )
    expect((await timon('push', 'probe', 'Bad', 'healthy')).stderr).toContain(
      '\nUsage:\n  timon push probe <code> <healthy|warning|critical> [flags]\n',
    )
    expectFailure(
      await timon('push', 'probe', 'p1', 'ok'),
      'invalid health "ok" — must be one of: healthy, warning, critical',
    )
    expectFailure(
      await timon('push', 'probe', 'p1', 'healthy', '--stale-after', '5x'),
      'invalid rule stale-after — invalid duration "5x"',
    )
    expectFailure(
      await timon('push', 'probe', 'p1', 'healthy', '--stale-after', '1h', '--stale-incident-after', '30m'),
      'invalid rules — --stale-after (1h) must not be longer than --stale-incident-after (30m)',
    )
    expectFailure(await timon('push', 'probe', 'p1', 'healthy', '--nope'), 'unknown flag: --nope')
    expectFailure(await timon('push', 'probe', 'p1'), 'accepts 2 arg(s), received 1')
    expectFailure(await timon('show', 'no.such.probe'), 'probe or job does not exist')
    expectFailure(await timon('show', 'myapp.health:0123456789ab'), 'sample or run does not exist')
    expectFailure(await timon('show', 'INC-999'), 'incident does not exist')
    // A daemon refusal is one line, without the usage block.
    const refused = await timon('show', 'no.such.probe')
    expect(refused.stderr).toBe('Error: probe or job does not exist\n')
  })
})

describe('jobs: the cron backup scenario', () => {
  it('starts a run (printing only its uid), records steps, ends it, and shows the run', async () => {
    const started = expectOk(
      await timon(
        'push',
        'job',
        'start',
        'db.backup',
        '--overtime-incident-after',
        '1h',
        '--stale-after',
        '25h',
        '--stale-incident-after',
        '26h',
      ),
    )
    expect(started.stdout).toMatch(/^[0-9a-f]{12}\n$/)
    const run = `db.backup:${started.stdout.trim()}`
    expect(expectOk(await timon('push', 'job', 'step', run, 'Dump completed', 'healthy')).stdout).toBe('')
    expect(expectOk(await timon('status')).stdout).toMatch(/\n {2}db\.backup +● running [0-9a-f]{12} — .* ago\n/)
    expectOk(await timon('push', 'job', 'step', run, 'Uploaded to S3', 'healthy'))
    expect(expectOk(await timon('push', 'job', 'end', run, '--comment', 'Backup OK')).stdout).toBe('')

    const shown = expectOk(await timon('show', run)).stdout
    expect(shown).toContain(`JOB  db.backup  run ${started.stdout.trim()}\n  health                   ✓ healthy\n`)
    expect(shown).toContain(
      '  end comment              Backup OK\n  stale after              1d 1h\n  stale incident after     1d 2h\n  overtime incident after  1h\n  overlap incident         yes\n',
    )
    expect(shown).toMatch(
      /\nSTEPS\n {2}\+\S+( \S+)? +✓ healthy {2}"Dump completed"\n {2}\+.* +✓ healthy {2}"Uploaded to S3"\n {2}\+.* +end {8}"Backup OK"\n$/,
    )
    expect(expectOk(await timon('show', 'db.backup')).stdout).toMatch(
      /\nRUNS\n {2}[0-9a-f]{12} {2}✓ healthy {2}ended .* ago \(.*\) {2}"Backup OK"\n$/,
    )

    expectFailure(await timon('push', 'job', 'step', run, 'late', 'healthy'), 'job has already ended')
    expectFailure(await timon('push', 'job', 'end', run), 'job has already ended')
  })

  it('ends a run with the last step (--end, --end-comment), and rejects --end-comment without --end', async () => {
    const uid = expectOk(
      await timon('push', 'job', 'start', 'nightly.sync', '--comment', 'Starting nightly sync'),
    ).stdout.trim()
    const run = `nightly.sync:${uid}`
    expectFailure(
      await timon('push', 'job', 'step', run, 'Sent report', 'healthy', '--end-comment', 'x'),
      '--end-comment can only be used with --end',
    )
    expectOk(await timon('push', 'job', 'step', run, 'Exported data', 'warning'))
    const ended = json<{ run: { ended_at: string; end_comment: string; health: string } }>(
      await timon('push', 'job', 'step', run, 'Sent report', 'healthy', '--end', '--json'),
    )
    expect(ended.run).toMatchObject({ end_comment: 'Sent report', health: 'warning' })
    expect(typeof ended.run.ended_at).toBe('string')

    const uid2 = expectOk(await timon('push', 'job', 'start', 'nightly.sync')).stdout.trim()
    expectOk(
      await timon(
        'push',
        'job',
        'step',
        `nightly.sync:${uid2}`,
        'Done',
        'healthy',
        '--end',
        '--end-comment',
        'All synced',
      ),
    )
    expect(expectOk(await timon('show', `nightly.sync:${uid2}`)).stdout).toContain('  end comment       All synced\n')
  })

  it('needs the run uid for steps and ends, and refuses an unknown run', async () => {
    expectFailure(await timon('push', 'job', 'step', 'db.backup', 'x', 'healthy'), 'invalid run UID: db.backup')
    expectFailure(await timon('push', 'job', 'end', 'db.backup:0123456789ab'), 'run does not exist')
    expectFailure(await timon('push', 'job', 'start', 'myapp.health'), 'code "myapp.health" is already used by a probe')
  })

  it('opens an overlap incident unless --overlap-incident=false, and prints the run with --json', async () => {
    const first = json<{ run: { uid: string; started_at: string }; opened: unknown[] }>(
      await timon('push', 'job', 'start', 'overlap.job', '--json'),
    )
    expect(first.run.uid).toMatch(UID)
    expect(first.opened).toEqual([])
    const second = json<{ opened: { trigger_type: string; title: string }[] }>(
      await timon('push', 'job', 'start', 'overlap.job', '--json'),
    )
    expect(second.opened).toMatchObject([{ trigger_type: 'job_overlap', title: 'overlap.job is overlapping' }])

    expectOk(await timon('push', 'job', 'start', 'quiet.job'))
    const quiet = json<{ opened: unknown[] }>(
      await timon('push', 'job', 'start', 'quiet.job', '--overlap-incident=false', '--json'),
    )
    expect(quiet.opened).toEqual([])
    expect(expectOk(await timon('show', 'quiet.job')).stdout).toContain('  overlap incident  no\n')
  })
})

describe('incidents: push incident, annotate, resolve, delete', () => {
  it('opens a manual incident printing only INC-<id>, annotates, resolves and deletes it', async () => {
    const opened = expectOk(await timon('push', 'incident', 'Payment gateway down', 'Stripe returning 503 since 14:32'))
    expect(opened.stdout).toMatch(/^INC-\d+\n$/)
    const code = opened.stdout.trim()

    expect(expectOk(await timon('annotate', code, 'Contacted Stripe support, ticket #8821')).stdout).toBe('')
    expect(expectOk(await timon('status')).stdout).toMatch(
      new RegExp(`\\n {2}${code} +open +"Payment gateway down" +.* ago +\\(manual\\)\\n`),
    )

    // Not resolved yet: delete refuses (without a terminal, --yes is needed anyway).
    expectFailure(
      await timon('delete', code),
      `refusing to delete "${code}" without confirmation: standard input is not a terminal (pass --yes)`,
    )
    expectFailure(await timon('delete', code, '--yes'), `cannot delete ${code} — the incident is not resolved`)

    expectOk(await timon('resolve', code, '--note', 'Fixed by rolling back to v2.4.1'))
    expectFailure(await timon('resolve', code), 'incident is already resolved')
    const shown = expectOk(await timon('show', code)).stdout
    expect(shown).toContain(
      `INCIDENT  ${code}\n  state         resolved\n  trigger type  manual\n  title         Payment gateway down\n  description   Stripe returning 503 since 14:32\n`,
    )
    expect(shown).toMatch(
      /\nTIMELINE\n(.*\n)* {2}\+\S+( \S+)? +annotation +\[human\] +"Contacted Stripe support, ticket #8821"\n/,
    )

    expectOk(await timon('delete', code, '--yes'))
    expectFailure(await timon('show', code), 'incident does not exist')
    expectFailure(await timon('delete', code, '--yes'), 'incident does not exist')
  })

  it('annotates and resolves with --json, and checks incident codes on the client side', async () => {
    const code = expectOk(await timon('push', 'incident', 'Disk almost full')).stdout.trim()
    const id = Number(code.slice(4))
    expect(json(await timon('annotate', code, 'cleaning up', '--json'))).toMatchObject({
      incident: { id, state: 'open' },
    })
    expect(json(await timon('resolve', code, '--json'))).toMatchObject({ incident: { id, state: 'resolved' } })
    expect(json(await timon('push', 'incident', 'Another', '--json'))).toMatchObject({
      incident: { trigger_type: 'manual', title: 'Another' },
    })
    expectFailure(await timon('annotate', 'inc-1', 'x'), 'invalid incident code "inc-1" — must match INC-[0-9]+')
    expectFailure(await timon('annotate', 'INC-99999', 'x'), 'incident does not exist')
    expectFailure(await timon('push', 'incident', 'x'.repeat(51)), 'invalid title — must be 1–50 characters')
  })

  it('refuses to delete a probe linked to an active incident unless --force', async () => {
    expectOk(await timon('push', 'probe', 'doomed.probe', 'critical'))
    expectFailure(
      await timon('delete', 'doomed.probe', '--yes'),
      /^Error: cannot delete "doomed\.probe" — linked to active incidents: INC-\d+ — resolve them first\n$/,
    )
    const deleted = json<{ deleted: { kind: string; contract: { code: string } } }>(
      await timon('delete', 'doomed.probe', '--yes', '--force', '--json'),
    )
    expect(deleted.deleted).toMatchObject({ kind: 'contract', contract: { code: 'doomed.probe' } })
    expectFailure(await timon('show', 'doomed.probe'), 'probe or job does not exist')
  })

  it('deletes a single sample', async () => {
    const first = json<{ sample: { uid: string } }>(await timon('push', 'probe', 'two.samples', 'healthy', '--json'))
    expectOk(await timon('push', 'probe', 'two.samples', 'healthy'))
    expectOk(await timon('delete', `two.samples:${first.sample.uid}`, '--yes'))
    expectFailure(await timon('show', `two.samples:${first.sample.uid}`), 'sample or run does not exist')
    expect(json<{ report_count: number }>(await timon('show', 'two.samples', '--json')).report_count).toBe(1)
  })
})

describe('truncate', () => {
  it('checks its flags, deletes old samples but keeps the latest, and prints counts with --json', async () => {
    expectFailure(await timon('truncate'), 'at least one --keep flag is required')
    expectFailure(
      await timon('truncate', '--keep', '1d', '--keep-healthy', '1d'),
      '--keep cannot be combined with --keep-healthy, --keep-warning, or --keep-critical',
    )
    expectFailure(await timon('truncate', '--keep-warning', 'soon'), 'invalid --keep-warning — invalid duration "soon"')
    expectFailure(await timon('truncate', 'no.such.probe', '--keep', '1d'), 'probe or job does not exist')

    for (let i = 0; i < 3; i++) expectOk(await timon('push', 'probe', 'old.samples', 'healthy'))
    expect(expectOk(await timon('truncate', 'old.samples', '--keep', '1h')).stdout).toBe('')
    expect(json(await timon('truncate', 'old.samples', '--keep', '0s', '--json'))).toMatchObject({
      samples: 2,
      runs: 0,
      incidents: 0,
    })
    expect(json<{ report_count: number }>(await timon('show', 'old.samples', '--json')).report_count).toBe(1)
    expect(
      json(
        await timon('truncate', '--keep-healthy', '7d', '--keep-critical', '90d', '--keep-incidents', '180d', '--json'),
      ),
    ).toMatchObject({ samples: 0, runs: 0, incidents: 0 })
    expectFailure(
      await timon('truncate', 'old.samples', '--keep-deliveries', '1d'),
      'keep-deliveries applies to every target and cannot be limited to a code',
    )
    expect(json(await timon('truncate', '--keep-deliveries', '30d', '--json'))).toMatchObject({ deliveries: 0 })
  })
})

describe('rules end to end', () => {
  it('opens a stale incident when no push arrives in time, and recovers it at the next push', async () => {
    expectOk(await timon('push', 'probe', 'stale.probe', 'healthy', '--stale-incident-after', '300ms'))
    let code = ''
    await poll(
      async () => {
        const status = (await timon('status')).stdout
        code = /\n {2}(INC-\d+) +open +"stale\.probe is stale"/.exec(status)?.[1] ?? ''
        return code !== '' && /\n {2}stale\.probe +stale \(✓ healthy\) — /.test(status)
      },
      15_000,
      () => 'no stale incident opened',
    )
    expect(expectOk(await timon('summary')).stdout).toMatch(/ · 1 stale \(stale\.probe\) · /)
    expectOk(await timon('push', 'probe', 'stale.probe', 'healthy', '--stale-incident-after', 'off'))
    const shown = expectOk(await timon('show', code)).stdout
    expect(shown).toContain('  state         recovered\n')
    expect(shown).toMatch(/\+\S+( \S+)? +opened +\[system\] +"stale\.probe went stale, after 300ms"\n/)
  })
})
