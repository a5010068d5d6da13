// Removes the outputs in dist/ whose source file is gone (tsc -b never deletes what a removed or
// moved source once produced), so that a packed tarball has no orphan module, nor a source map
// pointing at a file that is not shipped. Run in a package's directory (its `prepack`).
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

const dist = resolve('dist')
if (existsSync(dist)) {
  for (const map of walk(dist).filter((file) => file.endsWith('.js.map') || file.endsWith('.d.ts.map'))) {
    const { sources } = JSON.parse(readFileSync(map, 'utf8'))
    if (sources.every((source) => existsSync(resolve(dirname(map), source)))) continue
    const output = map.slice(0, -'.map'.length)
    for (const file of [output, map]) rmSync(file, { force: true })
    console.log(`pruned ${output} (its source is gone)`)
  }
}
