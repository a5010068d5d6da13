/**
 * Schedules, thresholds, the minimum runtime and dependencies through the built `timon` binary against a real
 * daemon whose `[daemon] timezone` is set (docs/behaviour.md#schedules, #thresholds, #dependencies).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, poll, startDaemon, type DaemonProcess, type Exec } from './helpers.js'

let daemon: DaemonProcess
const timon = (...args: string[]) => daemon.timon(args)

beforeAll(async () => {
  ensureBuilt()
  daemon = await startDaemon({ config: 'timezone = "America/New_York"' })
})

afterAll(async () => {
  await daemon?.cleanup()
})

function expectOk(result: Exec): Exec {
  expect(result.stderr, result.stderr).toBe('')
  expect(result.status).toBe(0)
  return result
}

/** A `show` line: `  <label>  <value>`, the value aligned in its column. */
function row(label: string, value: string): RegExp {
  return new RegExp(`\\n  ${label} +${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`)
}

function expectFailure(result: Exec, message: string): void {
  expect(result.status).toBe(1)
  expect(result.stdout).toBe('')
  expect(result.stderr.startsWith(`Error: ${message}\n`), result.stderr).toBe(true)
}

describe('schedules', () => {
  it('takes --schedule, --tz, --grace and --min-runtime on job start, and show prints the schedule and the next time in the zone', async () => {
    expectOk(
      await timon(
        'push',
        'job',
        'start',
        'db.backup',
        '--schedule',
        '0 3 * * *',
        '--tz',
        'Europe/Berlin',
        '--grace',
        '10m',
        '--min-runtime',
        '1m',
      ),
    )
    const shown = expectOk(await timon('show', 'db.backup')).stdout
    expect(shown).toMatch(row('min runtime', '1m'))
    expect(shown).toMatch(row('schedule', '0 3 * * * (Europe/Berlin, grace 10m)'))
    expect(shown).toMatch(/\n {2}next expected +\d{4}-\d\d-\d\dT03:00:00\+0[12]:00 \(in [^)]+\)\n/)

    const wire = JSON.parse(expectOk(await timon('show', 'db.backup', '--json')).stdout) as {
      rules: Record<string, unknown>
      schedule: Record<string, unknown>
    }
    expect(wire.rules).toMatchObject({
      schedule: '0 3 * * *',
      tz: 'Europe/Berlin',
      grace: 600_000,
      min_runtime: 60_000,
    })
    expect(wire.schedule).toMatchObject({ expression: '0 3 * * *', tz: 'Europe/Berlin', grace: 600_000 })
  })

  it('reads a schedule without --tz in the daemon\'s [daemon] timezone, and "off" removes the rules', async () => {
    expectOk(await timon('push', 'probe', 'nightly.report', 'healthy', '--schedule', '@daily'))
    const shown = expectOk(await timon('show', 'nightly.report')).stdout
    expect(shown).toMatch(row('schedule', '@daily (America/New_York, grace 5m)'))
    expect(shown).toMatch(/\n {2}next expected +\d{4}-\d\d-\d\dT00:00:00-0[45]:00 /)

    expectOk(await timon('push', 'probe', 'nightly.report', 'healthy', '--schedule', 'off'))
    expect(expectOk(await timon('show', 'nightly.report')).stdout).not.toContain('schedule')
  })

  it('opens a missed incident when the expected push does not come, marks the probe missed in status, and recovers at the next push', async () => {
    expectOk(await timon('push', 'probe', 'every.second', 'healthy', '--schedule', '* * * * * *', '--grace', '1s'))
    let code = ''
    await poll(
      async () => {
        const status = expectOk(await timon('status')).stdout
        code = /\n {2}(INC-\d+) +open +"every\.second missed its [\d:]+ (push|run)"/.exec(status)?.[1] ?? ''
        return code !== '' && /\n {2}every\.second +missed \(✓ healthy\) — /.test(status)
      },
      15_000,
      () => `no missed incident opened:\n${daemon.output()}`,
    )
    expect(expectOk(await timon('show', code)).stdout).toMatch(row('trigger type', 'missed'))
    expectOk(await timon('push', 'probe', 'every.second', 'healthy', '--schedule', 'off'))
    expect(expectOk(await timon('show', code)).stdout).toMatch(row('state', 'recovered'))
  })

  it('opens a short incident for a run of timon exec that ends before --min-runtime', async () => {
    expectOk(await timon('exec', 'quick.job', '--min-runtime', '1h', '--', 'true'))
    const status = expectOk(await timon('status')).stdout
    expect(status).toMatch(/\n {2}INC-\d+ +open +"quick\.job[^"]*"/)
    const incident = /\n {2}(INC-\d+) +open +"quick\.job/.exec(status)?.[1] ?? ''
    expect(expectOk(await timon('show', incident)).stdout).toMatch(row('trigger type', 'short'))
  })

  it('refuses a bad schedule, zone, grace or threshold, naming the rule', async () => {
    expectFailure(
      await timon('push', 'probe', 'bad.rules', 'healthy', '--failure-threshold', '0'),
      'invalid rule failure-threshold \u2014 must be a whole number from 1 to 1000 (use "off" to remove it)',
    )
    expectFailure(
      await timon('push', 'job', 'start', 'bad.rules', '--grace', 'soon'),
      'invalid rule grace \u2014 invalid duration "soon"',
    )
    const schedule = await timon('push', 'probe', 'bad.rules', 'healthy', '--schedule', 'every day')
    expect(schedule.status).toBe(1)
    expect(schedule.stderr).toContain('invalid rule schedule')
    const zone = await timon('exec', 'bad.rules', '--schedule', '@daily', '--tz', 'Mars/Olympus', '--', 'true')
    expect(zone.stderr).toContain('unknown time zone "Mars/Olympus"')
  })
})

describe('thresholds', () => {
  it('opens the critical incident at the N-th critical sample in a row, marking the earlier ones "1 of 3", "2 of 3"', async () => {
    expectOk(
      await timon('push', 'probe', 'disk.space', 'critical', '--failure-threshold', '3', '--success-threshold', '2'),
    )
    expectOk(await timon('push', 'probe', 'disk.space', 'critical'))
    expect(expectOk(await timon('status')).stdout).not.toMatch(/"disk\.space is critical"/)
    expectOk(await timon('push', 'probe', 'disk.space', 'critical'))
    expect(expectOk(await timon('status')).stdout).toMatch(/\n {2}INC-\d+ +open +"disk\.space is critical"/)

    const shown = expectOk(await timon('show', 'disk.space')).stdout
    expect(shown).toMatch(row('failure threshold', '3'))
    expect(shown).toMatch(row('success threshold', '2'))
    const samples = shown.split('SAMPLES\n')[1]?.trimEnd().split('\n') ?? []
    expect(samples.map((row) => /\(\d of \d\)/.exec(row)?.[0])).toEqual(['(3 of 3)', '(2 of 3)', '(1 of 3)'])

    expectOk(await timon('push', 'probe', 'disk.space', 'healthy'))
    const healing = expectOk(await timon('show', 'disk.space')).stdout
    expect(healing).toMatch(/\n {2}[0-9a-f]{12} +✓ healthy \(1 of 2\) /)
    expect(expectOk(await timon('status')).stdout).toMatch(/\n {2}INC-\d+ +open +"disk\.space is critical"/)
  })

  it('takes the thresholds on job start and timon exec', async () => {
    expect((await timon('exec', 'flaky.job', '--failure-threshold', '2', '--', 'false')).status).toBe(1)
    expectOk(await timon('push', 'job', 'start', 'flaky.job', '--success-threshold', '2'))
    const shown = expectOk(await timon('show', 'flaky.job')).stdout
    expect(shown).toMatch(row('failure threshold', '2'))
    expect(shown).toMatch(/\(1 of 2\)/)
  })
})

describe('dependencies', () => {
  it('takes --depends-on on push probe, job start and exec, lists it in show, and refuses a cycle naming the codes', async () => {
    expectOk(await timon('push', 'probe', 'app.web', 'healthy', '--depends-on', 'app.db'))
    expectOk(await timon('push', 'job', 'start', 'app.db', '--depends-on', 'app.net'))
    expectOk(await timon('exec', 'app.net', '--depends-on', 'app.dns', '--', 'true'))
    expect(expectOk(await timon('show', 'app.web')).stdout).toMatch(row('depends on', 'app.db'))
    expectFailure(
      await timon('push', 'probe', 'app.dns', 'healthy', '--depends-on', 'app.web'),
      'invalid rule depends-on \u2014 it would make a cycle: app.dns \u2192 app.web \u2192 app.db \u2192 app.net \u2192 app.dns',
    )
    expectOk(await timon('push', 'probe', 'app.web', 'healthy', '--depends-on', 'off'))
    expect(expectOk(await timon('show', 'app.web')).stdout).not.toMatch(/depends on/)
  })
})
