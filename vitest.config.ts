import { defineConfig } from 'vitest/config';

const ALL = '{lib,contract,k6,mock,engine,runner,reporter,test}/**/';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/plain-summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: [`${ALL}*.test.ts`],
          exclude: [`${ALL}*.alone.test.ts`, '**/node_modules/**'],
          // Two cores: load tests in parallel files would measure each other.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Measurements that need the machine to themselves: one file at a time, after the suite.
        extends: true,
        test: {
          name: 'alone',
          include: [`${ALL}*.alone.test.ts`],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
