import { describe, expect, it } from 'vitest'
import { runCli, type FakeRunOptions } from '../../test/fake-io.js'
import { contract, incident } from '../../test/fixtures.js'

const resolved = { incident: incident({ id: 7, state: 'resolved' }) }

describe('timon annotate', () => {
  const client = { annotate: () => resolved }

  it('adds the trimmed note and prints nothing', async () => {
    const result = await runCli(['annotate', 'INC-007', ' Contacted Stripe support '], { client })
    expect(result).toMatchObject({ status: 0, stdout: '' })
    expect(result.calls).toEqual([['annotate', { id: 7, note: 'Contacted Stripe support' }]])
  })

  it('checks the incident code, then the note', async () => {
    const bad = await runCli(['annotate', 'inc-7', ''], { client })
    expect(bad.stderr).toMatch(
      /^Error: invalid incident code "inc-7" — must match INC-\[0-9\]\+\nUsage:\n {2}timon annotate/,
    )
    expect((await runCli(['annotate', 'INC-7', ' '], { client })).stderr).toMatch(
      /^Error: invalid note — must be 1–250 characters\n/,
    )
    expect((await runCli(['annotate', 'INC-7'], { client })).stderr).toMatch(/^Error: accepts 2 arg\(s\), received 1\n/)
  })

  it('reports an unknown incident and prints the incident with --json', async () => {
    const missing = await runCli(['annotate', 'INC-99', 'x'], {
      errors: { annotate: { code: 'not_found', message: 'incident does not exist' } },
    })
    expect(missing).toMatchObject({ status: 1, stdout: '', stderr: 'Error: incident does not exist\n' })
    expect(JSON.parse((await runCli(['annotate', 'INC-7', 'x', '--json'], { client })).stdout)).toMatchObject({
      incident: { id: 7, state: 'resolved' },
    })
  })
})

describe('timon resolve', () => {
  const client = { resolve: () => resolved }

  it('resolves with or without a note', async () => {
    expect((await runCli(['resolve', 'INC-7'], { client })).calls).toEqual([['resolve', { id: 7, note: undefined }]])
    expect((await runCli(['resolve', 'INC-7', '--note', ' rolled back '], { client })).calls).toEqual([
      ['resolve', { id: 7, note: 'rolled back' }],
    ])
    expect((await runCli(['resolve', 'INC-7', '--note', ''], { client })).calls).toEqual([
      ['resolve', { id: 7, note: undefined }],
    ])
  })

  it('checks the incident code and the note', async () => {
    expect((await runCli(['resolve', 'INC-x'], { client })).stderr).toMatch(
      /^Error: invalid incident code "INC-x" — must match INC-\[0-9\]\+\n/,
    )
    expect((await runCli(['resolve', 'INC-7', '--note', 'n'.repeat(251)], { client })).stderr).toMatch(
      /^Error: invalid note — must be 1–250 characters\n/,
    )
  })

  it('reports an incident that is already resolved', async () => {
    const again = await runCli(['resolve', 'INC-7'], {
      errors: { resolve: { code: 'conflict', message: 'incident is already resolved' } },
    })
    expect(again).toMatchObject({ status: 1, stdout: '', stderr: 'Error: incident is already resolved\n' })
  })
})

describe('timon delete', () => {
  const existing = {
    kind: 'contract',
    contract: contract({ code: 'myapp.health' }),
    lastReport: undefined,
    rules: contract({ code: 'x' }).rules,
    activeIncidents: [],
    reports: [],
    reportCount: 0,
  }
  const client = {
    show: () => existing,
    delete: () => ({ kind: 'contract', contract: contract({ code: 'myapp.health' }) }),
  }
  const del = (argv: string[], options: FakeRunOptions = {}) => runCli(['delete', ...argv], { client, ...options })

  it('deletes at once with --yes, passing --force on', async () => {
    const result = await del(['myapp.health', '--yes', '--force'])
    expect(result).toMatchObject({ status: 0, stdout: '', stderr: '' })
    expect(result.calls).toEqual([['delete', 'myapp.health', { force: true }]])
    expect((await del(['myapp.health', '-y'])).calls).toEqual([['delete', 'myapp.health', {}]])
  })

  it('refuses without a terminal unless --yes, before contacting the daemon', async () => {
    const result = await del(['myapp.health'])
    expect(result).toMatchObject({ status: 1, stdout: '', connected: false })
    expect(result.stderr).toBe(
      'Error: refusing to delete "myapp.health" without confirmation: standard input is not a terminal (pass --yes)\n',
    )
  })

  it('asks on a terminal after checking that the target exists, and deletes on y or yes', async () => {
    for (const answer of ['y', 'Y', 'yes', ' YES ']) {
      const result = await del(['myapp.health'], { stdinIsTTY: true, answer })
      expect(result.prompts).toEqual(['Are you sure you want to delete "myapp.health"? [y/N] '])
      expect(result.calls).toEqual([
        ['show', 'myapp.health', { limit: 1 }],
        ['delete', 'myapp.health', {}],
      ])
      expect(result.status).toBe(0)
    }
  })

  it('aborts on any other answer or at end of input, with status 0', async () => {
    for (const answer of ['n', '', 'yep', undefined]) {
      const result = await del(['myapp.health'], { stdinIsTTY: true, ...(answer === undefined ? {} : { answer }) })
      expect(result.calls).toEqual([['show', 'myapp.health', { limit: 1 }]])
      expect(result).toMatchObject({ status: 0, stdout: '' })
      expect(result.stderr.endsWith('Aborted.\n')).toBe(true)
    }
  })

  it('does not ask about a target that does not exist', async () => {
    const result = await runCli(['delete', 'INC-9'], {
      stdinIsTTY: true,
      answer: 'y',
      errors: { show: { code: 'not_found', message: 'incident does not exist' } },
    })
    expect(result).toMatchObject({ status: 1, stdout: '', stderr: 'Error: incident does not exist\n', prompts: [] })
  })

  it('checks the target first', async () => {
    const result = await del(['Nope:1', '--yes'])
    expect(result.stderr).toMatch(/^Error: invalid code "Nope:1" — must be lowercase alphanumeric/)
    expect(result.connected).toBe(false)
  })

  it('reports a refusal of the daemon, and prints what was deleted with --json', async () => {
    const refused = await runCli(['delete', 'INC-3', '--yes'], {
      errors: { delete: { code: 'conflict', message: 'cannot delete INC-3 — the incident is not resolved' } },
    })
    expect(refused).toMatchObject({
      status: 1,
      stdout: '',
      stderr: 'Error: cannot delete INC-3 — the incident is not resolved\n',
    })
    expect(JSON.parse((await del(['myapp.health', '--yes', '--json'])).stdout)).toMatchObject({
      deleted: { kind: 'contract', contract: { code: 'myapp.health' } },
    })
  })
})

describe('timon truncate', () => {
  const client = { truncate: () => ({ samples: 3, runs: 1, incidents: 0 }) }
  const truncate = (...argv: string[]) => runCli(['truncate', ...argv], { client })

  it('sends the retention flags as typed and prints nothing, or the counts with --json', async () => {
    const result = await truncate(
      'myapp.health',
      '--keep-healthy',
      '7d',
      '--keep-critical',
      '90 d',
      '--keep-incidents',
      '180d',
    )
    expect(result).toMatchObject({ status: 0, stdout: '' })
    expect(result.calls).toEqual([
      [
        'truncate',
        {
          code: 'myapp.health',
          keep: undefined,
          keepHealthy: '7d',
          keepWarning: undefined,
          keepCritical: '90d',
          keepIncidents: '180d',
        },
      ],
    ])
    expect(JSON.parse((await truncate('--keep', '30d', '--json')).stdout)).toEqual({
      samples: 3,
      runs: 1,
      incidents: 0,
    })
  })

  it('checks the code, that a flag is given, that --keep stands alone, then each duration in order', async () => {
    const expectError = async (argv: string[], message: string) => {
      const result = await truncate(...argv)
      expect(result.stderr.startsWith(`Error: ${message}\nUsage:\n  timon truncate`), result.stderr).toBe(true)
      expect(result).toMatchObject({ status: 1, stdout: '', connected: false })
    }
    await expectError(
      ['p1:0123456789ab'],
      "invalid code \"p1:0123456789ab\" — must be lowercase alphanumeric and may contain '.' or '-' (not at start or end), no sample or run uid allowed here",
    )
    await expectError([], 'at least one --keep flag is required')
    await expectError(['--keep', ' '], 'at least one --keep flag is required')
    await expectError(
      ['--keep', 'x', '--keep-warning', '1d'],
      '--keep cannot be combined with --keep-healthy, --keep-warning, or --keep-critical',
    )
    await expectError(['--keep-healthy', 'a', '--keep-warning', 'b'], 'invalid --keep-healthy — invalid duration "a"')
    await expectError(['--keep-warning', 'b', '--keep-incidents', 'c'], 'invalid --keep-warning — invalid duration "b"')
    await expectError(
      ['--keep-incidents', '-1d'],
      'invalid --keep-incidents — invalid duration "-1d" — must not be negative',
    )
  })

  it('reports an unknown probe or job', async () => {
    const missing = await runCli(['truncate', 'nope', '--keep', '1d'], {
      errors: { truncate: { code: 'not_found', message: 'probe or job does not exist' } },
    })
    expect(missing).toMatchObject({ status: 1, stdout: '', stderr: 'Error: probe or job does not exist\n' })
  })
})
