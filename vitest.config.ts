import { defineConfig } from 'vitest/config';

// why: the test script pins TZ to Europe/Berlin (neither UTC nor New York, with DST on other dates than the US)
// so that any code that leans on the process time zone fails loudly.
export default defineConfig({
  test: {
    include: ['etl/**/*.test.ts', 'portfolios/**/*.test.ts', 'scripts/**/*.test.ts', 'sql/**/*.test.ts'],
    // why: the CLI tests spawn the compiled CLI; a stale bundle is rebuilt first (see the file's header).
    globalSetup: ['scripts/testing/fresh-cli-bundle.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // why: a fresh process per file cost every file ~1 s of start and imports (DuckDB, Arrow, the simulator), a
    // quiet 2-core run 132 s instead of 116 s; the files share the two workers instead. What a file leaves in its
    // process is memoising caches (calendar, simulator paths), registered secrets, an API key's rate limiter
    // until its last client closes, DuckDB instances until closed: tests close what they open (clients,
    // simulators, writers, readers) and none changes the environment or the working folder or mocks a module.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // why: a test that asserts nothing passes whatever the code does.
    expect: { requireAssertions: true },
  },
});
