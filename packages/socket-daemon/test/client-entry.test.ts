import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src')
/** What `@timon/socket-daemon/client` may load at run time: `timon push` starts fast because of it. */
const ALLOWED = [/^node:/, /^neverthrow$/, /^@timon\/core\/lite$/]

/** Every module `file` loads at run time (type-only imports are erased), following relative imports. */
function runtimeImports(file: string, seen = new Set<string>()): Set<string> {
  const found = new Set<string>()
  if (seen.has(file)) return found
  seen.add(file)
  const text = readFileSync(file, 'utf8')
  for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^;'"]*?\sfrom\s+)?'([^']+)'/gms)) {
    const [, typeOnly, specifier = ''] = match
    if (typeOnly !== undefined) continue
    if (specifier.startsWith('.')) {
      for (const inner of runtimeImports(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')), seen)) found.add(inner)
    } else {
      found.add(specifier)
    }
  }
  return found
}

describe('@timon/socket-daemon/client', () => {
  it('loads neither zod, Kysely, SQLite, mustache, the core nor the server', () => {
    const imports = [...runtimeImports(join(SRC, 'client-entry.ts'))]
    expect(imports.filter((specifier) => !ALLOWED.some((allowed) => allowed.test(specifier)))).toEqual([])
    expect(imports).toContain('node:net')
    expect(imports).not.toContain('node:http')
  })

  it('still sees the server side importing its dependencies (the check works)', () => {
    const imports = runtimeImports(join(SRC, 'index.ts'))
    expect([...imports]).toEqual(expect.arrayContaining(['zod', '@timon/core', '@timon/store-sqlite', '@timon/notify-webhook']))
  })
})
