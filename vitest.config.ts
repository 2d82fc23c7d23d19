import { defineConfig } from 'vitest/config';

// One runner for the whole workspace. Each test file owns its databases and NATS stream
// prefix (see packages/testing), so files run in parallel against the real services.
export default defineConfig({
  resolve: {
    // graphql 16 ships CJS and ESM builds; the Apollo packages are CJS. One copy for all, or
    // graphql's instanceof checks fail ("from another module or realm").
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'ui/**', 'bench/**', '.data/**', 'chaos/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    reporters: process.env.CI ? ['default'] : ['default'],
    globalSetup: ['packages/testing/src/global-setup.ts'],
  },
});
