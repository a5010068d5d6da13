import { readFileSync } from 'node:fs'

/**
 * The version in the `package.json` of the package that holds `moduleUrl` (pass `import.meta.url`
 * of a module in the package's `dist/` or `src/`), for `User-Agent` headers and `/healthz`;
 * `0.0.0` when it cannot be read.
 */
export function packageVersion(moduleUrl: string | URL): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')) as { version?: unknown }
    return typeof manifest.version === 'string' ? manifest.version : '0.0.0'
  } catch {
    return '0.0.0'
  }
}
