/**
 * The simulator over HTTP for its integration tests: one in-process simulator per test file on a fixed clock
 * (Monday 2024-12-02, 12:00 New York), reset to its defaults before each test, and helpers to GET its routes.
 */
import http from 'node:http';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Clock } from '../core/clock.ts';
import { type HttpAnswer, httpGet } from './http-get.ts';
import { type Simulator, startSimulator } from './simulator.ts';

// Monday 2024-12-02, 12:00 New York: the market is open; every test day before it has ended.
export const NOW = Date.UTC(2024, 11, 2, 17, 0);
export const clock: Clock & { t: number } = { t: NOW, now: () => clock.t, sleep: async () => {} };
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** The file's simulator, started by `useTestSimulator`'s beforeAll. */
export let sim: Simulator;

export async function get(
  path: string,
  params: Record<string, string> = {},
  headers?: http.OutgoingHttpHeaders,
) {
  const query = new URLSearchParams({ ...params, apikey: params.apikey ?? sim.apiKey });
  if (params.apikey === '') query.delete('apikey');
  return httpGet(`${sim.url}${path}?${query}`, { headers, agent });
}

export const json = (a: HttpAnswer) => JSON.parse(a.text) as Array<Record<string, unknown>>;
export const chart = (interval: string, params: Record<string, string>) =>
  get(`/stable/historical-chart/${interval}`, params);
export const dates = (a: HttpAnswer) => json(a).map((r) => r.date as string);
export const times = (a: HttpAnswer) => dates(a).map((d) => d.slice(11));

/** Registers the hooks that start the simulator, reset it before each test and close it. */
export function useTestSimulator(): void {
  beforeAll(async () => {
    sim = await startSimulator({ clock });
  });
  afterAll(async () => {
    agent.destroy();
    await sim.close();
  });
  beforeEach(() => {
    clock.t = NOW;
    sim.configure({
      plan: 'ultimate',
      caps: {},
      eodRowCap: 5000,
      rateLimitPerMin: null,
      unknownSymbols: [],
      legacyKey: false,
    });
  });
}
