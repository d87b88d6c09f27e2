/**
 * `npm run bench -- client [--json] [--seconds 120] [--limit 300] [--concurrency 8] [--latency 250] [--spurious-429-share 0.02]`
 *
 * 1. Rate-limit efficiency: the FMP client fetches 1-day 1min windows from the simulator for `--seconds`
 *    (at least 60), the simulator enforcing the same per-minute limit as the client with `--latency` ms added to every
 *    answer. achieved_per_min counts the client's request starts in whole windows from the first start (the most a
 *    sliding-window limit allows there is limit × minutes); efficiency = achieved / limit. 429s come from both sides.
 *    Then the same with `--spurious-429-share` (default 0.02) of answers turned into FMP's "Limit Reach" by the
 *    simulator (a 200 with the 429 body) although the limit was kept: spurious_efficiency, goal ≥ 0.85.
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
import { type SimFaults, startSimulator } from '../../etl/sim/simulator.ts';

interface BenchArgs {
  json: boolean;
  seconds: number;
  limit: number;
  concurrency: number;
  latencyMs: number;
  cpuBodies: number;
  /** Share of answers the simulator turns into spurious "Limit Reach" in the second rate run. */
  spuriousShare: number;
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
    spuriousShare: Math.min(0.5, value('spurious-429-share', 0.02)),
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

interface RateRun {
  achievedPerMin: number;
  efficiency: number;
  startsPerWindow: number[];
  http429: number;
  sim429: number;
  simLimitReach200: number;
  delivered: number;
  rows: number;
  failures: number;
  retries: number;
  waits: number;
  pauses: number;
  rateLowerings: number;
  rateRaisings: number;
  limitPerMinAtEnd: number;
  parseMsPerMb: number;
}

/**
 * The FMP client fetches 1-day 1min windows from a simulator enforcing `args.limit` per minute, with `faults`, for
 * whole minutes; achieved = the client's starts per minute in those minutes.
 */
async function measureRate(
  args: BenchArgs,
  all: Array<{ symbol: string; date: IsoDate }>,
  label: string,
  faults: Partial<SimFaults>,
  progress: (line: string) => void,
): Promise<RateRun> {
  const sim = await startSimulator({ seed: 3, rateLimitPerMin: args.limit, faults });
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
        const limiter = fmp.stats().limiter;
        startsPerWindow[k] = limiter.ratePerMin;
        progress(
          `client bench (${label}): minute ${k + 1}/${windowCount}: ${startsPerWindow[k]} starts, limit ${limiter.limitPerMin}/min`,
        );
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
  const achievedPerMin = startsPerWindow.reduce((a, b) => a + b, 0) / windowCount;
  return {
    achievedPerMin,
    efficiency: achievedPerMin / args.limit,
    startsPerWindow,
    http429: stats.http429,
    sim429: simStats.rateLimited,
    simLimitReach200: simStats.faults.limitReach200,
    delivered,
    rows,
    failures: failures.length,
    retries: stats.retries,
    waits: stats.limiter.waits,
    pauses: stats.limiter.pauses,
    rateLowerings: stats.limiter.rateLowerings,
    rateRaisings: stats.limiter.rateRaisings,
    limitPerMinAtEnd: stats.limiter.limitPerMin,
    parseMsPerMb: stats.parseMs / (stats.decodedBytes / 1e6),
  };
}

export default async function run(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const say = (line: string) => {
    if (!args.json) process.stdout.write(`${line}\n`);
  };
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const all = windows();

  // 1. rate-limit efficiency, then the same with 2% spurious "Limit Reach" answers (a 200 with FMP's 429 body)
  const clean = await measureRate(args, all, 'clean', { latencyMs: args.latencyMs }, progress);
  const windowCount = clean.startsPerWindow.length;
  say(
    `rate: limit ${args.limit}/min, achieved ${clean.achievedPerMin.toFixed(1)}/min over ${windowCount} min (efficiency ${clean.efficiency.toFixed(3)})`,
  );
  say(
    `      429s client ${clean.http429} / simulator ${clean.sim429}; ${clean.delivered} windows, ${clean.rows} bars delivered; ${clean.failures} failures`,
  );
  const spurious = await measureRate(
    args,
    all,
    `${args.spuriousShare * 100}% spurious 429s`,
    { latencyMs: args.latencyMs, limitReach200Share: args.spuriousShare, seed: 3 },
    progress,
  );
  say(
    `rate with ${(args.spuriousShare * 100).toFixed(0)}% spurious 429s: achieved ${spurious.achievedPerMin.toFixed(1)}/min (efficiency ${spurious.efficiency.toFixed(3)}, goal ≥ 0.85); ` +
      `${spurious.http429} 429s, ${spurious.pauses} pauses, limit lowered ${spurious.rateLowerings}× raised ${spurious.rateRaisings}×, ${spurious.limitPerMinAtEnd}/min at the end`,
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
    seconds: windowCount * 60,
    limit_per_min: args.limit,
    achieved_per_min: Number(clean.achievedPerMin.toFixed(2)),
    efficiency: Number(clean.efficiency.toFixed(4)),
    http_429: clean.http429,
    sim_429: clean.sim429,
    starts_per_minute: clean.startsPerWindow,
    concurrency: args.concurrency,
    latency_ms: args.latencyMs,
    windows_delivered: clean.delivered,
    bars_delivered: clean.rows,
    failures: clean.failures,
    retries: clean.retries,
    limiter_waits: clean.waits,
    limiter_pauses: clean.pauses,
    client_parse_ms_per_mb_in_run: Number(clean.parseMsPerMb.toFixed(2)),
    spurious_429_share: args.spuriousShare,
    spurious_achieved_per_min: Number(spurious.achievedPerMin.toFixed(2)),
    spurious_efficiency: Number(spurious.efficiency.toFixed(4)),
    spurious_starts_per_minute: spurious.startsPerWindow,
    spurious_http_429: spurious.http429,
    spurious_sim_limit_reach_200: spurious.simLimitReach200,
    spurious_sim_429: spurious.sim429,
    spurious_limiter_pauses: spurious.pauses,
    spurious_rate_lowerings: spurious.rateLowerings,
    spurious_rate_raisings: spurious.rateRaisings,
    spurious_limit_per_min_at_end: spurious.limitPerMinAtEnd,
    spurious_failures: spurious.failures,
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
