import path from 'node:path';
import { defineConfig } from 'vitest/config';

// `pnpm test:chaos` (root): the fault-injection run, kept out of `pnpm test`. It brings up its
// own Postgres and NATS, so it needs no global setup; one file, one fork, no parallelism.
export default defineConfig({
  root: path.resolve(import.meta.dirname),
  resolve: {
    // Same as the root config: one copy of graphql for the CJS Apollo packages and ESM code.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.chaos.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    // The run bounds itself (see src/settings.ts); these are the outer limits.
    testTimeout: 20 * 60_000,
    hookTimeout: 5 * 60_000,
    teardownTimeout: 60_000,
  },
});
