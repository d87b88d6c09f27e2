/**
 * `npm run bench -- client [--json] [--seconds 120] [--limit 300] [--concurrency 8] [--latency 250]`
 *
 * 1. Rate-limit efficiency: the FMP client fetches 1-day 1min windows from the simulator for `--seconds`
 *    (at least 60), the simulator enforcing the same per-minute limit as the client with `--latency` ms added to every
 *    answer. achieved_per_min counts the client's request starts in whole windows from the first start (the most a
 *    sliding-window limit allows there is limit × minutes); efficiency = achieved / limit. 429s come from both sides.
 * 2. CPU cost per MB: the same bodies (the same seed and windows, fetched once from an unlimited simulator) decoded and
 *    validated the way the client does (byte parser into columns) against plain JSON.parse, and JSON.parse + zod,
 *    measured with process.cpuUsage in this process, side by side.
 *
 * The last line of output is one JSON object.
 */
import { setMaxListeners } from 'node:events';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Pool } from 'undici';
import { createLogger } from '../../etl/core/log.ts';
import { addDays, dayOfWeek, type IsoDate } from '../../etl/core/time.ts';
import { createFmpClient } from '../../etl/extract/fmp-client.ts';
import { intradayBodySchema, intradayRowsToColumns } from '../../etl/extract/fmp-schemas.ts';
import { parseIntradayBody } from '../../etl/extract/intraday-parser.ts';
import { startSimulator } from '../../etl/sim/simulator.ts';

interface BenchArgs {
  json: boolean;
  seconds: number;
  limit: number;
  concurrency: number;
  latencyMs: number;
  cpuBodies: number;
}

function parseArgs(args: string[]): BenchArgs {
  const value = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(args[i + 1]);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`--${name} needs a positive number, got ${JSON.stringify(args[i + 1])}`);
    return n;
  };
  return {
    json: args.includes('--json'),
    seconds: Math.max(60, value('seconds', 120)),
    limit: Math.floor(value('limit', 300)),
    concurrency: Math.floor(value('concurrency', 8)),
    latencyMs: value('latency', 250),
    cpuBodies: Math.floor(value('cpu-bodies', 300)),
  };
}

const SYMBOLS = [
  'AAPL',
  'MSFT',
  'NVDA',
  'AMZN',
  'GOOGL',
  'META',
  'TSLA',
  'JPM',
  'V',
  'XOM',
  'JNJ',
  'PG',
  'KO',
  'PEP',
  'MRK',
  'ABBV',
  'ADBE',
  'ABT',
  'MMM',
  'ANF',
];

/** Weekday windows of 2023–2024 for every symbol, in a fixed order. */
function windows(): Array<{ symbol: string; date: IsoDate }> {
  const out: Array<{ symbol: string; date: IsoDate }> = [];
  for (let d = '2023-01-02'; d <= '2024-12-31'; d = addDays(d, 1)) {
    const dow = dayOfWeek(d);
    if (dow === 0 || dow === 6) continue;
    for (const symbol of SYMBOLS) out.push({ symbol, date: d });
  }
  return out;
}

function cpuMsOf(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

export default async function run(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const say = (line: string) => {
    if (!args.json) process.stdout.write(`${line}\n`);
  };
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const all = windows();

  // 1. rate-limit efficiency
  const sim = await startSimulator({
    seed: 3,
    rateLimitPerMin: args.limit,
    faults: { latencyMs: args.latencyMs },
  });
  const log = createLogger({ level: 'warn' });
  const fmp = createFmpClient({
    baseUrl: sim.url,
    apiKey: sim.apiKey,
    rateLimitPerMin: args.limit,
    concurrency: args.concurrency,
    timeoutMs: 30_000,
    log,
  });
  const windowCount = Math.floor(args.seconds / 60);
  const measuredMs = windowCount * 60_000;
  const stop = new AbortController();
  // why: every queued call listens on the one stop signal until it starts or ends
  setMaxListeners(args.concurrency * 8, stop.signal);
  let next = 0;
  let delivered = 0;
  let rows = 0;
  const failures: string[] = [];
  const t0 = Date.now();
  const startsPerWindow: number[] = [];
  // why: the limiter's starts-in-the-last-window, read 1 ms before each whole window from the first start ends, sums
  // to the starts inside [t0, t0 + k minutes) exactly.
  const samplers = Array.from({ length: windowCount }, (_, k) =>
    setTimeout(
      () => {
        startsPerWindow[k] = fmp.stats().limiter.ratePerMin;
        progress(`client bench: minute ${k + 1}/${windowCount}: ${startsPerWindow[k]} starts`);
      },
      t0 + (k + 1) * 60_000 - 1 - Date.now(),
    ),
  );
  const worker = async () => {
    while (!stop.signal.aborted) {
      const w = all[next++ % all.length]!;
      try {
        const cols = await fmp.intradayBars({
          symbol: w.symbol,
          interval: '1min',
          from: w.date,
          to: w.date,
          nonadjusted: true,
          signal: stop.signal,
        });
        delivered++;
        rows += cols.length;
      } catch (error) {
        if (!stop.signal.aborted) failures.push(String((error as Error).message));
      }
    }
  };
  const workers = Array.from({ length: args.concurrency * 4 }, worker);
  await new Promise((resolve) => setTimeout(resolve, measuredMs + 200 - (Date.now() - t0)));
  stop.abort();
  await Promise.allSettled(workers);
  for (const t of samplers) clearTimeout(t);
  const stats = fmp.stats();
  const simStats = sim.stats();
  await fmp.close();
  await sim.close();

  const starts = startsPerWindow.reduce((a, b) => a + b, 0);
  const achievedPerMin = starts / windowCount;
  const efficiency = achievedPerMin / args.limit;
  say(
    `rate: limit ${args.limit}/min, achieved ${achievedPerMin.toFixed(1)}/min over ${windowCount} min (efficiency ${efficiency.toFixed(3)})`,
  );
  say(
    `      429s client ${stats.http429} / simulator ${simStats.rateLimited}; ${delivered} windows, ${rows} bars delivered; ${failures.length} failures`,
  );

  // 2. CPU cost per MB, on the same bodies
  const cpuSim = await startSimulator({ seed: 3 });
  const pool = new Pool(cpuSim.url, { connections: 4 });
  const bodies: Buffer[] = [];
  let wireBytes = 0;
  for (const w of all.slice(0, args.cpuBodies)) {
    const res = await pool.request({
      method: 'GET',
      path: `/stable/historical-chart/1min?symbol=${w.symbol}&from=${w.date}&to=${w.date}&nonadjusted=true&apikey=${cpuSim.apiKey}`,
      headers: { 'accept-encoding': 'gzip' },
    });
    const wire = Buffer.from(await res.body.arrayBuffer());
    wireBytes += wire.length;
    bodies.push(res.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire);
  }
  await pool.close();
  await cpuSim.close();
  const mb = bodies.reduce((a, b) => a + b.length, 0) / 1e6;
  let sink = 0;
  const measure = (fn: (b: Buffer) => number) => {
    const runs: number[] = [];
    for (let r = 0; r < 7; r++)
      runs.push(
        cpuMsOf(() => {
          for (const b of bodies) sink += fn(b);
        }),
      );
    runs.sort((a, b) => a - b);
    return runs[3]! / mb;
  };
  measure((b) => parseIntradayBody(b).length); // warm-up of every path before the measured rounds
  measure((b) => (JSON.parse(b.toString('utf8')) as unknown[]).length);
  const jsonParseMsPerMb = measure((b) => (JSON.parse(b.toString('utf8')) as unknown[]).length);
  const clientMsPerMb = measure((b) => parseIntradayBody(b).length);
  const zodMsPerMb = measure(
    (b) => intradayRowsToColumns(intradayBodySchema.parse(JSON.parse(b.toString('utf8')))).length,
  );
  const gunzipMsPerMb = (() => {
    const gz = bodies.slice(0, 50);
    const gzMb = gz.reduce((a, b) => a + b.length, 0) / 1e6;
    const packed = gz.map((b) => gzipSync(b));
    const cpuMs = cpuMsOf(() => {
      for (const p of packed) sink += gunzipSync(p).length;
    });
    return cpuMs / gzMb;
  })();
  say(
    `cpu:  ${mb.toFixed(1)} MB of bodies: client decode+validate ${clientMsPerMb.toFixed(2)} ms/MB, ` +
      `JSON.parse alone ${jsonParseMsPerMb.toFixed(2)} ms/MB (ratio ${(clientMsPerMb / jsonParseMsPerMb).toFixed(2)}), ` +
      `JSON.parse + zod ${zodMsPerMb.toFixed(2)} ms/MB, gunzip ${gunzipMsPerMb.toFixed(2)} ms/MB`,
  );

  const result = {
    bench: 'client',
    seconds: measuredMs / 1000,
    limit_per_min: args.limit,
    achieved_per_min: Number(achievedPerMin.toFixed(2)),
    efficiency: Number(efficiency.toFixed(4)),
    http_429: stats.http429,
    sim_429: simStats.rateLimited,
    starts_per_minute: startsPerWindow,
    concurrency: args.concurrency,
    latency_ms: args.latencyMs,
    windows_delivered: delivered,
    bars_delivered: rows,
    failures: failures.length,
    retries: stats.retries,
    limiter_waits: stats.limiter.waits,
    limiter_pauses: stats.limiter.pauses,
    client_parse_ms_per_mb_in_run: Number((stats.parseMs / (stats.decodedBytes / 1e6)).toFixed(2)),
    cpu_bodies_mb: Number(mb.toFixed(2)),
    cpu_bodies_wire_mb: Number((wireBytes / 1e6).toFixed(2)),
    cpu_client_ms_per_mb: Number(clientMsPerMb.toFixed(2)),
    cpu_json_parse_ms_per_mb: Number(jsonParseMsPerMb.toFixed(2)),
    cpu_json_parse_zod_ms_per_mb: Number(zodMsPerMb.toFixed(2)),
    cpu_gunzip_ms_per_mb: Number(gunzipMsPerMb.toFixed(2)),
    cpu_client_vs_json_parse: Number((clientMsPerMb / jsonParseMsPerMb).toFixed(3)),
    cpu_client_vs_json_parse_zod: Number((clientMsPerMb / zodMsPerMb).toFixed(3)),
    sink_check: sink > 0,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
