/**
 * What `@timon/client` may load: a Node app or a host that only pushes must never load
 * better-sqlite3, Kysely, zod or the daemon. Checked three ways: the package's declared
 * dependencies, the static imports of its sources, and what a process that uses the built client
 * (JSON calls and streams) actually loads.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..')
const SRC = join(PACKAGE, 'src')
/** What the client's sources may import at run time. */
const ALLOWED = [/^node:/, /^neverthrow$/, /^@timon\/core\/lite$/]
/** What must never be loaded by a process that uses the client. */
const HEAVY =
  /better-sqlite3|kysely|\/zod\/|mustache|smol-toml|store-sqlite|socket-daemon|notify-webhook|poll-http|\/core\/dist\/index\.js/

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
      for (const inner of runtimeImports(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')), seen))
        found.add(inner)
    } else {
      found.add(specifier)
    }
  }
  for (const match of text.matchAll(/\bawait import\('([^']+)'\)/g)) {
    const specifier = match[1] ?? ''
    if (specifier.startsWith('.'))
      for (const inner of runtimeImports(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')), seen))
        found.add(inner)
    else found.add(specifier)
  }
  return found
}

describe('@timon/client', () => {
  it('declares no dependency but the core (for @timon/core/lite) and neverthrow', () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>
    }
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(['@timon/core', 'neverthrow'])
  })

  it('imports nothing but node:, neverthrow and @timon/core/lite, and no node:http up front', () => {
    const imports = [...runtimeImports(join(SRC, 'index.ts'))]
    expect(imports.filter((specifier) => !ALLOWED.some((allowed) => allowed.test(specifier)))).toEqual([])
    expect(imports).toContain('node:net')
  })

  it('loads neither better-sqlite3, Kysely, zod nor the daemon in a process that uses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcl-'))
    try {
      const out = join(dir, 'loaded.txt')
      const hooks = join(dir, 'hooks.mjs')
      // A resolve hook that records every module URL the process loads (it runs on the hooks
      // thread, hence the synchronous append).
      writeFileSync(
        hooks,
        `import { appendFileSync } from 'node:fs'\nexport async function resolve(specifier, context, next) {\n  const found = await next(specifier, context)\n  appendFileSync(${JSON.stringify(out)}, found.url + '\\n')\n  return found\n}\n`,
      )
      const entry = pathToFileURL(join(PACKAGE, 'dist', 'index.js')).href
      const script = [
        `import { register } from 'node:module'`,
        `register(${JSON.stringify(pathToFileURL(hooks).href)})`,
        `const { TimonClient } = await import(${JSON.stringify(entry)})`,
        `const client = new TimonClient({ socketPath: ${JSON.stringify(join(dir, 'none.sock'))}, connectRetries: 0 })`,
        `const pushed = await client.pushProbe({ code: 'a.probe', health: 'healthy' })`,
        `const log = await client.readLog('a.job')`,
        `const output = await client.streamOutput('a.job', '0123456789ab')`,
        `await output.end()`,
        `client.close()`,
        `console.log(pushed.isErr() && log.isErr() && output.error !== undefined ? 'unreachable' : 'reached')`,
      ].join('\n')
      const child = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((done) =>
        execFile(
          process.execPath,
          ['--input-type=module', '-e', script],
          { encoding: 'utf8', timeout: 15_000 },
          (error, stdout, stderr) => done({ error, stdout, stderr }),
        ),
      )
      expect([child.error, child.stdout.trim()]).toEqual([null, 'unreachable'])
      const loaded = readFileSync(out, 'utf8')
        .split('\n')
        .filter((url) => url !== '')
      expect(loaded).toContain(entry)
      expect(loaded.some((url) => url.endsWith('/log-stream.js'))).toBe(true)
      expect(loaded.filter((url) => HEAVY.test(url))).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
