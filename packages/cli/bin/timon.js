#!/usr/bin/env node
// The `timon` command: loads the CLI and runs it. A `timon push` is a whole process, so this file
// is about start-up time (see the package README, "Start-up time"):
//
// - it is CommonJS (bin/package.json): Node starts a CommonJS entry point faster than an ES module;
// - it runs dist/timon.cjs, the whole client path bundled into one file (`npm run bundle -w timon`),
//   when that bundle is at least as new as the last `tsc -b` of the packages it contains, and the
//   unbundled dist/main.js otherwise;
// - it compiles the bundle with the V8 code cache written next to it at build time
//   (dist/timon.cjs.<build id>.cache), when there is one and this Node accepts it.
'use strict'
const { readFileSync, renameSync, statSync, writeFileSync } = require('node:fs')
const { dirname, join } = require('node:path')

const dist = join(__dirname, '..', 'dist')
const bundle = join(dist, 'timon.cjs')

// `timon daemon`, `timon replay` (its --config), `timon config` and `timon store` import the daemon's package (an
// ES module) at run time, which code evaluated through vm.Script cannot do: they run unbundled,
// where start-up time does not matter.
const command = process.argv.slice(2).find((word) => !word.startsWith('-'))
const cli =
  !['daemon', 'replay', 'config', 'store'].includes(command) && isFresh(bundle)
    ? Promise.resolve(loadBundle(bundle))
    : import('../dist/main.js')
cli
  .then(({ run }) => run(process.argv.slice(2)))
  .then((status) => {
    process.exitCode = status
  })

// --- internal ---

/**
 * Whether `file` exists and is at least as new as the builds of the packages it contains. Those
 * are found where Node resolves them (a workspace link or an installed copy), never at a path of
 * the source tree; an installed package ships no `.tsbuildinfo`, so its bundle is always fresh.
 */
function isFresh(file) {
  const at = mtime(file)
  if (at < 0) return false
  const builds = [join(dist, '.tsbuildinfo'), ...['@timon/core', '@timon/client'].map(buildInfo)]
  return builds.every((build) => build === undefined || mtime(build) <= at)
}

/** The `.tsbuildinfo` of a package's dist, if the package is found. */
function buildInfo(name) {
  try {
    return join(dirname(require.resolve(`${name}/package.json`)), 'dist', '.tsbuildinfo')
  } catch {
    return undefined
  }
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs
  } catch {
    return -1
  }
}

/**
 * Evaluates the CommonJS bundle `file` as `require` would, through a `vm.Script` that can use a
 * code cache. (Such code cannot run `import()`: the bundle script makes sure the bundle has none
 * but the daemon's, which is never evaluated here.) The cache is found by the build id on the bundle's last line (V8 checks a cache only
 * against the source's length, so a cache must never outlive its bundle). With
 * TIMON_WRITE_CODE_CACHE=1 (the bundle script only), the cache is written once the command is done.
 */
function loadBundle(file) {
  const vm = require('node:vm')
  const source = readFileSync(file, 'utf8')
  const id = /\/\/# timon-build=(\w+)\s*$/.exec(source)
  const cacheFile = id === null ? undefined : `${file}.${id[1]}.cache`
  let cachedData
  try {
    cachedData = cacheFile === undefined ? undefined : readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`
  const script = new vm.Script(wrapped, { filename: file, cachedData })
  const module = { exports: {} }
  // The bundle requires only node: builtins, which this file's own `require` loads as well as any
  // (node:module's createRequire would load the ES module loader for nothing).
  script.runInThisContext()(module.exports, require, module, file, dist)
  if (process.env.TIMON_WRITE_CODE_CACHE === '1' && cacheFile !== undefined) {
    process.once('beforeExit', () => {
      const temporary = `${cacheFile}.${process.pid}.tmp`
      writeFileSync(temporary, script.createCachedData())
      renameSync(temporary, cacheFile)
    })
  }
  return module.exports
}
