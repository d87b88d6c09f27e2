import { defineConfig } from 'vitest/config';

// why: the test script pins TZ to Europe/Berlin (neither UTC nor New York, with DST on other dates than the US)
// so that any code that leans on the process time zone fails loudly.
export default defineConfig({
  test: {
    include: ['etl/**/*.test.ts', 'portfolios/**/*.test.ts', 'scripts/**/*.test.ts', 'sql/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // why: a test that asserts nothing passes whatever the code does.
    expect: { requireAssertions: true },
  },
});
