import { describe, expect, it } from 'vitest'
import { runCli, type FakeRunResult } from '../../test/fake-io.js'
import { NOW, incident, run, sample } from '../../test/fixtures.js'

const changes = { opened: [], recovered: [], relapsed: [] }
const probeClient = { pushProbe: () => ({ sample: sample({ pushedAt: NOW }), ...changes }) }
const startClient = { startJob: () => ({ run: run({ uid: 'abcdef012345', startedAt: NOW }), ...changes }) }
const runClient = { pushStep: () => ({ run: run(), ...changes }), endJob: () => ({ run: run(), ...changes }) }

/** A client-side check failed: status 1, nothing on stdout, the message and usage on stderr, no daemon contacted. */
function expectRejected(result: FakeRunResult, message: string, usage: string): void {
  expect(result.status).toBe(1)
  expect(result.stdout).toBe('')
  expect(result.stderr.startsWith(`Error: ${message}\nUsage:\n  timon ${usage}`), result.stderr).toBe(true)
  expect(result.connected).toBe(false)
}

const LOWERCASE = "must be lowercase alphanumeric and may contain '.' or '-' (not at start or end)"

describe('timon push probe', () => {
  const usage = 'push probe <code>'
  const push = (...argv: string[]) => runCli(['push', 'probe', ...argv], { client: probeClient })

  it('pushes the trimmed values and prints nothing', async () => {
    const result = await push(
      ' myapp.health ',
      ' healthy ',
      '--comment',
      ' All good ',
      '--stale-after',
      '5m',
      '--stale-incident-after',
      '1d 12h',
    )
    expect(result).toMatchObject({ status: 0, stdout: '', stderr: '', closed: true })
    expect(result.calls).toEqual([
      [
        'pushProbe',
        { code: 'myapp.health', health: 'healthy', comment: 'All good', staleAfter: '5m', staleIncidentAfter: '1d12h' },
      ],
    ])
  })

  it('sends absent rules as absent (sticky), "off" to remove one, and a blank comment as none', async () => {
    const result = await push('p1', 'warning', '--comment', '  ', '--stale-after', 'off', '--stale-incident-after', '')
    expect(result.calls).toEqual([
      [
        'pushProbe',
        { code: 'p1', health: 'warning', comment: undefined, staleAfter: 'off', staleIncidentAfter: undefined },
      ],
    ])
  })

  it('checks the code first: length, reserved form, syntax, no uid', async () => {
    expectRejected(await push('a', 'bogus'), 'invalid code "a" — must be 2–50 characters', usage)
    expectRejected(
      await push('INC-3', 'healthy'),
      'invalid code "INC-3" — codes matching INC-[0-9]+ are reserved',
      usage,
    )
    expectRejected(await push('MyApp', 'healthy'), `invalid code "MyApp" — ${LOWERCASE}`, usage)
    expectRejected(
      await push('myapp:0123456789ab', 'healthy'),
      `invalid code "myapp:0123456789ab" — ${LOWERCASE}, no sample or run uid allowed here`,
      usage,
    )
  })

  it('then the health, the comment and each duration, in that order', async () => {
    expectRejected(
      await push('p1', 'Healthy', '--comment', 'x'.repeat(251)),
      'invalid health "Healthy" — must be one of: healthy, warning, critical',
      usage,
    )
    expectRejected(
      await push('p1', 'healthy', '--comment', 'x'.repeat(251), '--stale-after', 'x'),
      'invalid comment — must be 1–250 characters',
      usage,
    )
    expectRejected(
      await push('p1', 'healthy', '--stale-after', '5 x', '--stale-incident-after', 'y'),
      'invalid rule stale-after — invalid duration "5x"',
      usage,
    )
    expectRejected(
      await push('p1', 'healthy', '--stale-incident-after', '1D'),
      'invalid rule stale-incident-after — invalid duration "1D"',
      usage,
    )
    expectRejected(
      await push('p1', 'healthy', '--stale-after', '-5m'),
      'invalid rule stale-after — invalid duration "-5m" — must not be negative',
      usage,
    )
    expectRejected(
      await push('p1', 'healthy', '--stale-after', '0'),
      'invalid rule stale-after — must be greater than zero (use "off" to remove it)',
      usage,
    )
  })

  it('counts comment length in bytes', async () => {
    expect((await push('p1', 'healthy', '--comment', 'é'.repeat(125))).status).toBe(0)
    expectRejected(
      await push('p1', 'healthy', '--comment', 'é'.repeat(126)),
      'invalid comment — must be 1–250 characters',
      usage,
    )
  })

  it('rejects --stale-after longer than --stale-incident-after, and accepts them equal (decisions, Q-16)', async () => {
    expectRejected(
      await push('p1', 'healthy', '--stale-after', '1h', '--stale-incident-after', '30m'),
      'invalid rules — --stale-after (1h) must not be longer than --stale-incident-after (30m)',
      usage,
    )
    expect((await push('p1', 'healthy', '--stale-after', '1h', '--stale-incident-after', '60m')).status).toBe(0)
    expect((await push('p1', 'healthy', '--stale-after', '2h', '--stale-incident-after', 'off')).status).toBe(0)
  })

  it('rejects a wrong number of arguments and unknown flags', async () => {
    expectRejected(await push('p1'), 'accepts 2 arg(s), received 1', usage)
    expectRejected(await push('p1', 'healthy', 'extra'), 'accepts 2 arg(s), received 3', usage)
    expectRejected(await push('p1', 'healthy', '--stale'), 'unknown flag: --stale', usage)
  })

  it('prints the wire form with --json', async () => {
    const result = await push('p1', 'healthy', '--json')
    const json = JSON.parse(result.stdout) as Record<string, unknown>
    expect(json).toMatchObject({
      sample: { kind: 'sample', uid: '77aa01bc93de', pushed_at: NOW.toISOString(), contract_id: 1 },
      opened: [],
    })
    expect(result.stdout.endsWith('}\n')).toBe(true)
  })

  it('reports a refusal of the daemon without the usage block and with an empty stdout', async () => {
    const result = await runCli(['push', 'probe', 'db.backup', 'healthy'], {
      errors: { pushProbe: { code: 'conflict', message: 'code "db.backup" is already used by a job' } },
    })
    expect(result).toMatchObject({
      status: 1,
      stdout: '',
      stderr: 'Error: code "db.backup" is already used by a job\n',
    })
  })
})

describe('timon push job start', () => {
  const usage = 'push job start <code>'
  const start = (...argv: string[]) => runCli(['push', 'job', 'start', ...argv], { client: startClient })

  it('prints only the run uid and a newline', async () => {
    const result = await start(
      'db.backup',
      '--overtime-incident-after',
      '1h',
      '--stale-after',
      '25h',
      '--stale-incident-after',
      '26h',
    )
    expect(result).toMatchObject({ status: 0, stdout: 'abcdef012345\n', stderr: '' })
    expect(result.calls).toEqual([
      [
        'startJob',
        {
          code: 'db.backup',
          comment: undefined,
          staleAfter: '25h',
          staleIncidentAfter: '26h',
          overtimeIncidentAfter: '1h',
          overlapIncident: undefined,
        },
      ],
    ])
  })

  it('takes --overlap-incident as a switch, or =false to disable it', async () => {
    const on = await start('j1', '--overlap-incident')
    expect(on.calls[0]?.[1]).toMatchObject({ overlapIncident: true })
    const off = await start('j1', '--overlap-incident=false')
    expect(off.calls[0]?.[1]).toMatchObject({ overlapIncident: false })
    expectRejected(
      await start('j1', '--overlap-incident=nope'),
      'invalid argument "nope" for "--overlap-incident" flag: must be true or false',
      usage,
    )
  })

  it('checks the code, the comment, then stale-after, stale-incident-after and overtime-incident-after', async () => {
    expectRejected(
      await start('j1:0123456789ab', '--comment', ''),
      `invalid code "j1:0123456789ab" — ${LOWERCASE}, no sample or run uid allowed here`,
      usage,
    )
    expectRejected(
      await start('j1', '--comment', 'x'.repeat(251), '--stale-after', 'x'),
      'invalid comment — must be 1–250 characters',
      usage,
    )
    expectRejected(
      await start('j1', '--stale-incident-after', 'x', '--overtime-incident-after', 'y'),
      'invalid rule stale-incident-after — invalid duration "x"',
      usage,
    )
    expectRejected(
      await start('j1', '--overtime-incident-after', '10'),
      'invalid rule overtime-incident-after — invalid duration "10"',
      usage,
    )
    expectRejected(
      await start('j1', '--stale-after', '26h', '--stale-incident-after', '25h'),
      'invalid rules — --stale-after (26h) must not be longer than --stale-incident-after (25h)',
      usage,
    )
  })

  it('prints the wire form with --json, and nothing on stdout when the daemon refuses', async () => {
    const json = JSON.parse((await start('j1', '--json')).stdout) as {
      run: { uid: string; started_at: string; ended_at: null }
    }
    expect(json.run).toMatchObject({ uid: 'abcdef012345', started_at: NOW.toISOString(), ended_at: null })
    const refused = await runCli(['push', 'job', 'start', 'p1'], {
      errors: { startJob: { code: 'conflict', message: 'code "p1" is already used by a probe' } },
    })
    expect(refused).toMatchObject({ status: 1, stdout: '', stderr: 'Error: code "p1" is already used by a probe\n' })
  })
})

describe('timon push job step', () => {
  const usage = 'push job step <code:run-uid>'
  const step = (...argv: string[]) => runCli(['push', 'job', 'step', ...argv], { client: runClient })

  it('sends the code, uid, trimmed label and health, and prints nothing', async () => {
    const result = await step('nightly.sync:0123456789ab', ' Exported data ', 'healthy')
    expect(result).toMatchObject({ status: 0, stdout: '' })
    expect(result.calls).toEqual([
      [
        'pushStep',
        {
          code: 'nightly.sync',
          uid: '0123456789ab',
          label: 'Exported data',
          health: 'healthy',
          end: undefined,
          endComment: undefined,
        },
      ],
    ])
  })

  it('ends the run with --end, with an optional --end-comment', async () => {
    const result = await step('j1:0123456789ab', 'Sent report', 'warning', '--end', '--end-comment', 'Done')
    expect(result.calls[0]?.[1]).toMatchObject({ end: true, endComment: 'Done' })
  })

  it('needs the uid, reporting the argument as typed', async () => {
    expectRejected(await step(' nightly.sync ', 'x', 'healthy'), 'invalid run UID:  nightly.sync ', usage)
    expectRejected(
      await step('nightly.sync:XYZ', 'x', 'healthy'),
      `invalid code "nightly.sync:XYZ" — ${LOWERCASE}, optionally followed by a sample or run uid separated by ':' made of 12 lowercase hexadecimal characters`,
      usage,
    )
  })

  it('checks the label, the health, then --end-comment', async () => {
    expectRejected(await step('j1:0123456789ab', '   ', 'bad'), 'invalid label "" — must be 1–250 characters', usage)
    expectRejected(
      await step('j1:0123456789ab', 'x', 'bad'),
      'invalid health "bad" — must be one of: healthy, warning, critical',
      usage,
    )
    expectRejected(
      await step('j1:0123456789ab', 'x', 'healthy', '--end-comment', 'Done'),
      '--end-comment can only be used with --end',
      usage,
    )
    expectRejected(
      await step('j1:0123456789ab', 'x', 'healthy', '--end', '--end-comment', 'y'.repeat(251)),
      'invalid comment — must be 1–250 characters',
      usage,
    )
  })

  it('reports an unknown or ended run as the daemon says', async () => {
    const gone = await runCli(['push', 'job', 'step', 'j1:0123456789ab', 'x', 'healthy'], {
      errors: { pushStep: { code: 'not_found', message: 'run does not exist' } },
    })
    expect(gone).toMatchObject({ status: 1, stdout: '', stderr: 'Error: run does not exist\n' })
  })
})

describe('timon push job end', () => {
  const end = (...argv: string[]) => runCli(['push', 'job', 'end', ...argv], { client: runClient })

  it('ends the run with an optional comment and prints nothing', async () => {
    const result = await end('db.backup:0123456789ab', '--comment', 'Backup OK')
    expect(result).toMatchObject({ status: 0, stdout: '' })
    expect(result.calls).toEqual([['endJob', { code: 'db.backup', uid: '0123456789ab', comment: 'Backup OK' }]])
  })

  it('checks the uid, then the comment', async () => {
    expectRejected(await end('db.backup', '--comment', ''), 'invalid run UID: db.backup', 'push job end')
    expectRejected(
      await end('db.backup:0123456789ab', '--comment', 'z'.repeat(300)),
      'invalid comment — must be 1–250 characters',
      'push job end',
    )
  })

  it('prints the wire form of the run with --json', async () => {
    const json = JSON.parse((await end('db.backup:0123456789ab', '--json')).stdout) as { run: { kind: string } }
    expect(json.run.kind).toBe('run')
  })
})

describe('timon push incident', () => {
  const client = { openIncident: () => ({ incident: incident({ id: 7, triggerType: 'manual', contractId: null }) }) }

  it('prints only INC-<id> and a newline', async () => {
    const result = await runCli(['push', 'incident', 'Payment gateway down', 'Stripe returning 503 since 14:32'], {
      client,
    })
    expect(result).toMatchObject({ status: 0, stdout: 'INC-7\n', stderr: '' })
    expect(result.calls).toEqual([
      ['openIncident', { title: 'Payment gateway down', description: 'Stripe returning 503 since 14:32' }],
    ])
  })

  it('drops a blank description and checks the title and description lengths', async () => {
    const blank = await runCli(['push', 'incident', ' Down ', '   '], { client })
    expect(blank.calls).toEqual([['openIncident', { title: 'Down', description: undefined }]])
    expectRejected(
      await runCli(['push', 'incident', 't'.repeat(51)], { client }),
      'invalid title — must be 1–50 characters',
      'push incident',
    )
    expectRejected(
      await runCli(['push', 'incident', ' ', 'x'], { client }),
      'invalid title — must be 1–50 characters',
      'push incident',
    )
    expectRejected(
      await runCli(['push', 'incident', 'Down', 'd'.repeat(251)], { client }),
      'invalid description — must be 1–250 characters',
      'push incident',
    )
  })

  it('prints the incident in wire form with --json', async () => {
    const json = JSON.parse((await runCli(['push', 'incident', 'Down', '--json'], { client })).stdout) as {
      incident: { id: number; trigger_type: string }
    }
    expect(json.incident).toMatchObject({ id: 7, trigger_type: 'manual' })
  })
})
