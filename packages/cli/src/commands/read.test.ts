import { describe, expect, it } from 'vitest'
import type { Delivery, StatusView } from '@timon/core'
import { runCli } from '../../test/fake-io.js'
import { MINUTE, NOW, before, contract, incident, run, sample } from '../../test/fixtures.js'

const deliveries = { pending: 0, delivered: 0, failed: 0 }

describe('timon status', () => {
  it('fetches every page of probes and jobs and prints them in one table', async () => {
    const first: StatusView = {
      activeIncidents: [incident({ id: 3, title: 'db.backup is critical', openedAt: before(MINUTE) })],
      contracts: [
        {
          contract: contract({ code: 'myapp.health' }),
          lastReport: sample({ comment: 'All good' }),
          activeIncidentIds: [],
        },
      ],
      next: { kind: 'probe', code: 'myapp.health' },
      deliveries,
      silences: [],
      maintenance: [],
      holds: [],
    }
    const second: StatusView = {
      activeIncidents: [],
      contracts: [
        {
          contract: contract({ code: 'db.backup', kind: 'job' }),
          lastReport: run({ health: 'critical', endedAt: before(0) }),
          activeIncidentIds: [3],
        },
      ],
      deliveries,
      silences: [],
      maintenance: [],
      holds: [],
    }
    const result = await runCli(['status'], {
      client: { status: (options) => (options?.after === undefined ? first : second) },
    })
    expect(result.calls).toEqual([['status'], ['status', { after: { kind: 'probe', code: 'myapp.health' } }]])
    expect(result.stdout).toBe(
      [
        'ACTIVE INCIDENTS (1)',
        '  INC-3  open  "db.backup is critical"  1m ago',
        '',
        'PROBES & JOBS (2)',
        '  myapp.health  ✓ healthy — 1m ago   "All good"',
        '  db.backup     ✗ critical — 1m ago              INC-3',
        '',
      ].join('\n'),
    )
  })

  it('prints one JSON document in wire form with --json, all pages merged', async () => {
    const view: StatusView = {
      activeIncidents: [],
      contracts: [{ contract: contract({ code: 'p1' }), lastReport: sample(), activeIncidentIds: [] }],
      deliveries,
      silences: [],
      maintenance: [],
      holds: [],
    }
    const json = JSON.parse((await runCli(['status', '--json'], { client: { status: () => view } })).stdout) as Record<
      string,
      unknown
    >
    expect(Object.keys(json)).toEqual([
      'active_incidents',
      'contracts',
      'deliveries',
      'silences',
      'maintenance',
      'holds',
    ])
    expect(json.contracts).toMatchObject([
      {
        contract: { code: 'p1', is_stale: false },
        last_report: { pushed_at: before(MINUTE).toISOString() },
        active_incident_ids: [],
      },
    ])
  })

  it('takes no arguments', async () => {
    const result = await runCli(['status', 'all'])
    expect(result.stderr).toMatch(/^Error: unknown command "all" for "timon status"\nUsage:/)
  })
})

describe('timon summary', () => {
  const view = {
    activeIncidents: 1,
    critical: { count: 1, codes: ['db.backup'] },
    stale: { count: 0, codes: [] },
    warning: { count: 0, codes: [] },
    healthy: { count: 2, codes: ['myapp.health', 'nightly.sync'] },
    running: { count: 0, codes: [] },
  }

  it('prints one line, shorter with --short, or the wire form with --json', async () => {
    const client = { summary: () => view }
    expect((await runCli(['summary'], { client })).stdout).toBe(
      'Timon — 1 active incident · 1 critical (db.backup) · 0 stale · 0 warning · 2 healthy · 0 running jobs\n',
    )
    expect((await runCli(['summary', '--short'], { client })).stdout).toBe(
      'Timon — 1 active incident · 1 critical · 0 stale · 0 warning · 2 healthy · 0 running jobs\n',
    )
    expect(JSON.parse((await runCli(['summary', '--json'], { client })).stdout)).toMatchObject({
      active_incidents: 1,
      critical: { count: 1, codes: ['db.backup'] },
    })
  })
})

describe('timon show', () => {
  const view = {
    kind: 'incident' as const,
    incident: incident({ id: 7, triggerType: 'manual', contractId: null, title: 'Down', openedAt: before(MINUTE) }),
    contractCode: null,
    timeline: [],
  }
  const client = { show: () => view }

  it('asks for the trimmed target with the default history size, and prints the view', async () => {
    const result = await runCli(['show', ' INC-7 '], { client })
    expect(result.calls).toEqual([['show', 'INC-7', {}]])
    expect(result.stdout).toBe(
      'INCIDENT  INC-7\n  state         open\n  trigger type  manual\n  title         Down\n  opened        1m ago\n\nTIMELINE\n  None\n',
    )
  })

  it('passes --limit and --all on', async () => {
    expect((await runCli(['show', 'p1', '--limit', '5'], { client })).calls).toEqual([['show', 'p1', { limit: 5 }]])
    expect((await runCli(['show', 'p1', '--all'], { client })).calls).toEqual([['show', 'p1', { all: true }]])
  })

  it('checks the target, then --limit, then that --limit and --all are not both given', async () => {
    const bad = await runCli(['show', 'Bad_Code', '--limit', 'x'], { client })
    expect(bad.stderr).toMatch(
      /^Error: invalid code "Bad_Code" — must be lowercase alphanumeric .*, optionally followed by a sample or run uid/,
    )
    expect(bad.connected).toBe(false)
    for (const limit of ['0', 'x', '-1', '2.5']) {
      expect((await runCli(['show', 'p1', '--limit', limit], { client })).stderr).toMatch(
        new RegExp(`^Error: invalid --limit "${limit.replace('.', '\\.')}" — must be a whole number of at least 1\\n`),
      )
    }
    expect((await runCli(['show', 'p1', '--limit', '3', '--all'], { client })).stderr).toMatch(
      /^Error: --limit cannot be combined with --all\n/,
    )
  })

  it('looks lowercase inc-3 up as a code, and passes INC-0 to the daemon', async () => {
    expect((await runCli(['show', 'inc-3'], { client })).calls).toEqual([['show', 'inc-3', {}]])
    expect((await runCli(['show', 'INC-0'], { client })).calls).toEqual([['show', 'INC-0', {}]])
  })

  it('reports a missing target as the daemon says', async () => {
    const result = await runCli(['show', 'nope.probe'], {
      errors: { show: { code: 'not_found', message: 'probe or job does not exist' } },
    })
    expect(result).toMatchObject({ status: 1, stdout: '', stderr: 'Error: probe or job does not exist\n' })
  })

  it('prints the wire form with --json', async () => {
    const json = JSON.parse((await runCli(['show', 'INC-7', '--json'], { client })).stdout) as Record<string, unknown>
    expect(json).toMatchObject({
      kind: 'incident',
      contract_code: null,
      incident: { id: 7, opened_at: before(MINUTE).toISOString() },
    })
  })
})

describe('timon deliveries', () => {
  const delivery = (id: number, status: Delivery['status']): Delivery => ({
    id,
    deliveryId: `d-${id}`,
    target: 'gotify',
    event: { name: 'incident.open', at: before(MINUTE), incident: incident({ id: 3 }) },
    orderingKey: null,
    status,
    attempts: status === 'failed' ? 6 : 1,
    nextAttemptAt: new Date(NOW.getTime() + 25_000),
    lastError: 'HTTP 500',
    createdAt: before(2 * MINUTE),
    finishedAt: status === 'pending' ? null : before(MINUTE),
  })

  it('lists failed and pending deliveries by default, newest first', async () => {
    const result = await runCli(['deliveries'], {
      client: { deliveries: (query) => [delivery(query?.status === 'failed' ? 7 : 9, query?.status ?? 'pending')] },
    })
    expect(result.calls).toEqual([
      ['deliveries', { status: 'failed' }],
      ['deliveries', { status: 'pending' }],
    ])
    expect(result.stdout).toBe(
      [
        'DELIVERIES (2)',
        '  #9  pending  incident.open  INC-3  gotify  1 attempt   next try in 25s  "HTTP 500"',
        '  #7  failed   incident.open  INC-3  gotify  6 attempts  failed 1m ago    "HTTP 500"',
        '',
      ].join('\n'),
    )
  })

  it('takes one --status and a --limit, and checks them', async () => {
    const client = { deliveries: () => [] }
    expect((await runCli(['deliveries', '--status', 'delivered', '--limit', '5'], { client })).calls).toEqual([
      ['deliveries', { status: 'delivered', limit: 5 }],
    ])
    expect((await runCli(['deliveries', '--status', 'lost'], { client })).stderr).toMatch(
      /^Error: invalid --status "lost" — must be one of: pending, delivered, failed\n/,
    )
    expect((await runCli(['deliveries'], { client })).stdout).toBe('DELIVERIES (0)\n  None\n')
    expect(JSON.parse((await runCli(['deliveries', '--json'], { client })).stdout)).toEqual({ deliveries: [] })
  })
})
