import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'

const SRC = new URL('../src/', import.meta.url).pathname
const FORBIDDEN = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'child_process',
  'timers',
  'timers/promises',
  'dgram',
  'tls',
  'worker_threads',
]
const TIMER_CALLS = /\b(setTimeout|setInterval|setImmediate)\s*\(/

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
  })
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
function importsOf(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/import\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
  ]
  return specifiers.map((m) => m[1] ?? '')
}

describe('@timon/core stays pure', () => {
  const files = sourceFiles(SRC)

  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(10)
  })

  it.each(files.map((f) => [f.slice(SRC.length), f]))('%s imports no I/O module and sets no timer', (_name, file) => {
    const source = readFileSync(file, 'utf8')
    const io = importsOf(source).filter((spec) => FORBIDDEN.includes(spec.replace(/^node:/, '')))
    expect(io).toEqual([])
    expect(source).not.toMatch(TIMER_CALLS)
  })

  it('reads schedules through croner without starting a timer', async () => {
    const setTimeout = vi.spyOn(globalThis, 'setTimeout')
    const { parseSchedule } = await import('../src/schedule/cron-schedule.js')
    const schedule = parseSchedule('*/5 * * * *', 'Europe/Berlin')._unsafeUnwrap()
    expect(schedule.nextAfter(new Date('2025-01-01T00:01:00Z'))).toEqual(new Date('2025-01-01T00:05:00Z'))
    expect(setTimeout).not.toHaveBeenCalled()
    setTimeout.mockRestore()
  })

  it('would catch an offending import', () => {
    expect(importsOf("import { readFile } from 'node:fs'\nconst x = await import('child_process')")).toEqual([
      'node:fs',
      'child_process',
    ])
  })
})
