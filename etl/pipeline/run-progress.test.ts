import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.ts';
import { estimatePlan } from './dry-run.ts';
import { planWindows } from './plan.ts';
import { formatProgressLine, RunProgress } from './run-progress.ts';
import { buildSummary } from './run-summary.ts';

function manualClock(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  const advance = (ms: number) => {
    now += ms;
  };
  return { now: () => now, sleep: async (ms) => advance(ms), advance };
}

const base = planWindows({
  symbols: ['AAPL', 'MSFT'],
  intervals: ['1min'],
  datasets: ['bars'],
  from: '2024-03-04',
  to: '2024-03-15',
  stored: [],
  failedWindows: [],
});
// AAPL's two windows, then MSFT's.
const plan = { ...base, windows: [...base.windows].sort((a, b) => a.symbol.localeCompare(b.symbol)) };

describe('RunProgress', () => {
  it('counts symbols and windows done, rows, request rate and an ETA', () => {
    const clock = manualClock(0);
    const progress = new RunProgress(plan.windows, clock, 300);
    expect(progress.snapshot({ requests: 0, retries: 0, http429: 0 })).toMatchObject({
      symbolsDone: 0,
      symbolsTotal: 2,
      windowsTotal: 4,
      etaSec: undefined,
    });
    const [a1, a2, m1] = plan.windows;
    clock.advance(30_000);
    progress.onEvent({ kind: 'loaded', window: a1!, rows: 1950 });
    progress.onEvent({ kind: 'split', window: a2!, requeued: [{ ...a2!, to: '2024-03-13' }] });
    progress.onEvent({ kind: 'loaded', window: { ...a2!, from: '2024-03-14' }, rows: 780 });
    progress.onEvent({ kind: 'empty', window: m1! });
    const snap = progress.snapshot({ requests: 4, retries: 1, http429: 1 });
    expect(snap).toMatchObject({ symbolsDone: 0, windowsDone: 3, windowsTotal: 5, rows: 2730, retries: 1 });
    // 4 requests so far, all within the last minute
    expect(snap.requestsPerMin).toBeCloseTo(4);
    // 3 windows in 30 s, 2 left: 20 s.
    expect(snap.etaSec).toBeCloseTo(20);
    progress.onEvent({ kind: 'loaded', window: { ...a2!, to: '2024-03-13' }, rows: 1560 });
    expect(progress.snapshot({ requests: 5, retries: 1, http429: 1 }).symbolsDone).toBe(1);
    expect(formatProgressLine(progress.snapshot({ requests: 5, retries: 1, http429: 1 }))).toMatch(
      /^symbols 1\/2 {2}windows 4\/5 {2}rows 4,290 {2}req\/min \d+\/300 {2}retries 1 {2}429s 1 {2}ETA /,
    );
  });

  it('counts the requests of the last minute, a burst before the first snapshot included', () => {
    const clock = manualClock(0);
    const progress = new RunProgress(plan.windows, clock, 300);
    // the limiter lets the first minute's 300 requests out at once, then nothing until the minute has passed
    clock.advance(15_000);
    expect(progress.snapshot({ requests: 300, retries: 0, http429: 0 }).requestsPerMin).toBeCloseTo(300);
    clock.advance(30_000);
    expect(progress.snapshot({ requests: 300, retries: 0, http429: 0 }).requestsPerMin).toBeCloseTo(300);
    clock.advance(30_000);
    // 75 s: the samples at 15 s and later hold the last minute; 250 more were sent since 15 s
    expect(progress.snapshot({ requests: 550, retries: 0, http429: 0 }).requestsPerMin).toBeCloseTo(250);
  });

  it('summarises per dataset and lists failed windows', () => {
    const clock = manualClock(0);
    const progress = new RunProgress(plan.windows, clock, 300);
    const [a1, a2, m1, m2] = plan.windows;
    progress.onFetch('bars');
    progress.onEvent({ kind: 'loaded', window: a1!, rows: 100 });
    progress.onEvent({ kind: 'loaded', window: a2!, rows: 200 });
    progress.onEvent({ kind: 'empty', window: m1! });
    progress.onEvent({
      kind: 'failed',
      window: m2!,
      error: new Error('503 after 5 attempts'),
      action: 'fail-window',
    });
    const summary = buildSummary({
      loadId: 7,
      source: { id: 'simulator seed=1', simulated: true },
      symbols: 2,
      to: '2024-03-15',
      progress,
      counters: { requests: 9, retries: 5, http429: 2 },
      durationMs: 12_340,
      failed: [{ window: m2!, error: new Error('503 after 5 attempts') }],
      stoppedBy: undefined,
    });
    expect(summary.datasets).toEqual([
      {
        dataset: 'bars',
        windows_loaded: 2,
        windows_empty: 1,
        windows_failed: 1,
        windows_skipped: 0,
        rows: 300,
        fetches: 1,
      },
    ]);
    expect(summary).toMatchObject({ rows: 300, requests: 9, http_429: 2, duration_s: 12.3 });
    expect(summary).toMatchObject({ source: 'simulator seed=1', synthetic: true, load_id: 7 });
    expect(summary.failed.map((f) => Object.values(f).join(' '))).toEqual([
      'bars MSFT 1min 2024-03-11 2024-03-15 503 after 5 attempts',
    ]);
  });
});

describe('estimatePlan', () => {
  it('estimates requests, rows, time at the rate and bandwidth', () => {
    const e = estimatePlan(plan, { rateLimitPerMin: 300, concurrency: 8 });
    expect(e).toMatchObject({ symbols: 2, requests: 4, sessions: 20, rows: 20 * 390 });
    expect(e.bytes).toBe(20 * 390 * 104);
    // 4 requests at 300/min is 0.8 s; 4 × 300 ms over 8 connections is 0.15 s.
    expect(e.seconds).toBeCloseTo(0.8);
  });

  it('costs nothing when there is nothing to fetch', () => {
    const e = estimatePlan({ windows: [], sessions: 0 }, { rateLimitPerMin: 300, concurrency: 8 });
    expect(e).toMatchObject({ symbols: 0, requests: 0, rows: 0, bytes: 0, seconds: 0 });
  });
});
