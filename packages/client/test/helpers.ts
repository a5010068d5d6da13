import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A temp directory with a short path (Unix socket paths must stay under ~100 bytes). */
export function makeTempDir(): { readonly dir: string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tcl-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
