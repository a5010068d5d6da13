/**
 * Fixed domain values for the CLI's unit tests: builders with defaults, and a fixed "now" so that
 * every "… ago" is known in advance.
 */
import {
  DEFAULT_RULES,
  NEW_CONTRACT_STATE,
  type Contract,
  type Incident,
  type IncidentEvent,
  type Rules,
  type Run,
  type Sample,
  type Step,
} from '@timon/core'

/** The instant every test formats against. */
export const NOW = new Date('2026-04-19T12:00:00.000Z')

/** The instant `ms` milliseconds before {@link NOW}. */
export function before(ms: number): Date {
  return new Date(NOW.getTime() - ms)
}

export const SECOND = 1_000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export const NO_RULES: Rules = DEFAULT_RULES

export function contract(overrides: Partial<Contract> & Pick<Contract, 'code'>): Contract {
  return {
    id: 1,
    kind: 'probe',
    rules: NO_RULES,
    ...NEW_CONTRACT_STATE,
    createdAt: before(30 * DAY),
    ...overrides,
  }
}

export function sample(overrides: Partial<Sample> = {}): Sample {
  return {
    kind: 'sample',
    id: 1,
    contractId: 1,
    uid: '77aa01bc93de',
    health: 'healthy',
    rules: NO_RULES,
    pushedAt: before(MINUTE),
    comment: null,
    detail: null,
    progress: null,
    ...overrides,
  }
}

export function run(overrides: Partial<Run> = {}): Run {
  return {
    kind: 'run',
    id: 1,
    contractId: 1,
    uid: '3f2a9c1b7d4e',
    health: 'unknown',
    rules: NO_RULES,
    startedAt: before(MINUTE),
    startComment: null,
    endedAt: null,
    endComment: null,
    overtimeAt: null,
    exit: null,
    logPath: null,
    skipped: false,
    progress: null,
    ...overrides,
  }
}

export function incident(overrides: Partial<Incident> & Pick<Incident, 'id'>): Incident {
  return {
    state: 'open',
    triggerType: 'critical',
    title: 'something is critical',
    description: null,
    contractId: 1,
    openedAt: before(HOUR),
    recoveredAt: null,
    relapsedAt: null,
    resolvedAt: null,
    ...overrides,
  }
}

export function event(overrides: Partial<IncidentEvent> & Pick<IncidentEvent, 'type' | 'at'>): IncidentEvent {
  return { id: 1, incidentId: 1, reportId: null, note: '', isSystem: true, ...overrides }
}

export function step(overrides: Partial<Step> & Pick<Step, 'label' | 'at'>): Step {
  return { id: 1, reportId: 1, health: 'healthy', detail: null, ...overrides }
}
