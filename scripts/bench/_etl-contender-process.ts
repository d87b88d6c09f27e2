/**
 * One contender of the ETL benchmark in a fresh process (started by scripts/bench/etl.ts), so that its peak RSS is
 * its own, from a cold start, like a `mqs etl` run: not the parent's warm-up or the other contender's leftovers.
 * Receives a ContenderTask over IPC, answers with a ContenderResult and exits.
 *   ours       runEtl (extract → transform → load → publish) and the writer's close (its checkpoint), timed together
 *   reference  the same requests (same headers: gzip), each body written as received (`.json.gz`) and staged by
 *              DuckDB's read_json, 100 files a statement (wall → UTC, session date, bar length, checks), then the
 *              same lake in DuckDB's SQL: dedupe against stored files, one sorted zstd file a month, manifest
 *              (scripts/bench/_reference-lake.ts)
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Pool } from 'undici';
import { systemClock } from '../../etl/core/clock.ts';
import { silentLogger } from '../../etl/core/log.ts';
import { createFmpClient } from '../../etl/extract/fmp-client.ts';
import type { EtlOptions } from '../../etl/pipeline/etl-options.ts';
import { countersOf } from '../../etl/pipeline/fmp-connection.ts';
import { loadSourceOf } from '../../etl/pipeline/load-source.ts';
import type { PlannedWindow } from '../../etl/pipeline/plan.ts';
import { ETL_WRITER_MEMORY, runEtl } from '../../etl/pipeline/run-etl.ts';
import { openWarehouseWriter } from '../../etl/publish/warehouse-writer.ts';
import { createReferenceStaging, publishReferenceLake, stageBodies } from './_reference-lake.ts';

export type ContenderTask =
  | {
      kind: 'ours';
      url: string;
      apiKey: string;
      dir: string;
      options: EtlOptions;
      limitPerMin: number;
      concurrency: number;
    }
  | {
      kind: 'reference';
      url: string;
      apiKey: string;
      dir: string;
      windows: PlannedWindow[];
      concurrency: number;
    };

export interface ContenderResult {
  rows: number;
  seconds: number;
  requests: number;
  /** Peak resident set of this process, MB (whole life: start, run, close). */
  peakRssMb: number;
  /** Peak RSS before the publish step (ours only), MB. */
  peakRssBeforePublishMb?: number;
  publishSeconds?: number;
  closeSeconds?: number;
  /** Requests per second sampled each second (ours only), for the rate leg. */
  samples?: Array<{ at: number; requests: number }>;
}

const log = silentLogger();
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** The request the pipeline sends for a window (raw prices), for the warm-up and the reference to repeat. */
export function chartPath(w: PlannedWindow, apiKey: string): string {
  const query = new URLSearchParams({
    symbol: w.symbol,
    from: w.from,
    to: w.to,
    nonadjusted: 'true',
    apikey: apiKey,
  });
  return `/stable/historical-chart/${w.interval}?${query}`;
}

/** The headers our FMP client sends (fmp-client.ts `send`): the reference asks for the same encoding. */
export const CLIENT_HEADERS = { 'accept-encoding': 'gzip', accept: 'application/json' };

async function runOurs(task: Extract<ContenderTask, { kind: 'ours' }>): Promise<ContenderResult> {
  const samples: Array<{ at: number; requests: number }> = [];
  const fmp = createFmpClient({
    baseUrl: task.url,
    apiKey: task.apiKey,
    rateLimitPerMin: task.limitPerMin,
    concurrency: task.concurrency,
    timeoutMs: 30_000,
    log,
  });
  const started = performance.now();
  const writer = await openWarehouseWriter({
    warehouseDir: task.dir,
    log,
    clock: systemClock,
    ...ETL_WRITER_MEMORY,
  });
  const publish = writer.publish;
  let peakRssBeforePublishMb = 0;
  let publishSeconds = 0;
  writer.publish = async () => {
    peakRssBeforePublishMb = peakRssMb();
    const t = performance.now();
    try {
      return await publish();
    } finally {
      publishSeconds = (performance.now() - t) / 1000;
    }
  };
  // why: the limiter allows a burst of a full window at the start; efficiency is the steady sliding-minute rate.
  const sampler = setInterval(
    () => samples.push({ at: performance.now(), requests: fmp.stats().requests }),
    1000,
  );
  let closed = false;
  try {
    const summary = await runEtl(task.options, {
      source: fmp,
      counters: () => countersOf(fmp),
      writer,
      log,
      clock: systemClock,
      concurrency: task.concurrency,
      limitPerMin: task.limitPerMin,
      loadSource: loadSourceOf({}),
    });
    clearInterval(sampler);
    const closing = performance.now();
    writer.close();
    closed = true;
    const done = performance.now();
    return {
      rows: summary.rows,
      seconds: (done - started) / 1000,
      requests: fmp.stats().requests,
      peakRssMb: peakRssMb(),
      peakRssBeforePublishMb,
      publishSeconds,
      closeSeconds: (done - closing) / 1000,
      samples,
    };
  } finally {
    clearInterval(sampler);
    if (!closed) writer.close();
    await fmp.close();
  }
}

async function runReference(task: Extract<ContenderTask, { kind: 'reference' }>): Promise<ContenderResult> {
  const bodiesDir = path.join(task.dir, 'bodies');
  fs.mkdirSync(bodiesDir, { recursive: true });
  const pool = new Pool(task.url, { connections: task.concurrency, pipelining: 1 });
  const started = performance.now();
  const instance = await DuckDBInstance.create(path.join(task.dir, 'ref.duckdb'));
  const con = await instance.connect();
  await createReferenceStaging(con);
  let pendingFiles: string[] = [];
  let loading: Promise<unknown> = Promise.resolve();
  const flush = (files: string[]) => {
    if (files.length === 0) return;
    loading = loading.then(() => stageBodies(con, files, '1min', 1));
  };
  let next = 0;
  let requests = 0;
  const worker = async () => {
    while (next < task.windows.length) {
      const w = task.windows[next++]!;
      requests++;
      const res = await pool.request({
        method: 'GET',
        path: chartPath(w, task.apiKey),
        headers: CLIENT_HEADERS,
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode !== 200) throw new Error(`reference: HTTP ${res.statusCode} for ${w.symbol}`);
      const gzip = String(res.headers['content-encoding'] ?? '') === 'gzip';
      // why: parse_filename(filename, true) drops only the last extension; the symbol is the part before '__'.
      const file = path.join(bodiesDir, `${w.symbol}__${w.from}.json${gzip ? '.gz' : ''}`);
      fs.writeFileSync(file, body);
      pendingFiles.push(file);
      if (pendingFiles.length >= 100) {
        flush(pendingFiles);
        pendingFiles = [];
      }
    }
  };
  await Promise.all(Array.from({ length: task.concurrency }, worker));
  flush(pendingFiles);
  await loading;
  const { rows } = await publishReferenceLake(con, path.join(task.dir, 'lake'));
  con.closeSync();
  instance.closeSync();
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { rows, seconds, requests, peakRssMb: peakRssMb() };
}

if (process.send) {
  process.once('message', (task: ContenderTask) => {
    const run = task.kind === 'ours' ? runOurs(task) : runReference(task);
    run.then(
      (result) => process.send?.({ result }, () => process.exit(0)),
      (error: unknown) => {
        process.send?.(
          { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
          () => process.exit(1),
        );
      },
    );
  });
}
