import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.ts';
import { FMP_ERROR_BODIES } from './fmp-error-bodies.ts';
import { httpGet } from './http-get.ts';
import { NO_FAULTS, type Simulator, startSimulator } from './simulator.ts';

// Tuesday 2024-12-03, 12:00 New York.
const NOW = Date.UTC(2024, 11, 3, 17, 0);
const slept: number[] = [];
const clock: Clock & { t: number } = {
  t: NOW,
  now: () => clock.t,
  sleep: async (ms) => {
    slept.push(ms);
  },
};
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

let sim: Simulator;

function quote(options: { fresh?: boolean } = {}) {
  return httpGet(`${sim.url}/stable/quote?symbol=AAPL&apikey=${sim.apiKey}`, {
    agent: options.fresh ? false : agent,
  });
}
const CHART_DAY = '/stable/historical-chart/5min?symbol=AAPL&from=2024-11-26&to=2024-11-26';
const chartDay = () => httpGet(`${sim.url}${CHART_DAY}&apikey=${sim.apiKey}`, { agent: false });

beforeAll(async () => {
  sim = await startSimulator({ clock });
});
afterAll(async () => {
  agent.destroy();
  await sim.close();
});
beforeEach(() => {
  clock.t = NOW;
  slept.length = 0;
  sim.configure({
    plan: 'ultimate',
    rateLimitPerMin: null,
    rateLimitPerDay: null,
    enforcePlanLimits: false,
    faults: NO_FAULTS,
  });
  sim.resetStats();
});

describe('call limits', () => {
  it('answers 429 Limit Reach past the per-minute limit, with no rate-limit headers, until the minute has passed', async () => {
    sim.configure({ rateLimitPerMin: 3 });
    for (let i = 0; i < 3; i++) expect((await quote()).status).toBe(200);
    clock.t += 30_000;
    const refused = await quote();
    expect(refused.status).toBe(429);
    expect(refused.text).toBe(FMP_ERROR_BODIES.limitReach);
    expect(JSON.parse(refused.text)['Error Message']).toMatch(/^Limit Reach \. /);
    const headerNames = Object.keys(refused.headers);
    expect(headerNames.filter((h) => h === 'retry-after' || h.startsWith('x-ratelimit'))).toEqual([]);
    clock.t = NOW + 60_000;
    expect((await quote()).status).toBe(200);
    expect(sim.stats().rateLimited).toBe(1);
  });

  it("enforces the plan's own limits when asked: Basic's 250 calls per New York day", async () => {
    sim.configure({ plan: 'basic', enforcePlanLimits: true });
    const statuses: number[] = [];
    for (let i = 0; i < 251; i++) statuses.push((await quote()).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(250);
    expect(statuses.at(-1)).toBe(429);
    clock.t = Date.UTC(2024, 11, 4, 5, 30); // 00:30 New York the next day
    expect((await quote()).status).toBe(200);
  });

  it('answers 429 Bandwidth Limit Reach when the bandwidth is exhausted or used up', async () => {
    sim.configure({ faults: { bandwidthExhausted: true } });
    const exhausted = await quote();
    expect([exhausted.status, exhausted.text]).toEqual([429, FMP_ERROR_BODIES.bandwidthLimitReach]);
    sim.configure({ faults: { bandwidthExhausted: false, bandwidthLimitBytes: 1000 } });
    sim.resetStats();
    expect((await chartDay()).status).toBe(200);
    const after = await chartDay();
    expect(after.status).toBe(429);
    expect(JSON.parse(after.text)['Error Message']).toMatch(/^Bandwidth Limit Reach/);
    expect(sim.stats().faults.bandwidth).toBe(1);
  });
});

describe('fault injection', () => {
  it('answers 503 for the configured share of calls', async () => {
    sim.configure({ faults: { serverErrorShare: 1 } });
    const answer = await quote();
    expect(answer.status).toBe(503);
    expect(answer.text).toContain('503 Service Temporarily Unavailable');
    expect(sim.stats().faults.serverError).toBe(1);
  });

  it('answers 503 to calls above the burst rate', async () => {
    sim.configure({ faults: { burstPerSecond: 2 } });
    expect([(await quote()).status, (await quote()).status, (await quote()).status]).toEqual([200, 200, 503]);
    clock.t += 1000;
    expect((await quote()).status).toBe(200);
  });

  it('resets connections', async () => {
    sim.configure({ faults: { resetShare: 1 } });
    await expect(quote({ fresh: true })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sim.stats().faults.reset).toBe(1);
  });

  it('cuts bodies short', async () => {
    sim.configure({ faults: { truncateShare: 1 } });
    await expect(chartDay()).rejects.toThrow(/aborted|incomplete|ECONNRESET|socket hang up/);
    expect(sim.stats().faults.truncate).toBe(1);
  });

  it('sends malformed JSON in a complete 200 answer', async () => {
    sim.configure({ faults: { malformedShare: 1 } });
    const answer = await chartDay();
    expect(answer.status).toBe(200);
    expect(answer.text.startsWith('[{"date":"2024-11-26')).toBe(true);
    expect(() => JSON.parse(answer.text)).toThrow(SyntaxError);
  });

  it('answers 200 with a Limit Reach error body', async () => {
    sim.configure({ faults: { limitReach200Share: 1 } });
    const answer = await chartDay();
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ 'Error Message': expect.stringMatching(/^Limit Reach/) });
  });

  it('adds latency through the clock, with seeded jitter', async () => {
    sim.configure({ faults: { latencyMs: 300 } });
    expect((await quote()).status).toBe(200);
    expect(slept).toEqual([300]);
    sim.configure({ faults: { latencyMs: 100, latencyJitterMs: 50 } });
    await quote();
    expect(slept[1]).toBeGreaterThanOrEqual(100);
    expect(slept[1]).toBeLessThan(150);
  });

  it('draws random faults from a seeded stream: the same seed gives the same sequence', async () => {
    const run = async () => {
      sim.configure({ faults: { serverErrorShare: 0.5, seed: 3 } });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await quote()).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 503]));
  });
});

describe('latency under concurrency', () => {
  it('holds back two dozen responses at once without a listener-leak warning', async () => {
    // A clock whose sleep listens on the abort signal it is given, as the real one does.
    const listening: Clock = {
      now: () => NOW,
      sleep: (ms, signal) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
          }
          signal?.addEventListener('abort', done, { once: true });
        }),
    };
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const slow = await startSimulator({ clock: listening, faults: { ...NO_FAULTS, latencyMs: 50 } });
    try {
      const url = `${slow.url}/stable/quote?symbol=AAPL&apikey=${slow.apiKey}`;
      const answers = await Promise.all(Array.from({ length: 24 }, () => httpGet(url, { agent: false })));
      expect(answers.map((a) => a.status)).toEqual(Array(24).fill(200));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      await slow.close();
    }
  });
});
