import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url))

// Tests run against the TypeScript sources; `npm test` builds first so that tests which spawn the
// `timon` binary find dist/ up to date.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@timon\/core\/testing$/, replacement: src('core/src/testing/index.ts') },
      { find: /^@timon\/core\/conformance$/, replacement: src('core/src/conformance/index.ts') },
      { find: /^@timon\/core\/lite$/, replacement: src('core/src/lite.ts') },
      { find: /^@timon\/core\/replay$/, replacement: src('core/src/replay/index.ts') },
      { find: /^@timon\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@timon\/sql-common$/, replacement: src('sql-common/src/index.ts') },
      { find: /^@timon\/store-sqlite$/, replacement: src('store-sqlite/src/index.ts') },
      { find: /^@timon\/store-postgres$/, replacement: src('store-postgres/src/index.ts') },
      { find: /^@timon\/http-common$/, replacement: src('http-common/src/index.ts') },
      { find: /^@timon\/dashboard$/, replacement: src('dashboard/src/index.ts') },
      { find: /^@timon\/notify-webhook$/, replacement: src('notify-webhook/src/index.ts') },
      { find: /^@timon\/notify-email$/, replacement: src('notify-email/src/index.ts') },
      { find: /^@timon\/notify-command$/, replacement: src('notify-command/src/index.ts') },
      { find: /^@timon\/poll-http$/, replacement: src('poll-http/src/index.ts') },
      { find: /^@timon\/poll-system$/, replacement: src('poll-system/src/index.ts') },
      { find: /^@timon\/client$/, replacement: src('client/src/index.ts') },
      { find: /^@timon\/socket-daemon$/, replacement: src('socket-daemon/src/index.ts') },
    ],
  },
  test: {
    reporters: ['default', './scripts/plain-summary-reporter.ts'],
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 20_000,
    // Clean-ups remove whole npm prefixes and PostgreSQL schemas: on a busy 2-core machine they
    // can take longer than vitest's 10 s default without anything being wrong.
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
