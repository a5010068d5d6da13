// The `summary` counts. Prepared SQL text: one query ranks every contract's category with window
// functions, which Kysely's builder could only wrap in `sql` fragments; it takes no parameters.
import type { CodeCount, StoreTx, SummaryCounts } from '@timon/core'
import { corruptRow } from '../rows/codec.js'
import type { QueryContext } from './query-context.js'

export function summaryQueries({ statements }: QueryContext): Pick<StoreTx, 'summarize'> {
  return {
    async summarize(): Promise<SummaryCounts> {
      const rows = statements.prepare(CATEGORIES).all() as { category: string; code: string; total: number }[]
      const { active } = statements.prepare(ACTIVE_INCIDENTS).get() as { active: number }
      const categories = {
        critical: { count: 0, codes: [] as string[] },
        stale: { count: 0, codes: [] as string[] },
        warning: { count: 0, codes: [] as string[] },
        healthy: { count: 0, codes: [] as string[] },
        running: { count: 0, codes: [] as string[] },
      } satisfies Record<string, CodeCount>
      for (const { category, code, total } of rows) {
        if (!Object.hasOwn(categories, category)) throw corruptRow(`summary category ${category}`)
        const counted = categories[category as keyof typeof categories]
        counted.count = total
        counted.codes.push(code)
      }
      return { activeIncidents: active, ...categories }
    },
  }
}

// --- internal ---

/**
 * One category per contract with a last report, then the first three codes of each category and
 * its size, by window functions: nothing is read but the answer.
 */
const CATEGORIES = `
  WITH categorized AS (
    SELECT c.code,
      CASE
        WHEN c.is_stale = 1 THEN 'stale'
        WHEN r.kind = 'run' AND r.ended_at IS NULL THEN 'running'
        ELSE r.health
      END AS category
    FROM contracts c JOIN reports r ON r.id = c.last_report_id
  ), ranked AS (
    SELECT category, code,
      row_number() OVER (PARTITION BY category ORDER BY code) AS position,
      count(*) OVER (PARTITION BY category) AS total
    FROM categorized
    WHERE category <> 'unknown'
  )
  SELECT category, code, total FROM ranked WHERE position <= 3 ORDER BY category, position`

// The literal 'resolved' lets SQLite use the partial index incidents_active.
const ACTIVE_INCIDENTS = "SELECT count(*) AS active FROM incidents WHERE state <> 'resolved'"
