/**
 * ETL benchmark against the in-process simulator, in one run:
 *  1. backfill: N tickers × a month of 1-minute bars with no rate limit, through `runEtl` (extract → transform →
 *     load → publish) and the writer's close. Reference: the same requests (same headers, so gzip bodies) over the
 *     same HTTP pool size, each body written to a file as received and staged by DuckDB's own `read_json` (100
 *     files per statement: wall → UTC with ICU, New York session date, bar length, the same checks), then the same
 *     lake in DuckDB's SQL: anti-join against the stored files, one sorted zstd file per month with the lake's
 *     COPY options, temp name + rename, manifest (scripts/bench/_reference-lake.ts). Both lakes are checked to
 *     hold the same bars. Each contender runs in a fresh process (scripts/bench/_etl-contender-process.ts): its
 *     peak RSS is its own, from a cold start.
 *  2. rate: the pipeline with the Ultimate limit (3,000/min) and 250 ms latency on one-session 5-minute windows of
 *     the same month (8,000 small requests, well past the limiter's one-minute window); efficiency = mean requests
 *     per sliding minute after the first minute / limit.
 * The simulator runs in a child process (its CPU is shared, its memory is not counted), and a warm-up pass renders
 * every backfill body once (plain and gzip), so both contenders read cached answers.
 * Usage: npm run bench -- etl [--json] [--tickers 500] [--from 2024-02-01] [--to 2024-02-29] [--concurrency 8]
 *        [--rate-tickers 400] [--rate-concurrency 24] [--skip-rate]
 * The last line is a JSON object: rows_per_s, requests, min_requests, peak_rss_mb, ratio, efficiency, …
 */

import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import type { IntradayInterval } from '../../etl/core/intervals.ts';
import type { EtlOptions } from '../../etl/pipeline/etl-options.ts';
import { cutWindows, type PlannedWindow, planWindows } from '../../etl/pipeline/plan.ts';
import { DEFAULT_INTRADAY_CAPS } from '../../etl/sim/simulator.ts';
import { DIST_CLI_DIR, distState } from '../build-state.mjs';
import {
  CLIENT_HEADERS,
  type ContenderResult,
  type ContenderTask,
  chartPath,
} from './_etl-contender-process.ts';
import { checkSameBars } from './_reference-lake.ts';
import { type SimChild, startSimChild } from './_sim-child.ts';

type Sim = Pick<SimChild, 'url' | 'apiKey'>;

function tickers(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `B${String(i).padStart(4, '0')}X`);
}

function etlOptions(
  symbols: string[],
  interval: IntradayInterval,
  from: string,
  to: string,
  concurrency: number,
): EtlOptions {
  return {
    symbols,
    intervals: [interval],
    datasets: ['bars'],
    from,
    to,
    concurrency,
    extended: false,
    dryRun: false,
    json: false,
  };
}

/** Runs one contender in a fresh process and returns its result. */
async function runContender(task: ContenderTask): Promise<ContenderResult> {
  // why the compiled contender when the bundle is fresh: ours runs compiled in production; from the sources,
  // runEtl's own imports would be transpiled by tsx inside the timed window (both contenders run the same way).
  const compiled = distState() === 'fresh';
  const script = compiled
    ? path.join(DIST_CLI_DIR, 'bench-etl-contender.js')
    : path.join(path.dirname(fileURLToPath(import.meta.url)), '_etl-contender-process.ts');
  const child = fork(script, [], {
    execArgv: compiled ? [] : ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let answered = false;
    child.once('message', (m: { result?: ContenderResult; error?: string }) => {
      answered = true;
      if (m.result) resolve(m.result);
      else reject(new Error(`${task.kind} failed: ${m.error}`));
    });
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`${task.kind} process exited with ${code} before answering`));
    });
    child.send(task);
  });
}

/** Mean requests per sliding minute over the samples after the first minute (the steady state). */
function steadyRatePerMin(samples: Array<{ at: number; requests: number }>): number {
  const rates: number[] = [];
  for (let i = 0, j = 0; i < samples.length; i++) {
    while (samples[i]!.at - samples[j]!.at > 60_000) j++;
    if (samples[i]!.at - samples[0]!.at >= 60_000 && j > 0)
      rates.push(samples[i]!.requests - samples[j - 1]!.requests);
  }
  // why: the last seconds drain the queue below the limit; leave out the final 5 s.
  const steady = rates.slice(0, Math.max(1, rates.length - 5));
  return steady.reduce((a, b) => a + b, 0) / steady.length;
}

/** Fetches every window once and drops the bodies (renders the gzip bodies into the simulator's cache). */
async function warmUp(sim: Sim, windows: PlannedWindow[], concurrency: number): Promise<void> {
  const pool = new Pool(sim.url, { connections: concurrency });
  let next = 0;
  const worker = async () => {
    while (next < windows.length) {
      const w = windows[next++]!;
      // why: the simulator renders and compresses a body on its first request; both contenders then read
      // cached answers and neither pays for the other's warm-up.
      const res = await pool.request({
        method: 'GET',
        path: chartPath(w, sim.apiKey),
        headers: CLIENT_HEADERS,
      });
      await res.body.dump();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
}

export default async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      tickers: { type: 'string', default: '500' },
      from: { type: 'string', default: '2024-02-01' },
      to: { type: 'string', default: '2024-02-29' },
      concurrency: { type: 'string', default: '8' },
      'rate-tickers': { type: 'string', default: '400' },
      'rate-concurrency': { type: 'string', default: '24' },
      'skip-rate': { type: 'boolean', default: false },
    },
  });
  const say = (text: string) => {
    if (!values.json) process.stdout.write(`${text}\n`);
    else process.stderr.write(`${text}\n`);
  };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-etl-'));
  const sim = await startSimChild();
  try {
    const symbols = tickers(Number(values.tickers));
    const concurrency = Number(values.concurrency);
    const opts = etlOptions(symbols, '1min', values.from, values.to, concurrency);
    const cap = DEFAULT_INTRADAY_CAPS['1min'];
    const capDays = cap && 'calendarDays' in cap ? cap.calendarDays : 1;
    // why: greedy windows of the cap's length from each first session are the fewest that cover every session.
    const minRequests = symbols.length * cutWindows(values.from, values.to, capDays).length;
    const plan = planWindows({ ...opts, stored: [], failedWindows: [] });
    const simAt = { url: sim.url, apiKey: sim.apiKey };

    say(`warm-up: rendering ${plan.windows.length} bodies in the simulator process`);
    await warmUp(sim, plan.windows, concurrency);
    say(`backfill: ${symbols.length} tickers, 1min, ${values.from}..${values.to}, no rate limit`);
    const ours = await runContender({
      kind: 'ours',
      ...simAt,
      dir: path.join(root, 'ours'),
      options: opts,
      limitPerMin: 1_000_000,
      concurrency,
    });
    const oursRowsPerS = Math.round(ours.rows / ours.seconds);
    say(
      `ours: ${ours.rows} rows in ${ours.seconds.toFixed(2)} s (${oursRowsPerS} rows/s; publish ${ours.publishSeconds?.toFixed(2)} s, close ${ours.closeSeconds?.toFixed(2)} s), ${ours.requests} requests, peak RSS ${ours.peakRssMb} MB`,
    );

    const ref = await runContender({
      kind: 'reference',
      ...simAt,
      dir: path.join(root, 'ref'),
      windows: plan.windows,
      concurrency,
    });
    const refRowsPerS = Math.round(ref.rows / ref.seconds);
    say(
      `reference (read_json): ${ref.rows} rows in ${ref.seconds.toFixed(2)} s (${refRowsPerS} rows/s), peak RSS ${ref.peakRssMb} MB`,
    );
    if (ref.rows !== ours.rows)
      throw new Error(`row counts differ: ours ${ours.rows}, reference ${ref.rows}`);
    await checkSameBars(path.join(root, 'ours'), path.join(root, 'ref', 'lake'));

    let rate: Record<string, number> = {};
    if (!values['skip-rate']) {
      const limit = 3000;
      const rateConcurrency = Number(values['rate-concurrency']);
      sim.configure({ faults: { latencyMs: 250 }, rateLimitPerMin: limit });
      sim.reset();
      // why: one-session windows give enough requests to run well past the limiter's one-minute window.
      const rateOpts: EtlOptions = {
        ...etlOptions(
          tickers(Number(values['rate-tickers'])),
          '1min',
          values.from,
          values.to,
          rateConcurrency,
        ),
        windowDays: { '1min': 1 },
      };
      say(
        `rate: ${rateOpts.symbols.length} tickers, 5min one-session windows, ${values.from}..${values.to}, limit ${limit}/min, 250 ms latency, concurrency ${rateConcurrency}`,
      );
      const limited = await runContender({
        kind: 'ours',
        ...simAt,
        dir: path.join(root, 'rate'),
        options: rateOpts,
        limitPerMin: limit,
        concurrency: rateConcurrency,
      });
      const perMin = steadyRatePerMin(limited.samples ?? []);
      const simStats = await sim.stats();
      rate = {
        limit_per_min: limit,
        rate_requests: limited.requests,
        rate_seconds: Math.round(limited.seconds * 10) / 10,
        achieved_per_min: Math.round(perMin),
        efficiency: Math.round((perMin / limit) * 1000) / 1000,
        http_429: simStats.rateLimited,
      };
      say(
        `rate: ${limited.requests} requests in ${limited.seconds.toFixed(1)} s = ${Math.round(perMin)}/min, efficiency ${rate.efficiency}, 429s ${rate.http_429}`,
      );
    }

    const report = {
      tickers: symbols.length,
      rows: ours.rows,
      seconds: Math.round(ours.seconds * 100) / 100,
      rows_per_s: oursRowsPerS,
      requests: ours.requests,
      min_requests: minRequests,
      requests_over_min: Math.round((ours.requests / minRequests) * 1000) / 1000,
      peak_rss_mb: ours.peakRssMb,
      peak_rss_mb_before_publish: ours.peakRssBeforePublishMb,
      publish_s: Math.round((ours.publishSeconds ?? 0) * 100) / 100,
      close_s: Math.round((ours.closeSeconds ?? 0) * 100) / 100,
      ref_rows_per_s: refRowsPerS,
      ref_peak_rss_mb: ref.peakRssMb,
      ratio: Math.round((oursRowsPerS / refRowsPerS) * 100) / 100,
      ...rate,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
