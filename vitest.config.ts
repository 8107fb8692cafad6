import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{lib,contract,k6,mock,engine,runner,reporter,test}/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: load tests in parallel files would measure each other.
    maxWorkers: 2,
    reporters: ['default', './test/plain-summary-reporter.ts'],
  },
});
