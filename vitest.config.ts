import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'tools/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // End-to-end files mostly wait on the servers they start: a third worker overlaps that waiting.
    maxWorkers: 3,
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
  },
});
