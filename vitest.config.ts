import { configDefaults, defineConfig } from 'vitest/config';

const INCLUDE = ['etl/**/*.test.ts', 'portfolios/**/*.test.ts', 'scripts/**/*.test.ts', 'sql/**/*.test.ts'];
const INTEGRATION = '**/*.int.test.ts';

// why: the test script pins TZ to Europe/Berlin (neither UTC nor New York, with DST on other dates than the US)
// so that any code that leans on the process time zone fails loudly.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // why: a test that asserts nothing passes whatever the code does.
    expect: { requireAssertions: true },
    projects: [
      {
        extends: true,
        // why: a fresh process per file cost ~0.6 s of CPU for each of ~40 files that mostly run in milliseconds.
        // Unit tests keep no state between files (no environment changes, no mocks, only memoising caches), so
        // they share their workers; integration tests (servers, API-key limiters, secrets, DuckDB files) each get
        // a process of their own.
        test: {
          name: 'unit',
          include: INCLUDE,
          exclude: [...configDefaults.exclude, INTEGRATION],
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'int', include: INCLUDE.map((glob) => glob.replace('*.test.ts', '*.int.test.ts')) },
      },
    ],
  },
});
