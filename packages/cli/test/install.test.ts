// Installing without a clone: `npm pack` of every package, then `npm install -g --prefix <tmp>`
// from those tarballs (third-party dependencies from the registry), then `timon daemon`, `push`
// and `exec` from the installed copy. Skipped, with a line saying so, when npm cannot reach the
// registry.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const reachable = spawnSync('npm', ['ping'], { timeout: 15_000, stdio: 'ignore' }).status === 0
if (!reachable) console.warn('SKIPPED install.test.ts: npm cannot reach the registry (npm ping failed)')

const work = mkdtempSync(join(tmpdir(), 'timon-install-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function walk(dir: string): string[] {
  // Only our own files: third-party dependencies nested in node_modules are theirs.
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.name === 'node_modules') return []
    return entry.isDirectory() ? walk(path) : [path]
  })
}

describe.skipIf(!reachable)('npm install -g from packed tarballs', () => {
  it('gives a working timon with no workspace paths, each package with repository, license, README, LICENSE', {
    timeout: 600_000,
  }, async () => {
    const packs = join(work, 'packs')
    mkdirSync(packs)
    execFileSync('npm', ['pack', '--workspaces', '--pack-destination', packs, '--silent'], {
      cwd: root,
      stdio: 'ignore',
    })
    const tarballs = readdirSync(packs).map((name) => join(packs, name))
    expect(tarballs.length).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces.length)
    const prefix = join(work, 'prefix')
    execFileSync(
      'npm',
      ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', ...tarballs],
      { stdio: 'ignore', timeout: 540_000 },
    )

    const modules = join(prefix, 'lib', 'node_modules')
    const installed = [
      join(modules, 'timon'),
      ...readdirSync(join(modules, '@timon')).map((name) => join(modules, '@timon', name)),
    ]
    for (const dir of installed) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        repository?: unknown
        license?: unknown
      }
      expect(manifest.repository, dir).toBeDefined()
      expect(manifest.license, dir).toBe('MIT')
      expect(existsSync(join(dir, 'README.md')), dir).toBe(true)
      expect(existsSync(join(dir, 'LICENSE')), dir).toBe(true)
      for (const file of walk(dir)) {
        expect(file.endsWith('.tsbuildinfo'), file).toBe(false)
        if (file.endsWith('.map')) {
          const { sources } = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[] }
          for (const source of sources)
            expect(existsSync(resolve(dirname(file), source)), `${file} → ${source}`).toBe(true)
        }
        if (/\.(c?js|json)$/.test(file))
          expect(readFileSync(file, 'utf8').includes(root.replace(/\/$/, '')), `${file} names the workspace`).toBe(
            false,
          )
      }
    }

    const timon = join(prefix, 'bin', 'timon')
    const socket = join(work, 't.sock')
    const config = join(work, 'timon.toml')
    writeFileSync(config, `[daemon]\nsocket = "${socket}"\ndata_dir = "${join(work, 'data')}"\n`)
    const env = { ...process.env, TIMON_SOCKET: socket, TIMON_CONFIG: config }
    const daemon = spawn(timon, ['daemon', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      await new Promise<void>((resolveStarted, reject) => {
        let output = ''
        const seen = (chunk: Buffer) => {
          output += chunk.toString()
          if (output.includes('daemon started')) resolveStarted()
        }
        daemon.stdout.on('data', seen)
        daemon.stderr.on('data', seen)
        daemon.on('exit', (code) => reject(new Error(`timon daemon exited (${code}): ${output}`)))
      })
      const run = (...args: string[]) => spawnSync(timon, args, { env, encoding: 'utf8' })
      expect(run('push', 'probe', 'installed.ok', 'healthy', '--comment', 'from the tarballs')).toMatchObject({
        status: 0,
      })
      expect(run('exec', 'installed.job', '--', 'echo', 'hello')).toMatchObject({ status: 0, stdout: 'hello\n' })
      const status = run('status', '--json')
      expect(status.status).toBe(0)
      expect(status.stdout).toContain('installed.ok')
      expect(status.stdout).toContain('installed.job')
      // The installed launcher runs the bundle (nothing makes it look stale).
      expect(statSync(join(modules, 'timon', 'dist', 'timon.cjs')).isFile()).toBe(true)
    } finally {
      daemon.kill('SIGTERM')
      await new Promise((resolveExit) => daemon.once('exit', resolveExit))
    }
  })
})
