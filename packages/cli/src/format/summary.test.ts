import { describe, expect, it } from 'vitest'
import type { SummaryView } from '@timon/core'
import { COLOR } from './style.js'
import { formatSummary } from './summary.js'

const none = { count: 0, codes: [] }

describe('formatSummary', () => {
  const view: SummaryView = {
    activeIncidents: 1,
    critical: { count: 1, codes: ['db.backup'] },
    stale: none,
    warning: none,
    healthy: { count: 2, codes: ['myapp.health', 'nightly.sync'] },
    running: none,
  }

  it('prints one line with pluralised counts and the critical codes', () => {
    expect(formatSummary(view)).toBe(
      'Timon — 1 active incident · 1 critical (db.backup) · 0 stale · 0 warning · 2 healthy · 0 running jobs\n',
    )
  })

  it('leaves the code lists out with --short', () => {
    expect(formatSummary(view, { short: true })).toBe(
      'Timon — 1 active incident · 1 critical · 0 stale · 0 warning · 2 healthy · 0 running jobs\n',
    )
  })

  it('lists at most three codes, then how many more', () => {
    const text = formatSummary({
      ...view,
      activeIncidents: 2,
      critical: { count: 5, codes: ['a1', 'b1', 'c1'] },
      stale: { count: 2, codes: ['s1', 's2'] },
      running: { count: 1, codes: ['j1'] },
    })
    expect(text).toBe(
      'Timon — 2 active incidents · 5 critical (a1, b1, c1 +2) · 2 stale (s1, s2) · 0 warning · 2 healthy · 1 running job\n',
    )
  })

  it('colours only the non-zero counts', () => {
    const text = formatSummary(view, { style: COLOR })
    expect(text).toContain('\x1b[31m1 critical\x1b[39m')
    expect(text).toContain(' 0 stale ')
    expect(text).toContain('\x1b[32m2 healthy\x1b[39m')
  })
})
