import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { afterAll, expect, it } from 'vitest'

// A strict consumer of the published declarations (dist/, built by `npm test` before the tests)
// must compile with skipLibCheck off even without @types/better-sqlite3: the module is mapped to a
// plain JavaScript file here, so any declaration that imports it fails with TS7016 (as it did when
// SqliteStoreOptions exposed better-sqlite3's Database).
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'timon-store-types-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('compiles a strict consumer against the published declarations without @types/better-sqlite3', () => {
  const consumer = join(dir, 'consumer.ts')
  const untyped = join(dir, 'untyped.js')
  writeFileSync(untyped, 'export default {}\n')
  writeFileSync(
    consumer,
    [
      "import { SqliteStore, type SqliteDatabase, type SqliteStoreOptions } from '@timon/store-sqlite'",
      "const options: SqliteStoreOptions = { database: ':memory:', synchronous: 'normal', integrityCheck: 'bounded' }",
      'export const store = new SqliteStore(options)',
      'export const open = (db: SqliteDatabase) => new SqliteStore({ database: db })',
    ].join('\n'),
  )
  const program = ts.createProgram([consumer], {
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: [],
    paths: { '@timon/store-sqlite': [join(packageDir, 'dist/index.d.ts')], 'better-sqlite3': [untyped] },
  })
  // What skipLibCheck: false adds, for this package's declarations only (checking every library's
  // declarations as well takes seconds)
  const ours = program
    .getSourceFiles()
    .filter((file) => file.fileName === consumer || file.fileName.startsWith(join(packageDir, 'dist')))
  expect(ours.map((file) => file.fileName)).toContain(join(packageDir, 'dist/sqlite-store.d.ts'))
  const problems = [
    ...program.getGlobalDiagnostics(),
    ...ours.flatMap((file) => program.getSemanticDiagnostics(file)),
  ].map((d) => `${d.file?.fileName ?? ''}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
  expect(problems).toEqual([])
})
