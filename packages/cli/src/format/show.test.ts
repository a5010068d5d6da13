import { describe, expect, it } from 'vitest'
import { DEFAULT_RULES } from '@timon/core'
import {
  DAY,
  HOUR,
  MINUTE,
  NOW,
  SECOND,
  before,
  contract,
  event,
  incident,
  run,
  sample,
  step,
} from '../../test/fixtures.js'
import { formatShow } from './show.js'

const jobRules = {
  ...DEFAULT_RULES,
  staleAfter: 25 * HOUR,
  staleIncidentAfter: 26 * HOUR,
  overtimeIncidentAfter: 30 * MINUTE,
  overlapIncident: true,
}

describe('formatShow: a probe or job', () => {
  it('prints a job with its rules in force, active incidents and runs, newest first (§6.10)', () => {
    const running = run({
      id: 3,
      uid: '3f2a9c1b7d4e',
      health: 'warning',
      startedAt: before(3 * MINUTE + 2 * SECOND),
      startComment: 'Starting nightly sync',
    })
    const text = formatShow(
      {
        kind: 'contract',
        schedule: null,
        holds: [],
        contract: contract({ code: 'nightly.sync', kind: 'job', rules: jobRules }),
        lastReport: running,
        rules: jobRules,
        activeIncidents: [incident({ id: 4 })],
        reports: [
          { report: running, activeIncidentIds: [] },
          {
            report: run({
              id: 2,
              uid: '0a1b2c3d4e5f',
              health: 'healthy',
              startedAt: before(DAY + 14 * MINUTE),
              endedAt: before(DAY + 2 * MINUTE - 5 * SECOND),
              startComment: 'go',
              endComment: 'Sent report',
            }),
            activeIncidentIds: [],
          },
          {
            report: run({
              id: 1,
              uid: '5e6f7a8b9c0d',
              health: 'critical',
              startedAt: before(2 * DAY + 4 * MINUTE + 40 * SECOND),
              endedAt: before(2 * DAY + MINUTE),
              endComment: 'Backup failed',
            }),
            activeIncidentIds: [4],
          },
        ],
        reportCount: 3,
      },
      NOW,
    )
    expect(text).toBe(
      [
        'JOB  nightly.sync',
        '  health                   ● running 3f2a9c1b7d4e (⚠ warning)',
        '  last start               3m 2s ago',
        '  stale after              1d 1h',
        '  stale incident after     1d 2h',
        '  overtime incident after  30m',
        '  overlap incident         yes',
        '  active incidents         INC-4',
        '',
        'RUNS',
        '  3f2a9c1b7d4e  ● running (⚠ warning)  started 3m 2s ago         "Starting nightly sync"',
        '  0a1b2c3d4e5f  ✓ healthy              ended 1d 1m ago (12m 5s)  "Sent report"',
        '  5e6f7a8b9c0d  ✗ critical             ended 2d 1m ago (3m 40s)  "Backup failed"          INC-4',
        '',
      ].join('\n'),
    )
  })

  it('prints a probe with its samples and their comments, and only the rules that are set', () => {
    const last = sample({ id: 2, uid: '9be01c44a2f0', comment: 'All good', pushedAt: before(4 * MINUTE) })
    const text = formatShow(
      {
        kind: 'contract',
        schedule: null,
        holds: [],
        contract: contract({ code: 'myapp.health' }),
        lastReport: last,
        rules: {
          ...DEFAULT_RULES,
          staleAfter: 5 * MINUTE,
          staleIncidentAfter: null,
          overtimeIncidentAfter: null,
          overlapIncident: true,
        },
        activeIncidents: [],
        reports: [
          { report: last, activeIncidentIds: [] },
          {
            report: sample({ id: 1, uid: '77aa01bc93de', health: 'critical', pushedAt: before(HOUR) }),
            activeIncidentIds: [],
          },
        ],
        reportCount: 2,
      },
      NOW,
    )
    expect(text).toBe(
      [
        'PROBE  myapp.health',
        '  health       ✓ healthy',
        '  last push    4m ago',
        '  stale after  5m',
        '',
        'SAMPLES',
        '  9be01c44a2f0  ✓ healthy   "All good"  4m ago',
        '  77aa01bc93de  ✗ critical              1h ago',
        '',
      ].join('\n'),
    )
  })

  it('names the host of the last push, and adds a host column once the listed reports come from more than one', () => {
    const last = sample({ id: 3, uid: '9be01c44a2f0', pushedAt: before(MINUTE), host: 'web-1' })
    const rules = {
      ...DEFAULT_RULES,
      staleAfter: null,
      staleIncidentAfter: null,
      overtimeIncidentAfter: null,
      overlapIncident: true,
    }
    const reports = [
      { report: last, activeIncidentIds: [] },
      { report: sample({ id: 2, uid: '77aa01bc93de', pushedAt: before(HOUR), host: null }), activeIncidentIds: [] },
      {
        report: sample({ id: 1, uid: '5e6f7a8b9c0d', pushedAt: before(2 * HOUR), host: 'web-1' }),
        activeIncidentIds: [],
      },
    ]
    const view = {
      kind: 'contract' as const,
      schedule: null,
      holds: [],
      contract: contract({ code: 'p1' }),
      lastReport: last,
      rules,
      activeIncidents: [],
      reports,
      reportCount: 3,
    }
    expect(formatShow(view, NOW)).toBe(
      [
        'PROBE  p1',
        '  health     ✓ healthy',
        '  last push  1m ago',
        '  host       web-1',
        '',
        'SAMPLES',
        '  9be01c44a2f0  ✓ healthy    1m ago',
        '  77aa01bc93de  ✓ healthy    1h ago',
        '  5e6f7a8b9c0d  ✓ healthy    2h ago',
        '',
      ].join('\n'),
    )
    const other = {
      report: sample({ id: 1, uid: '5e6f7a8b9c0d', pushedAt: before(2 * HOUR), host: 'db-22' }),
      activeIncidentIds: [],
    }
    expect(formatShow({ ...view, reports: [...reports.slice(0, 2), other] }, NOW)).toContain(
      [
        'SAMPLES',
        '  9be01c44a2f0  web-1  ✓ healthy    1m ago',
        '  77aa01bc93de  -      ✓ healthy    1h ago',
        '  5e6f7a8b9c0d  db-22  ✓ healthy    2h ago',
      ].join('\n'),
    )
    const report = formatShow(
      { kind: 'report', contract: contract({ code: 'p1' }), report: last, steps: [], activeIncidentIds: [] },
      NOW,
    )
    expect(report).toContain('\n  health  ✓ healthy\n  host    web-1\n')
  })

  it('says which active incident has its notifications held, and by what', () => {
    const last = sample({ id: 2, health: 'critical', pushedAt: before(MINUTE) })
    const text = formatShow(
      {
        kind: 'contract',
        schedule: null,
        holds: [{ incidentId: 7, heldBy: 'depends on db.main' }],
        contract: contract({ code: 'web.api' }),
        lastReport: last,
        rules: { ...DEFAULT_RULES, dependsOn: 'db.main' },
        activeIncidents: [incident({ id: 7 })],
        reports: [{ report: last, activeIncidentIds: [7] }],
        reportCount: 1,
      },
      NOW,
    )
    expect(text).toContain(
      '\n  depends on        db.main\n  active incidents  INC-7\n  held              INC-7: depends on db.main\n',
    )
  })

  it('says how many older samples are not listed', () => {
    const last = sample()
    const view = {
      kind: 'contract' as const,
      schedule: null,
      holds: [],
      contract: contract({ code: 'p1' }),
      lastReport: last,
      rules: {
        ...DEFAULT_RULES,
        staleAfter: null,
        staleIncidentAfter: null,
        overtimeIncidentAfter: null,
        overlapIncident: true,
      },
      activeIncidents: [],
      reports: [{ report: last, activeIncidentIds: [] }],
    }
    expect(formatShow({ ...view, reportCount: 21 }, NOW)).toContain(
      '\n  … 20 older samples not shown (use --limit N or --all)\n',
    )
    expect(formatShow({ ...view, reportCount: 2 }, NOW)).toContain('\n  … 1 older sample not shown')
    expect(formatShow({ ...view, reportCount: 1 }, NOW)).not.toContain('…')
  })

  it('shows a stale job with no overlap rule, and None when it has no run left', () => {
    const rules = {
      ...DEFAULT_RULES,
      staleAfter: null,
      staleIncidentAfter: null,
      overtimeIncidentAfter: null,
      overlapIncident: false,
    }
    const text = formatShow(
      {
        kind: 'contract',
        schedule: null,
        holds: [],
        contract: contract({ code: 'j1', kind: 'job', isStale: true, rules }),
        lastReport: undefined,
        rules,
        activeIncidents: [],
        reports: [],
        reportCount: 0,
      },
      NOW,
    )
    expect(text).toBe('JOB  j1\n  health            ? unknown\n  overlap incident  no\n\nRUNS\n  None\n')
  })
})

describe('formatShow: one sample or run', () => {
  it('prints a run with its steps and the end line (§6.10)', () => {
    const started = before(DAY + 14 * MINUTE)
    const at = (ms: number) => new Date(started.getTime() + ms)
    const text = formatShow(
      {
        kind: 'report',
        contract: contract({ code: 'nightly.sync', kind: 'job' }),
        report: run({
          uid: '0a1b2c3d4e5f',
          health: 'healthy',
          rules: jobRules,
          startedAt: started,
          startComment: 'Starting nightly sync',
          endedAt: at(12 * MINUTE + 5 * SECOND),
          endComment: 'Sent report',
        }),
        steps: [
          step({ label: 'Exported data', at: at(4 * MINUTE + SECOND) }),
          step({ label: 'Uploaded to S3', at: at(9 * MINUTE + 30 * SECOND) }),
          step({ label: 'Sent report', at: at(12 * MINUTE + 5 * SECOND) }),
        ],
        activeIncidentIds: [],
      },
      NOW,
    )
    expect(text).toBe(
      [
        'JOB  nightly.sync  run 0a1b2c3d4e5f',
        '  health                   ✓ healthy',
        '  started                  1d 14m ago',
        '  start comment            Starting nightly sync',
        '  duration                 12m 5s',
        '  end comment              Sent report',
        '  stale after              1d 1h',
        '  stale incident after     1d 2h',
        '  overtime incident after  30m',
        '  overlap incident         yes',
        '',
        'STEPS',
        '  +4m 1s   ✓ healthy  "Exported data"',
        '  +9m 30s  ✓ healthy  "Uploaded to S3"',
        '  +12m 5s  ✓ healthy  "Sent report"',
        '  +12m 5s  end        "Sent report"',
        '',
      ].join('\n'),
    )
  })

  it('prints a running run without steps: running marker without uid, None, no end line', () => {
    const text = formatShow(
      {
        kind: 'report',
        contract: contract({ code: 'j1', kind: 'job' }),
        report: run({ health: 'critical', startedAt: before(MINUTE) }),
        steps: [],
        activeIncidentIds: [2, 5],
      },
      NOW,
    )
    expect(text).toBe(
      [
        'JOB  j1  run 3f2a9c1b7d4e',
        '  health            ● running (✗ critical)',
        '  started           1m ago',
        '  overlap incident  yes',
        '  active incidents  INC-2, INC-5',
        '',
        'STEPS',
        '  None',
        '',
      ].join('\n'),
    )
  })

  it('prints an ended run without steps: None, then the end line with no comment', () => {
    const text = formatShow(
      {
        kind: 'report',
        contract: contract({ code: 'j1', kind: 'job' }),
        report: run({ health: 'healthy', startedAt: before(MINUTE), endedAt: before(30 * SECOND) }),
        steps: [],
        activeIncidentIds: [],
      },
      NOW,
    )
    expect(text).toContain('STEPS\n  None\n  +30s  end\n')
  })

  it('prints how the command of a timon exec run ended, and where its log is', () => {
    const startedAt = before(MINUTE)
    const report = run({
      health: 'critical',
      startedAt,
      endedAt: before(MINUTE - 3 * SECOND),
      endComment: 'killed by SIGTERM after 3s',
      exit: { code: null, signal: 'SIGTERM' },
      logPath: '/var/lib/timon/logs/j1/3f2a9c1b7d4e.log',
    })
    const text = formatShow(
      { kind: 'report', contract: contract({ code: 'j1', kind: 'job' }), report, steps: [], activeIncidentIds: [] },
      NOW,
    )
    expect(text).toContain(
      '\n  duration          3s\n  end comment       killed by SIGTERM after 3s\n  exit              signal SIGTERM\n  log               /var/lib/timon/logs/j1/3f2a9c1b7d4e.log\n',
    )
    const exited = formatShow(
      {
        kind: 'report',
        contract: contract({ code: 'j1', kind: 'job' }),
        report: { ...report, exit: { code: 2, signal: null } },
        steps: [],
        activeIncidentIds: [],
      },
      NOW,
    )
    expect(exited).toContain('\n  exit              code 2\n')
  })

  it('marks a skipped run, in the run and in the job', () => {
    const skipped = run({
      uid: '0a1b2c3d4e5f',
      health: 'healthy',
      startedAt: before(MINUTE),
      endedAt: before(MINUTE),
      startComment: 'skipped: the previous run (pid 42) is still running',
      skipped: true,
    })
    const text = formatShow(
      {
        kind: 'report',
        contract: contract({ code: 'j1', kind: 'job' }),
        report: skipped,
        steps: [],
        activeIncidentIds: [],
      },
      NOW,
    )
    expect(text).toContain(
      '\n  skipped           yes: the previous run was still going (timon exec --skip-if-running)\n  started           1m ago\n',
    )
    expect(text).not.toContain('duration')
    const rules = {
      ...DEFAULT_RULES,
      staleAfter: null,
      staleIncidentAfter: null,
      overtimeIncidentAfter: null,
      overlapIncident: true,
    }
    const running = run({ startedAt: before(2 * MINUTE) })
    const job = formatShow(
      {
        kind: 'contract',
        schedule: null,
        holds: [],
        contract: contract({ code: 'j1', kind: 'job' }),
        lastReport: running,
        rules,
        activeIncidents: [],
        reports: [
          { report: skipped, activeIncidentIds: [] },
          { report: running, activeIncidentIds: [] },
        ],
        reportCount: 2,
      },
      NOW,
    )
    expect(job).toContain(
      '\n  0a1b2c3d4e5f  ↷ skipped  skipped 1m ago  "skipped: the previous run (pid 42) is still running"\n  3f2a9c1b7d4e  ● running  started 2m ago\n',
    )
  })

  it('prints a probe sample with its comment (decisions, Q-13)', () => {
    const text = formatShow(
      {
        kind: 'report',
        contract: contract({ code: 'myapp.health' }),
        report: sample({ uid: '77aa01bc93de', health: 'critical', comment: 'HTTP 503', pushedAt: before(2 * MINUTE) }),
        steps: [],
        activeIncidentIds: [1],
      },
      NOW,
    )
    expect(text).toBe(
      [
        'PROBE  myapp.health  sample 77aa01bc93de',
        '  health            ✗ critical',
        '  pushed            2m ago',
        '  comment           HTTP 503',
        '  active incidents  INC-1',
        '',
      ].join('\n'),
    )
  })
})

describe('formatShow: an incident', () => {
  it('prints the details and the timeline, each entry timed from the opening (§6.10)', () => {
    const opened = before(HOUR + 2 * MINUTE)
    const at = (ms: number) => new Date(opened.getTime() + ms)
    const text = formatShow(
      {
        kind: 'incident',
        incident: incident({
          id: 3,
          state: 'recovered',
          title: 'db.backup is critical',
          openedAt: opened,
          recoveredAt: before(10 * MINUTE + 4 * SECOND),
        }),
        contractCode: 'db.backup',
        timeline: [
          event({
            type: 'opened',
            at: opened,
            note: 'db.backup turned critical (run 3f2a9c1b7d4e) at step: Dump completed',
          }),
          event({
            type: 'annotation',
            at: at(20 * MINUTE + SECOND),
            isSystem: false,
            note: 'Disk full on backup host',
          }),
          event({
            type: 'recovered',
            at: at(51 * MINUTE + 58 * SECOND),
            note: 'db.backup back to healthy (run 9be01c44a2f0): Backup OK',
          }),
        ],
      },
      NOW,
    )
    expect(text).toBe(
      [
        'INCIDENT  INC-3',
        '  state         recovered',
        '  trigger type  critical',
        '  probe/job     db.backup',
        '  title         db.backup is critical',
        '  opened        1h 2m ago',
        '  recovered     10m 4s ago',
        '',
        'TIMELINE',
        '  +0s       opened      [system]  "db.backup turned critical (run 3f2a9c1b7d4e) at step: Dump completed"',
        '  +20m 1s   annotation  [human]   "Disk full on backup host"',
        '  +51m 58s  recovered   [system]  "db.backup back to healthy (run 9be01c44a2f0): Backup OK"',
        '',
      ].join('\n'),
    )
  })

  it('prints a resolved manual incident with its description, and None for an empty timeline', () => {
    const text = formatShow(
      {
        kind: 'incident',
        incident: incident({
          id: 7,
          state: 'resolved',
          triggerType: 'manual',
          contractId: null,
          title: 'Payment gateway down',
          description: 'Stripe 503',
          openedAt: before(DAY),
          resolvedAt: before(HOUR),
        }),
        contractCode: null,
        timeline: [],
      },
      NOW,
    )
    expect(text).toBe(
      [
        'INCIDENT  INC-7',
        '  state         resolved',
        '  trigger type  manual',
        '  title         Payment gateway down',
        '  description   Stripe 503',
        '  opened        1d ago',
        '  resolved      1h ago',
        '',
        'TIMELINE',
        '  None',
        '',
      ].join('\n'),
    )
  })
  it("keeps the lines of a multi-line description (a command's last lines of output) in its column", () => {
    const text = formatShow(
      {
        kind: 'incident',
        incident: incident({ id: 8, description: "$ sh -c 'make'\nerror: x\nexit", openedAt: before(MINUTE) }),
        contractCode: 'j1',
        timeline: [],
      },
      NOW,
    )
    expect(text).toContain(
      "\n  description   $ sh -c 'make'\n                error: x\n                exit\n  opened        1m ago\n",
    )
  })
})
