// Bundles the CLI into one CommonJS file, dist/timon.cjs, for a fast start: a `timon push` then
// loads one file instead of some forty modules, and no ES module loader (see README "Start-up
// time"). Input is tsc's output (dist/main.js and the built @timon packages), so `tsc -b` stays
// the type checker and this step only links. The daemon (`@timon/socket-daemon`: server, SQLite,
// webhooks) stays outside the bundle: `timon daemon` imports it with a real dynamic import().
//
// Then it writes the V8 code cache of the bundle, dist/timon.cjs.<build id>.cache, by running one
// push (against no daemon) through bin/timon.js with TIMON_WRITE_CODE_CACHE=1.
import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = join(root, 'dist')

const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/main.js'],
  outfile: 'dist/timon.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // ESM builds of dependencies (neverthrow) rather than their CommonJS ones.
  mainFields: ['module', 'main'],
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // `timon replay` finds its worker threads' module through import.meta.url, which this CommonJS
  // bundle leaves empty; replay never runs from the bundle (bin/timon.js runs it unbundled).
  logOverride: { 'empty-import-meta': 'silent' },
  write: false,
  plugins: [
    {
      name: 'daemon-external',
      setup(build) {
        // The daemon's package; the client (`@timon/client`) is bundled.
        build.onResolve({ filter: /^@timon\/socket-daemon$/ }, (args) => ({ path: args.path, external: true }))
      },
    },
  ],
})

const [output] = result.outputFiles
if (output === undefined || result.outputFiles.length !== 1) throw new Error('esbuild wrote no single output file')
// bin/timon.js evaluates the bundle through vm.Script, where import() fails: the daemon's, which
// the launcher never reaches through the bundle, is the only one allowed.
const imports = output.text.match(/\bimport\s*\([^)]*\)/g) ?? []
const unexpected = imports.filter((found) => found !== 'import("@timon/socket-daemon")')
if (unexpected.length > 0) throw new Error(`the bundle must not import() at run time: ${unexpected.join(', ')}`)

// The build id names the code cache: a cache must never be used with another bundle.
const id = createHash('sha256').update(output.contents).digest('hex').slice(0, 16)
const text = `${output.text}//# timon-build=${id}\n`

// Written under a temporary name, then renamed: a `timon` starting meanwhile reads the old or the
// new bundle, never half of one.
const temporary = `${output.path}.${process.pid}.tmp`
writeFileSync(temporary, text)
renameSync(temporary, output.path)
for (const name of readdirSync(dist)) {
  if (/^timon\.cjs\.\w+\.cache$/.test(name) && name !== `timon.cjs.${id}.cache`)
    rmSync(join(dist, name), { force: true })
}

// Warm up: one push through the launcher, which writes the code cache when it is done.
const scratch = mkdtempSync(join(tmpdir(), 'timon-bundle-'))
try {
  spawnSync(
    process.execPath,
    [join(root, 'bin', 'timon.js'), 'push', 'probe', 'code.cache', 'healthy', '--comment', 'warm-up'],
    {
      env: {
        PATH: process.env.PATH,
        HOME: scratch,
        TIMON_SOCKET: join(scratch, 'none.sock'),
        TIMON_WRITE_CODE_CACHE: '1',
      },
      stdio: 'ignore',
    },
  )
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
