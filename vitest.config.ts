import { defineConfig } from 'vitest/config';

// Integration tests share one private MariaDB started in globalSetup (test/harness/global-setup.ts);
// tests that restart or reconfigure a server start their own sandbox.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
