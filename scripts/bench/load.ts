/**
 * Load benchmark: the same pre-fetched FMP JSON bodies (1-minute bars from the simulator, one body per symbol
 * and week, newest first, New York labels) loaded two ways in one run:
 *   ours      read → parseIntradayBody → transformIntraday (worker thread) → commitIntraday (batches of windows,
 *             overlapping the parse of the next batch) → publish
 * why the default batch is 128 windows (≈241k bars): a commit of at least one DuckDB row group (122,880 rows) is
 * written straight into the table file; a smaller one goes through the WAL and is written again by a checkpoint.
 *   reference the same job in DuckDB's own SQL on the same files (scripts/bench/_reference-lake.ts): read_json with
 *             explicit columns → UTC (ICU) and New York session date, bar length, the same checks → a temp table
 *             → per month: anti-join against the stored lake files, one zstd file sorted by (symbol, time) with
 *             the writer's COPY options, temp name + rename → manifest.json (rename)
 * Usage: npm run bench -- load [--json] [--symbols 280] [--from 2024-02-01] [--to 2024-02-29] [--batch 128] [--memory-limit-mb 48] [--merge-memory-limit-mb 96]
 * The last line is JSON: rows, ours_rows_per_s, ref_rows_per_s, ratio, peak_rss_mb, lake_bytes_per_bar, …
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { ETL_WRITER_MEMORY } from '../../etl/pipeline/run-etl.ts';
import { DIST_CLI_DIR, distState } from '../build-state.mjs';
import type { ParsedBatch, ParseRequest, ParseWorkerData } from './_load-parse-worker.ts';
import {
  checkSameBars,
  createReferenceStaging,
  publishReferenceLake,
  stageBodies,
} from './_reference-lake.ts';

function dirBytes(dir: string): number {
  let total = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const stat = fs.statSync(path.join(dir, f));
    if (stat.isFile()) total += stat.size;
  }
  return total;
}

/** High-water mark of the process's resident set, MB. */
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** Resident set now, MB. */
const rssNowMb = () => Math.round(process.memoryUsage().rss / 1e6);
/** CPU seconds (user + system, every thread of the process) since `start`. */
const cpuSecondsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

export default async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      symbols: { type: 'string', default: '280' },
      from: { type: 'string', default: '2024-02-01' },
      to: { type: 'string', default: '2024-02-29' },
      batch: { type: 'string', default: '128' },
      // why: the ETL's caps (ETL_WRITER_MEMORY), so the bench measures the configuration that runs.
      'memory-limit-mb': { type: 'string', default: String(ETL_WRITER_MEMORY.memoryLimitMb) },
      'parse-workers': { type: 'string', default: '2' },
    },
  });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { sessionsBetween } = await import('../../etl/core/calendar.ts');
  const { systemClock } = await import('../../etl/core/clock.ts');
  const { silentLogger } = await import('../../etl/core/log.ts');
  const { addDays, nyDateTimeToUtcMs } = await import('../../etl/core/time.ts');
  const { openWarehouseWriter } = await import('../../etl/publish/warehouse-writer.ts');
  const { simIntradayBars, simStockList } = await import('../../etl/sim/simulator.ts');
  const { makeBarBatch } = await import('../../etl/transform/bar-batch-schema.ts');

  const say = (text: string) => {
    if (!values.json) process.stdout.write(`${text}\n`);
  };
  const symbols = simStockList().slice(0, Number(values.symbols));
  const batchSize = Number(values.batch);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-bench-load-'));
  const bodiesDir = path.join(root, 'bodies');
  fs.mkdirSync(bodiesDir);
  try {
    // Prepare (not timed): one FMP body per symbol and week, newest first, as the API sends it.
    const weeks: { from: string; to: string }[] = [];
    const sessions = sessionsBetween(values.from!, values.to!);
    for (let i = 0; i < sessions.length; i += 5) {
      weeks.push({ from: sessions[i]!.date, to: sessions[Math.min(i + 4, sessions.length - 1)]!.date });
    }
    const nowMs = nyDateTimeToUtcMs(addDays(values.to!, 7), 12);
    const bodies: { file: string; symbol: string; from: string; to: string }[] = [];
    let jsonBytes = 0;
    for (const week of weeks) {
      for (const symbol of symbols) {
        const bars = simIntradayBars(symbol, '1min', week.from, week.to, {
          nonadjusted: true,
          nowMs,
        }).reverse();
        const file = path.join(bodiesDir, `${symbol}__${week.from}.json`);
        const text = JSON.stringify(bars);
        jsonBytes += text.length;
        fs.writeFileSync(file, text);
        bodies.push({ file, symbol, ...week });
      }
    }
    say(`prepared ${bodies.length} bodies, ${(jsonBytes / 1e6).toFixed(1)} MB of JSON in ${root}`);

    // Ours.
    const warehouseDir = path.join(root, 'warehouse');
    const oursStart = performance.now();
    // why CPU time too: process.cpuUsage counts every thread of the process (parse workers, DuckDB's threads), so
    // it says whether a side lost wall time to waiting or to work.
    const oursCpu = process.cpuUsage();
    // why: parsing runs in a worker thread while the main thread commits the previous batch: a commit runs in
    // DuckDB's threads but scans the staged rows through a JS table function, so a main thread busy parsing
    // would stall it. At most three batches are held: one committing, one parsed, one being parsed. The worker
    // is started first so that loading its modules overlaps opening the writer.
    // why two workers: with the writer only staging and flushing, one parser left the main thread waiting most
    // of the run (parse_wait 2.8 of 5.2 s); the reference's read_json parses on both cores too. Batch i goes to
    // worker i % n, so the windows still reach the writer in the bodies' order.
    const workerCount = Math.max(1, Number(values['parse-workers']));
    // why the compiled worker when the bundle is fresh: ours runs compiled in production (the CLI's bundle); the
    // TypeScript entry registers tsx in the worker, whose module loading cost ~1 s of CPU a worker in the timed run.
    const compiledWorker = distState() === 'fresh';
    const parseWorkerUrl = compiledWorker
      ? pathToFileURL(path.join(DIST_CLI_DIR, 'bench-load-parse-worker.js'))
      : new URL('./_load-parse-worker.mjs', import.meta.url);
    const workers = Array.from({ length: workerCount }, (_, w) => {
      const mine = bodies.filter((_, i) => Math.floor(i / batchSize) % workerCount === w);
      return new Worker(parseWorkerUrl, {
        workerData: { bodies: mine } satisfies ParseWorkerData,
      });
    });
    const failed = new Promise<never>((_, reject) => {
      for (const worker of workers) {
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`parse worker exited with code ${code}`)));
      }
    });
    failed.catch(() => undefined);
    const terminateWorkers = () => Promise.all(workers.map((w) => w.terminate()));
    let writer: Awaited<ReturnType<typeof openWarehouseWriter>>;
    try {
      writer = await openWarehouseWriter({
        warehouseDir,
        log: silentLogger(),
        clock: systemClock,
        memoryLimitMb: Number(values['memory-limit-mb']),
      });
    } catch (error) {
      await terminateWorkers();
      throw error;
    }
    let rows = 0;
    let rssAtHalf = 0;
    let rssAtEnd = 0;
    let quarantined = 0;
    /**
     * Seconds spent in each stage of ours. Parsing (worker thread) overlaps committing (DuckDB); parse_wait and
     * commit_wait are the parts the main thread waited for.
     */
    const stageS = { parse: 0, transform: 0, parse_wait: 0, commit: 0, commit_wait: 0, publish: 0 };
    const tick = () => performance.now() / 1000;
    try {
      const loadId = await writer.beginLoad('bench load');
      try {
        let requested = 0;
        const requestBatch = () => {
          const worker = workers[requested++ % workerCount]!;
          const parsed = new Promise<ParsedBatch>((resolve) => worker.once('message', resolve));
          worker.postMessage({ count: batchSize, loadId } satisfies ParseRequest);
          const batch = Promise.race([parsed, failed]);
          // why: a failed commit ends the loop with a request still pending; its rejection is not an error then.
          batch.catch(() => undefined);
          return batch;
        };
        let inFlight: Promise<void> | undefined;
        const waitForCommit = async () => {
          if (!inFlight) return;
          const t0 = tick();
          await inFlight;
          stageS.commit_wait += tick() - t0;
          inFlight = undefined;
        };
        const requests = workers.map(() => requestBatch());
        let windowsDone = 0;
        for (;;) {
          let t0 = tick();
          const parsed = await requests.shift()!;
          stageS.parse_wait += tick() - t0;
          if (parsed.windows.length === 0) break;
          requests.push(requestBatch());
          stageS.parse += parsed.parseS;
          stageS.transform += parsed.transformS;
          const commits = parsed.windows.map(({ window, columns, quarantined: bad }) => {
            quarantined += bad.length;
            return { window, batch: makeBarBatch(columns), quarantined: bad };
          });
          await waitForCommit();
          t0 = tick();
          inFlight = writer.commitIntraday(commits, loadId).then((result) => {
            stageS.commit += tick() - t0;
            rows += result.staged;
          });
          // why: awaited before the next commit; until then a rejection must not count as unhandled.
          inFlight.catch(() => undefined);
          const before = windowsDone;
          windowsDone += commits.length;
          if (before < bodies.length / 2 && windowsDone >= bodies.length / 2) rssAtHalf = rssNowMb();
        }
        await waitForCommit();
      } finally {
        await terminateWorkers();
      }
      rssAtEnd = rssNowMb();
      const t0 = tick();
      await writer.publish();
      stageS.publish = tick() - t0;
      await writer.finishLoad(loadId, { status: 'ok', rows });
    } finally {
      writer.close();
    }
    const oursS = (performance.now() - oursStart) / 1000;
    const oursCpuS = cpuSecondsSince(oursCpu);
    const oursPeakRss = peakRssMb();
    const lakeBarsBytes = dirBytes(path.join(warehouseDir, 'lake', 'bars'));
    const lakeFiles = (
      fs.readdirSync(path.join(warehouseDir, 'lake', 'bars'), { recursive: true }) as string[]
    ).filter((f) => f.endsWith('.parquet')).length;
    say(`ours: ${rows} rows in ${oursS.toFixed(2)} s, ${lakeFiles} lake files, ${lakeBarsBytes} bytes`);

    // Reference: the same job in DuckDB's own SQL (scripts/bench/_reference-lake.ts): read_json → UTC and
    // session → dedupe against the stored lake → one sorted zstd file per month → manifest.
    const refDir = path.join(root, 'ref');
    fs.mkdirSync(refDir);
    const refLakeDir = path.join(refDir, 'lake');
    const refStart = performance.now();
    const refCpu = process.cpuUsage();
    const instance = await DuckDBInstance.create(path.join(refDir, 'ref.duckdb'));
    let refRows = 0;
    let refFiles = 0;
    try {
      const con = await instance.connect();
      await createReferenceStaging(con);
      await stageBodies(
        con,
        bodies.map((b) => b.file),
        '1min',
        1,
      );
      const published = await publishReferenceLake(con, refLakeDir);
      refRows = published.rows;
      refFiles = published.files.length;
      con.closeSync();
    } finally {
      instance.closeSync();
    }
    const refS = (performance.now() - refStart) / 1000;
    const refCpuS = cpuSecondsSince(refCpu);
    const refLakeBytes = dirBytes(refLakeDir);
    say(`reference: ${refRows} rows in ${refS.toFixed(2)} s, ${refFiles} lake files, ${refLakeBytes} bytes`);
    if (refRows !== rows) throw new Error(`row counts differ: ours ${rows}, reference ${refRows}`);
    await checkSameBars(warehouseDir, refLakeDir);

    const report = {
      rows,
      bodies: bodies.length,
      json_mb: Math.round(jsonBytes / 1e5) / 10,
      ours_s: Math.round(oursS * 100) / 100,
      ref_s: Math.round(refS * 100) / 100,
      ours_cpu_s: Math.round(oursCpuS * 100) / 100,
      ref_cpu_s: Math.round(refCpuS * 100) / 100,
      ours_rows_per_s: Math.round(rows / oursS),
      ref_rows_per_s: Math.round(refRows / refS),
      ratio: Math.round((refS / oursS) * 100) / 100,
      peak_rss_mb: oursPeakRss,
      rss_mb_loading_at_half_input: rssAtHalf,
      rss_mb_loading_at_end_of_input: rssAtEnd,
      peak_rss_mb_with_reference: peakRssMb(),
      lake_files: lakeFiles,
      lake_bytes_per_bar: Math.round((lakeBarsBytes / rows) * 100) / 100,
      ref_lake_files: refFiles,
      ref_lake_bytes_per_bar: Math.round((refLakeBytes / rows) * 100) / 100,
      quarantined,
      batch_windows: batchSize,
      parse_worker_compiled: compiledWorker,
      parse_workers: workerCount,
      memory_limit_mb: Number(values['memory-limit-mb']),
      ours_stage_s: Object.fromEntries(
        Object.entries(stageS).map(([k, v]) => [k, Math.round(v * 100) / 100]),
      ),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
