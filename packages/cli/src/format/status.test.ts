import { describe, expect, it } from 'vitest'
import { DAY, HOUR, MINUTE, NOW, SECOND, before, contract, incident, run, sample } from '../../test/fixtures.js'
import { formatStatus } from './status.js'
import { COLOR } from './style.js'

describe('formatStatus', () => {
  it('prints the reference layout (§6.8) without trailing spaces', () => {
    const text = formatStatus(
      {
        activeIncidents: [
          incident({ id: 3, title: 'db.backup is critical', openedAt: before(HOUR + 2 * MINUTE) }),
          incident({
            id: 7,
            state: 'recovered',
            triggerType: 'manual',
            title: 'Payment gateway down',
            contractId: null,
            openedAt: before(5 * MINUTE + 3 * SECOND),
          }),
        ],
        contracts: [
          {
            contract: contract({ code: 'myapp.health' }),
            lastReport: sample({ comment: 'All good', pushedAt: before(4 * MINUTE + 12 * SECOND) }),
            activeIncidentIds: [],
          },
          {
            contract: contract({ code: 'web.latency', isStale: true }),
            lastReport: sample({ health: 'warning', pushedAt: before(2 * HOUR + 10 * MINUTE) }),
            activeIncidentIds: [],
          },
          {
            contract: contract({ code: 'db.backup', kind: 'job' }),
            lastReport: run({
              health: 'critical',
              startedAt: before(HOUR + 5 * MINUTE),
              endedAt: before(HOUR),
              endComment: null,
            }),
            activeIncidentIds: [3],
          },
          {
            contract: contract({ code: 'nightly.sync', kind: 'job' }),
            lastReport: run({
              health: 'warning',
              startedAt: before(3 * MINUTE + 2 * SECOND),
              startComment: 'Starting nightly sync',
            }),
            activeIncidentIds: [],
          },
        ],
      },
      NOW,
    )
    expect(text).toBe(
      [
        'ACTIVE INCIDENTS (2)',
        '  INC-3  open       "db.backup is critical"  1h 2m ago',
        '  INC-7  recovered  "Payment gateway down"   5m 3s ago  (manual)',
        '',
        'PROBES & JOBS (4)',
        '  myapp.health  ✓ healthy — 4m 12s ago                          "All good"',
        '  web.latency   stale (⚠ warning) — 2h 10m ago',
        '  db.backup     ✗ critical — 1h 5m ago                                                   INC-3',
        '  nightly.sync  ● running 3f2a9c1b7d4e (⚠ warning) — 3m 2s ago  "Starting nightly sync"',
        '',
      ].join('\n'),
    )
  })

  it('says None for empty sections', () => {
    expect(formatStatus({ activeIncidents: [], contracts: [] }, NOW)).toBe(
      'ACTIVE INCIDENTS (0)\n  None\n\nPROBES & JOBS (0)\n  None\n',
    )
  })

  it('shows a contract without any report as unknown, with no time', () => {
    const text = formatStatus(
      {
        activeIncidents: [],
        contracts: [
          { contract: contract({ code: 'empty.probe', isStale: true }), lastReport: undefined, activeIncidentIds: [] },
        ],
      },
      NOW,
    )
    expect(text).toContain('  empty.probe  ? unknown\n')
  })

  it('shows a running run without a verdict yet, and the end comment before the start comment', () => {
    const text = formatStatus(
      {
        activeIncidents: [],
        contracts: [
          {
            contract: contract({ code: 'a.job', kind: 'job' }),
            lastReport: run({ startedAt: before(DAY + HOUR) }),
            activeIncidentIds: [1, 4],
          },
          {
            contract: contract({ code: 'b.job', kind: 'job' }),
            lastReport: run({ health: 'healthy', startComment: 'start', endComment: 'end', endedAt: before(MINUTE) }),
            activeIncidentIds: [],
          },
        ],
      },
      NOW,
    )
    expect(text).toContain('  a.job  ● running 3f2a9c1b7d4e — 1d 1h ago         INC-1, INC-4\n')
    expect(text).toContain('  b.job  ✓ healthy — 1m ago                  "end"\n')
  })

  it('quotes comments and titles as Go %q does', () => {
    const text = formatStatus(
      {
        activeIncidents: [incident({ id: 1, title: 'say "hi"\tnow' })],
        contracts: [
          { contract: contract({ code: 'p1' }), lastReport: sample({ comment: 'back\\slash' }), activeIncidentIds: [] },
        ],
      },
      NOW,
    )
    expect(text).toContain('"say \\"hi\\"\\tnow"')
    expect(text).toContain('"back\\\\slash"')
  })

  it('mentions failed webhook deliveries, pluralised', () => {
    const base = { activeIncidents: [], contracts: [] }
    expect(formatStatus({ ...base, deliveries: { pending: 2, delivered: 5, failed: 0 } }, NOW)).not.toContain(
      'WEBHOOKS',
    )
    expect(formatStatus({ ...base, deliveries: { pending: 0, delivered: 0, failed: 1 } }, NOW)).toContain(
      '\nWEBHOOKS\n  1 failed delivery — see "timon deliveries"\n',
    )
    expect(formatStatus({ ...base, deliveries: { pending: 0, delivered: 0, failed: 3 } }, NOW)).toContain(
      '  3 failed deliveries —',
    )
  })

  it('colours healths and states without shifting the columns', () => {
    const view = {
      activeIncidents: [],
      contracts: [
        {
          contract: contract({ code: 'p1' }),
          lastReport: sample({ health: 'critical', comment: 'x' }),
          activeIncidentIds: [],
        },
        {
          contract: contract({ code: 'p2' }),
          lastReport: sample({ health: 'healthy', comment: 'y' }),
          activeIncidentIds: [],
        },
      ],
    }
    const coloured = formatStatus(view, NOW, COLOR)
    expect(coloured).toContain('\x1b[31m✗ critical\x1b[39m')
    expect(coloured).toContain('\x1b[32m✓ healthy\x1b[39m')
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(formatStatus(view, NOW))
  })

  it('marks a probe the daemon polls with its URL', () => {
    const text = formatStatus(
      {
        activeIncidents: [],
        contracts: [
          {
            contract: contract({ code: 'grafana.health' }),
            lastReport: undefined,
            activeIncidentIds: [],
            polledFrom: 'http://10.0.0.5:3000/api/health',
          },
        ],
      },
      NOW,
    )
    expect(text).toContain('  grafana.health  ? unknown      polled http://10.0.0.5:3000/api/health\n')
  })

  it('marks silenced probes and jobs and lists the silences and maintenance windows in force', () => {
    const silence = {
      id: 3,
      pattern: 'db.*',
      startsAt: before(HOUR),
      endsAt: new Date(NOW.getTime() + HOUR),
      comment: 'disk swap',
      createdAt: before(HOUR),
      released: false,
    }
    const window = {
      codes: ['web.*'],
      schedule: '0 2 * * SUN',
      startsAt: before(MINUTE),
      endsAt: new Date(NOW.getTime() + 2 * HOUR),
    }
    const text = formatStatus(
      {
        activeIncidents: [],
        contracts: [
          { contract: contract({ code: 'db.main' }), lastReport: undefined, activeIncidentIds: [] },
          { contract: contract({ code: 'web.shop' }), lastReport: undefined, activeIncidentIds: [] },
          { contract: contract({ code: 'mail.queue' }), lastReport: undefined, activeIncidentIds: [] },
        ],
        silences: [silence],
        maintenance: [window],
      },
      NOW,
    )
    expect(text).toMatch(/\n {2}db\.main +\? unknown +silenced SIL-3\n/)
    expect(text).toMatch(/\n {2}web\.shop +\? unknown +silenced maintenance\n/)
    expect(text).toMatch(/\n {2}mail\.queue +\? unknown\n/)
    expect(text).toContain(`\nSILENCES (2)\n  SIL-3        db.*   until ${silence.endsAt.toISOString()}  "disk swap"\n`)
    expect(text).toContain(`  maintenance  web.*  until ${window.endsAt.toISOString()}  "0 2 * * SUN"\n`)
  })

  it('marks a probe whose incident its failing dependency holds', () => {
    const text = formatStatus(
      {
        activeIncidents: [],
        contracts: [
          { contract: contract({ code: 'web.api' }), lastReport: undefined, activeIncidentIds: [7] },
          { contract: contract({ code: 'db.main' }), lastReport: undefined, activeIncidentIds: [6] },
        ],
        holds: [{ incidentId: 7, heldBy: 'depends on db.main' }],
      },
      NOW,
    )
    expect(text).toMatch(/\n {2}web\.api +\? unknown +INC-7 +held: depends on db\.main\n/)
    expect(text).toMatch(/\n {2}db\.main +\? unknown +INC-6\n/)
  })

  it('adds a host column once the latest reports come from more than one machine', () => {
    const probe = (code: string, host: string | null) => ({
      contract: contract({ code }),
      lastReport: sample({ host, pushedAt: before(MINUTE) }),
      activeIncidentIds: [],
    })
    const oneHost = formatStatus(
      { activeIncidents: [], contracts: [probe('a.health', 'web-1'), probe('b.health', 'web-1')] },
      NOW,
    )
    expect(oneHost).toContain('\n  a.health  ✓ healthy — 1m ago\n')
    const twoHosts = formatStatus(
      {
        activeIncidents: [],
        contracts: [probe('a.health', 'web-1'), probe('b.health', 'db-22'), probe('c.health', null)],
      },
      NOW,
    )
    expect(twoHosts).toContain(
      [
        '  a.health  web-1  ✓ healthy — 1m ago',
        '  b.health  db-22  ✓ healthy — 1m ago',
        '  c.health  -      ✓ healthy — 1m ago',
      ].join('\n'),
    )
  })
})
