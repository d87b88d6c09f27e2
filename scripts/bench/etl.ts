/**
 * ETL benchmark against the in-process simulator, in one run:
 *  1. backfill: N tickers × a month of 1-minute bars with no rate limit, through `runEtl` (extract → transform →
 *     load → publish). Reference: the same requests over the same HTTP pool size, each body written to a file and
 *     handed to DuckDB's own `read_json` (100 files per statement, wall → UTC with ICU) into a table on disk.
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
import { DuckDBInstance } from '@duckdb/node-api';
import { Pool } from 'undici';
import { systemClock } from '../../etl/core/clock.ts';
import type { IntradayInterval } from '../../etl/core/intervals.ts';
import { silentLogger } from '../../etl/core/log.ts';
import { createFmpClient } from '../../etl/extract/fmp-client.ts';
import type { EtlOptions } from '../../etl/pipeline/etl-options.ts';
import { countersOf } from '../../etl/pipeline/fmp-connection.ts';
import { cutWindows, type PlannedWindow, planWindows } from '../../etl/pipeline/plan.ts';
import { ETL_WRITER_MEMORY_MB, runEtl } from '../../etl/pipeline/run-etl.ts';
import { openWarehouseWriter } from '../../etl/publish/warehouse-writer.ts';
import { DEFAULT_INTRADAY_CAPS, type SimStats, type SimulatorOptions } from '../../etl/sim/simulator.ts';

const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const log = silentLogger();

/** The simulator in a child process (scripts/bench/_sim-process.ts). */
interface SimChild {
  url: string;
  apiKey: string;
  configure(patch: Partial<SimulatorOptions>): void;
  reset(): void;
  stats(): Promise<SimStats>;
  close(): void;
}

async function startSimChild(): Promise<SimChild> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '_sim-process.ts');
  const child = fork(script, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { url, apiKey } = await new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; apiKey: string }));
    child.once('exit', (code) => reject(new Error(`simulator process exited with ${code}`)));
  });
  return {
    url,
    apiKey,
    configure: (patch) => child.send({ configure: patch }),
    reset: () => child.send({ reset: true }),
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { stats: SimStats }).stats));
        child.send({ stats: true });
      }),
    close: () => child.disconnect(),
  };
}

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
    datasets: ['intraday'],
    from,
    to,
    concurrency,
    extended: false,
    dryRun: false,
    json: false,
  };
}

async function runOurs(sim: Sim, dir: string, opts: EtlOptions, limitPerMin: number, concurrency: number) {
  const samples: Array<{ at: number; requests: number }> = [];
  const fmp = createFmpClient({
    baseUrl: sim.url,
    apiKey: sim.apiKey,
    rateLimitPerMin: limitPerMin,
    concurrency,
    timeoutMs: 30_000,
    log,
  });
  const writer = await openWarehouseWriter({
    warehouseDir: dir,
    log,
    clock: systemClock,
    memoryLimitMb: ETL_WRITER_MEMORY_MB,
  });
  const publish = writer.publish;
  let rssBeforePublishMb = 0;
  let publishSeconds = 0;
  writer.publish = async () => {
    rssBeforePublishMb = rssMb();
    const t = performance.now();
    try {
      return await publish();
    } finally {
      publishSeconds = (performance.now() - t) / 1000;
    }
  };
  const started = performance.now();
  // why: the limiter allows a burst of a full window at the start; efficiency is the steady sliding-minute rate.
  const sampler = setInterval(
    () => samples.push({ at: performance.now(), requests: fmp.stats().requests }),
    1000,
  );
  try {
    const summary = await runEtl(opts, {
      source: fmp,
      counters: () => countersOf(fmp),
      writer,
      log,
      clock: systemClock,
      concurrency,
      limitPerMin,
    });
    clearInterval(sampler);
    return {
      samples,
      summary,
      seconds: (performance.now() - started) / 1000,
      stats: fmp.stats(),
      rssBeforePublishMb,
      publishSeconds,
    };
  } finally {
    clearInterval(sampler);
    writer.close();
    await fmp.close();
  }
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

/** The reference: the same requests, bodies to files, DuckDB's read_json into a table, 100 files a statement. */
/** The request the pipeline sends for a window (raw prices), for the warm-up and the reference to repeat. */
function chartPath(w: PlannedWindow, apiKey: string): string {
  const query = new URLSearchParams({
    symbol: w.symbol,
    from: w.from,
    to: w.to,
    nonadjusted: 'true',
    apikey: apiKey,
  });
  return `/stable/historical-chart/${w.interval}?${query}`;
}

/** Fetches every window once per encoding and drops the bodies (renders both forms into the simulator's cache). */
async function warmUp(sim: Sim, windows: PlannedWindow[], concurrency: number): Promise<void> {
  const pool = new Pool(sim.url, { connections: concurrency });
  let next = 0;
  const worker = async () => {
    while (next < windows.length) {
      const w = windows[next++]!;
      // why: the pipeline asks for gzip and the reference for plain bodies; the simulator compresses a body on
      // its first gzip request, so both forms are rendered here and neither contender pays for it in the run.
      for (const encoding of ['identity', 'gzip']) {
        const res = await pool.request({
          method: 'GET',
          path: chartPath(w, sim.apiKey),
          headers: { 'accept-encoding': encoding },
        });
        await res.body.dump();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
}

async function runReference(sim: Sim, dir: string, windows: PlannedWindow[], concurrency: number) {
  const bodiesDir = path.join(dir, 'bodies');
  fs.mkdirSync(bodiesDir, { recursive: true });
  const pool = new Pool(sim.url, { connections: concurrency, pipelining: 1 });
  const instance = await DuckDBInstance.create(path.join(dir, 'ref.duckdb'));
  const con = await instance.connect();
  const started = performance.now();
  await con.run("set TimeZone = 'UTC'");
  await con.run(
    'create table ref_bars (symbol varchar, interval varchar, bar_start_at timestamptz, open double, high double, low double, close double, volume bigint)',
  );
  let pendingFiles: string[] = [];
  let loading: Promise<unknown> = Promise.resolve();
  const flush = (files: string[]) => {
    if (files.length === 0) return;
    const list = files.map((f) => `'${f}'`).join(', ');
    loading = loading.then(() =>
      con.run(
        `insert into ref_bars
         select split_part(parse_filename(filename, true), '__', 1), '1min',
                timezone('America/New_York', strptime(date, '%Y-%m-%d %H:%M:%S')), open, high, low, close, volume
         from read_json([${list}], format = 'array', filename = true,
           columns = {date: 'VARCHAR', open: 'DOUBLE', low: 'DOUBLE', high: 'DOUBLE', close: 'DOUBLE', volume: 'BIGINT'})`,
      ),
    );
  };
  let next = 0;
  const worker = async () => {
    while (next < windows.length) {
      const w = windows[next++]!;
      const res = await pool.request({
        method: 'GET',
        path: chartPath(w, sim.apiKey),
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode !== 200) throw new Error(`reference: HTTP ${res.statusCode} for ${w.symbol}`);
      const file = path.join(bodiesDir, `${w.symbol}__${w.from}.json`);
      fs.writeFileSync(file, body);
      pendingFiles.push(file);
      if (pendingFiles.length >= 100) {
        flush(pendingFiles);
        pendingFiles = [];
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  flush(pendingFiles);
  await loading;
  await con.run('checkpoint');
  const rows = Number((await con.runAndReadAll('select count(*) from ref_bars')).getRowsJS()[0]![0]);
  const seconds = (performance.now() - started) / 1000;
  con.closeSync();
  instance.closeSync();
  await pool.close();
  return { rows, seconds };
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

    say(`warm-up: rendering ${plan.windows.length} bodies in the simulator process`);
    await warmUp(sim, plan.windows, concurrency);
    say(`backfill: ${symbols.length} tickers, 1min, ${values.from}..${values.to}, no rate limit`);
    const ours = await runOurs(sim, path.join(root, 'ours'), opts, 1_000_000, concurrency);
    const peakRss = rssMb();
    const oursRowsPerS = Math.round(ours.summary.rows / ours.seconds);
    say(
      `ours: ${ours.summary.rows} rows in ${ours.seconds.toFixed(2)} s (${oursRowsPerS} rows/s), ${ours.stats.requests} requests, peak RSS ${peakRss} MB`,
    );

    const ref = await runReference(sim, path.join(root, 'ref'), plan.windows, concurrency);
    const refRowsPerS = Math.round(ref.rows / ref.seconds);
    say(`reference (read_json): ${ref.rows} rows in ${ref.seconds.toFixed(2)} s (${refRowsPerS} rows/s)`);
    if (ref.rows !== ours.summary.rows)
      throw new Error(`row counts differ: ours ${ours.summary.rows}, reference ${ref.rows}`);

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
      const limited = await runOurs(sim, path.join(root, 'rate'), rateOpts, limit, rateConcurrency);
      const perMin = steadyRatePerMin(limited.samples);
      const simStats = await sim.stats();
      rate = {
        limit_per_min: limit,
        rate_requests: limited.stats.requests,
        rate_seconds: Math.round(limited.seconds * 10) / 10,
        achieved_per_min: Math.round(perMin),
        efficiency: Math.round((perMin / limit) * 1000) / 1000,
        http_429: simStats.rateLimited,
      };
      say(
        `rate: ${limited.stats.requests} requests in ${limited.seconds.toFixed(1)} s = ${Math.round(perMin)}/min, efficiency ${rate.efficiency}, 429s ${rate.http_429}`,
      );
    }

    const report = {
      tickers: symbols.length,
      rows: ours.summary.rows,
      seconds: Math.round(ours.seconds * 100) / 100,
      rows_per_s: oursRowsPerS,
      requests: ours.stats.requests,
      min_requests: minRequests,
      requests_over_min: Math.round((ours.stats.requests / minRequests) * 1000) / 1000,
      peak_rss_mb: peakRss,
      peak_rss_mb_before_publish: ours.rssBeforePublishMb,
      publish_s: Math.round(ours.publishSeconds * 100) / 100,
      ref_rows_per_s: refRowsPerS,
      ratio: Math.round((oursRowsPerS / refRowsPerS) * 100) / 100,
      ...rate,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
