/**
 * Query benchmark: what readers pay for the lake against the same rows in a native DuckDB file, in one run.
 *  1. load (not compared): `mqs etl` in its own process, against the simulator in another, backfills N symbols ×
 *     M months of 1-minute bars plus their splits (so adjusted prices are real) into a fresh WAREHOUSE_DIR.
 *  2. native reference: the reader's staging relations (raw bars, splits, sessions, EOD, dividends) copied into
 *     native tables of a separate DuckDB file (bars ordered by interval, New York month, symbol, time: the order a
 *     month-by-month load gives), and the SAME views of sql/ created over them (`{{ source('x') }}` rendered to
 *     the native table). Only storage differs.
 *  3. warm: five mart queries, each side in its own DuckDB instance (`openWarehouseReader` + `reader.query` for the
 *     lake, a read-only instance of the native file), one warm-up then the median of 5; both sides must return the
 *     same rows (count and an order-independent checksum) or the bench fails.
 *  4. cold: query 1 in a fresh `mqs sql --json` process against a fresh `node` process that opens the native file
 *     read-only (scripts/bench/_query-native-process.mjs); median of 5 each; outputs must be identical.
 *  5. bytes a bar: every file under WAREHOUSE_DIR after the run / bars stored; the lake and etl.duckdb separately.
 * Usage: npm run bench -- query [--json] [--symbols 300] [--months 12] [--from 2024-01-01] [--runs 5]
 *        [--keep DIR]   (reuse DIR/warehouse and DIR/native.duckdb when they hold the same symbols and months)
 * The last line is JSON: queries.{name}.{lake_ms, native_ms, ratio, rows}, cold_*, bytes_per_bar_*, …
 * Goals (issue 11): every ratio ≤ 1.5, bytes_per_bar_total ≤ 16.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';
import { startSimChild } from './_sim-child.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RATIO_GOAL = 1.5;
const BYTES_PER_BAR_GOAL = 16;

function dirBytes(dir: string): number {
  let total = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const stat = fs.statSync(path.join(dir, f), { throwIfNoEntry: false });
    if (stat?.isFile()) total += stat.size;
  }
  return total;
}

const fileBytes = (file: string) => fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The last day of the month `months - 1` months after `from`'s month. */
function endOfRange(from: string, months: number): string {
  const [y, m] = from.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + months, 0)).toISOString().slice(0, 10);
}

/**
 * Native tables standing in for the lake sources the views read, filled from the reader's staging views.
 * why stg_* and not the files: the reader is the public way in (the lake's layout is the lead's to change); each
 * staging view projects its source's columns unchanged except `bars`, whose source stores bar_seconds where the
 * view gives bar_end_at. If a source's columns change, change its select here.
 */
const NATIVE_SOURCES: { source: string; table: string; select: string }[] = [
  {
    source: 'bars',
    table: 'src_bars',
    select: `select symbol, interval, bar_start_at,
        ((epoch_us(bar_end_at) - epoch_us(bar_start_at)) // 1000000)::smallint as bar_seconds,
        session_date, open, high, low, close, volume, load_id
      from stg_lake__bars
      order by interval, date_trunc('month', session_date), symbol, bar_start_at`,
  },
  { source: 'splits', table: 'src_splits', select: 'select * from stg_lake__splits order by symbol, date' },
  { source: 'sessions', table: 'src_sessions', select: 'select * from stg_calendar__sessions' },
  { source: 'eod_bars', table: 'src_eod_bars', select: 'select * from stg_lake__eod_bars' },
  { source: 'dividends', table: 'src_dividends', select: 'select * from stg_lake__dividends' },
];

/**
 * Creates the views of sql/ in the native file over the native tables; a source with no native table (the
 * trading books) reads as a typed empty relation, as on an empty lake. Returns the names created.
 */
async function createNativeViews(con: DuckDBConnection): Promise<string[]> {
  const { createViews } = await import('../../etl/publish/warehouse-views.ts');
  const { sourceRelationSql } = await import('../../etl/publish/lake-sources.ts');
  const tables = new Map(NATIVE_SOURCES.map((s) => [s.source, s.table]));
  return createViews(con, (source) => tables.get(source.name) ?? sourceRelationSql(source, []));
}

/** Spawns a process and resolves with its stdout (through a file), its wall time in ms and its exit code. */
async function runProcess(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  stdoutFile: string,
): Promise<{ stdout: string; ms: number; code: number }> {
  const fd = fs.openSync(stdoutFile, 'w');
  try {
    const t0 = performance.now();
    const child = spawn(command, argv, { cwd: repoRoot, env, stdio: ['ignore', fd, 'inherit'] });
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c ?? 1));
    });
    const ms = performance.now() - t0;
    return { stdout: fs.readFileSync(stdoutFile, 'utf8'), ms, code };
  } finally {
    fs.closeSync(fd);
  }
}

export default async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      symbols: { type: 'string', default: '300' },
      months: { type: 'string', default: '12' },
      from: { type: 'string', default: '2024-01-01' },
      runs: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '8' },
      keep: { type: 'string' },
    },
  });
  const say = (text: string) => process.stderr.write(`${text}\n`);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { sessionsBetween } = await import('../../etl/core/calendar.ts');
  const { simStockList } = await import('../../etl/sim/simulator.ts');
  const { openWarehouseReader } = await import('../../etl/publish/warehouse-reader.ts');
  const { createViews, readViewDefinitions } = await import('../../etl/publish/warehouse-views.ts');
  const { readWarehouseSnapshot, snapshotRelation } = await import('../../etl/publish/warehouse-snapshot.ts');

  const nSymbols = Number(values.symbols);
  const months = Number(values.months);
  const runs = Number(values.runs);
  const from = values.from!;
  const to = endOfRange(from, months);
  // why NVDA and AAPL first: real splits in the simulator (NVDA 10:1 on 2024-06-10), never thin.
  const preferred = ['NVDA', 'AAPL'];
  const symbols = [...preferred, ...simStockList().filter((s) => !preferred.includes(s))].slice(0, nSymbols);

  const root = values.keep
    ? path.resolve(values.keep)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-bench-query-'));
  fs.mkdirSync(root, { recursive: true });
  const warehouseDir = path.join(root, 'warehouse');
  const nativeFile = path.join(root, 'native.duckdb');
  const markerFile = path.join(root, 'bench-query.json');
  const wanted = { symbols: nSymbols, from, to };
  const marker = fs.existsSync(markerFile)
    ? (JSON.parse(fs.readFileSync(markerFile, 'utf8')) as typeof wanted & {
        native?: boolean;
        load_s?: number;
      })
    : undefined;
  const reuse =
    values.keep !== undefined && marker?.symbols === nSymbols && marker.from === from && marker.to === to;
  try {
    // 1. Load through the ETL's CLI, as a user would.
    let loadS = marker?.load_s ?? 0;
    if (!reuse) {
      fs.rmSync(warehouseDir, { recursive: true, force: true });
      fs.rmSync(nativeFile, { force: true });
      fs.rmSync(markerFile, { force: true });
      const tickersFile = path.join(root, 'tickers.txt');
      fs.writeFileSync(tickersFile, `${symbols.join('\n')}\n`);
      const sim = await startSimChild();
      try {
        say(`load: mqs etl, ${symbols.length} symbols, 1min + splits, ${from}..${to}`);
        const t0 = performance.now();
        const etl = await runProcess(
          process.execPath,
          [
            'scripts/mqs.mjs',
            'etl',
            '--tickers-file',
            tickersFile,
            '--interval',
            '1min',
            '--datasets',
            'intraday,splits',
            '--from',
            from,
            '--to',
            to,
            '--concurrency',
            values.concurrency!,
            '--json',
          ],
          {
            ...process.env,
            WAREHOUSE_DIR: warehouseDir,
            FMP_BASE_URL: sim.url,
            FMP_API_KEY: sim.apiKey,
            FMP_RATE_LIMIT_PER_MIN: '100000',
            LOG_LEVEL: 'warn',
          },
          path.join(root, 'etl-summary.json'),
        );
        loadS = (performance.now() - t0) / 1000;
        if (etl.code !== 0) throw new Error(`mqs etl exited with ${etl.code}: ${etl.stdout.slice(-2000)}`);
        say(`load: ${loadS.toFixed(1)} s`);
      } finally {
        sim.close();
      }
      fs.writeFileSync(markerFile, JSON.stringify({ ...wanted, load_s: loadS }));
    } else say(`load: reusing ${warehouseDir}`);

    // 2. The native reference, filled through the reader.
    let nativeBuildS = 0;
    if (!reuse || !marker?.native || !fs.existsSync(nativeFile)) {
      fs.rmSync(nativeFile, { force: true });
      const t0 = performance.now();
      // why: the members' reader is sandboxed (it opens no file outside its snapshot), so the copy runs in the
      // native file's own instance over views of the same snapshot, as the CLI catalog builds them.
      const builder = await DuckDBInstance.create(nativeFile);
      try {
        const con = await builder.connect();
        await con.run("set TimeZone = 'UTC'");
        await createViews(con, snapshotRelation(readWarehouseSnapshot(warehouseDir)));
        for (const s of NATIVE_SOURCES) await con.run(`create table ${s.table} as ${s.select}`);
        for (const view of readViewDefinitions().reverse()) await con.run(`drop view if exists ${view.name}`);
        con.closeSync();
      } finally {
        builder.closeSync();
      }
      const instance = await DuckDBInstance.create(nativeFile);
      try {
        const con = await instance.connect();
        await con.run("set TimeZone = 'UTC'");
        await createNativeViews(con);
        await con.run('checkpoint');
        con.closeSync();
      } finally {
        instance.closeSync();
      }
      nativeBuildS = (performance.now() - t0) / 1000;
      say(`native reference: ${nativeFile} built in ${nativeBuildS.toFixed(1)} s`);
      if (values.keep) {
        const current = JSON.parse(fs.readFileSync(markerFile, 'utf8')) as object;
        fs.writeFileSync(markerFile, JSON.stringify({ ...current, native: true }));
      }
    }

    // 3. Warm queries.
    const reader = await openWarehouseReader(warehouseDir);
    const nativeInstance = await DuckDBInstance.create(nativeFile, { access_mode: 'READ_ONLY' });
    const native = await nativeInstance.connect();
    await native.run("set TimeZone = 'UTC'");
    const report: Record<string, unknown> = {};
    let queries: { name: string; sql: string }[] = [];
    try {
      const scalar = async (sql: string) => (await reader.query(sql)).getRowsJS()[0]?.[0];
      const bars = Number(await scalar('select count(*) from bars'));
      const range = sessionsBetween(from, to);
      // one month in the middle of the range (the 3rd when there are more than 2), and a session inside it
      const month = endOfRange(from, Math.min(3, months)).slice(0, 7);
      const monthSessions = range.filter((s) => s.date.startsWith(month));
      const session = monthSessions[Math.min(9, monthSessions.length - 1)]!.date;
      const monthFirst = `${month}-01`;
      const monthNext = endOfRange(monthFirst, 2).slice(0, 7) + '-01';
      // why a split after the first session: every bar before it is adjusted (adj_close differs from close);
      // one inside the range is preferred (NVDA's 10:1 on 2024-06-10 when 2024 is loaded).
      const splitSymbol = (await scalar(
        `select symbol from splits where date > date '${from}'
         order by date <= date '${to}' desc, symbol = 'NVDA' desc, symbol limit 1`,
      )) as string | undefined;
      if (!splitSymbol) throw new Error(`no loaded symbol has a split after ${from}`);
      const symbol = symbols.includes('AAPL') ? 'AAPL' : symbols[0]!;
      queries = [
        {
          name: 'q1_symbol_month',
          sql: `from bars where symbol = '${symbol}' and interval = '1min' and session_date >= date '${monthFirst}' and session_date < date '${monthNext}' order by bar_start_at`,
        },
        {
          name: 'q2_session_last_close',
          sql: `select symbol, arg_max(close, bar_start_at) as last_close, sum(volume) as volume from bars where interval = '1min' and session_date = date '${session}' group by symbol order by symbol`,
        },
        { name: 'q3_daily_ohlcv', sql: 'from bars_daily order by symbol, session_date' },
        {
          name: 'q4_mean_volume',
          sql: 'select symbol, avg(volume) as mean_volume from bars group by symbol order by symbol',
        },
        {
          name: 'q5_adjusted_history',
          sql: `select bar_start_at, adj_close from bars where symbol = '${splitSymbol}' and interval = '1min' order by bar_start_at`,
        },
      ];
      say(`${bars} bars; warm queries, median of ${runs} after one warm-up`);
      // why interleaved: the box may be shared; alternating the sides spreads any load over both.
      const timedPair = async (lake: () => Promise<unknown>, nat: () => Promise<unknown>) => {
        await lake();
        await nat();
        const lakeMs: number[] = [];
        const nativeMs: number[] = [];
        for (let i = 0; i < runs; i++) {
          let t0 = performance.now();
          await lake();
          lakeMs.push(performance.now() - t0);
          t0 = performance.now();
          await nat();
          nativeMs.push(performance.now() - t0);
        }
        return [median(lakeMs), median(nativeMs)] as const;
      };
      const checksumSql = (sql: string) =>
        `select count(*)::bigint as n, coalesce(sum(hash(q)), 0)::varchar as checksum from (${sql}) q`;
      const results: Record<string, unknown> = {};
      for (const q of queries) {
        const [lakeMs, nativeMs] = await timedPair(
          () => reader.query(q.sql),
          () => native.runAndReadAll(q.sql),
        );
        const [lakeN, lakeSum] = (await reader.query(checksumSql(q.sql))).getRowsJS()[0]!;
        const [nativeN, nativeSum] = (await native.runAndReadAll(checksumSql(q.sql))).getRowsJS()[0]!;
        if (lakeN !== nativeN || lakeSum !== nativeSum) {
          throw new Error(
            `${q.name}: lake and native results differ: lake ${lakeN} rows, checksum ${lakeSum}; native ${nativeN} rows, checksum ${nativeSum}\n${q.sql}`,
          );
        }
        if (Number(lakeN) === 0) throw new Error(`${q.name}: no rows\n${q.sql}`);
        const ratio = round(lakeMs / nativeMs, 2);
        results[q.name] = {
          lake_ms: round(lakeMs),
          native_ms: round(nativeMs),
          ratio,
          rows: Number(lakeN),
          checksum: String(lakeSum),
        };
        say(
          `${q.name}: lake ${lakeMs.toFixed(1)} ms, native ${nativeMs.toFixed(1)} ms, ratio ${ratio} (${lakeN} rows, identical)`,
        );
      }
      // Files the lake side opens for query 1 (EXPLAIN ANALYZE's "Total Files Read", summed over its scans).
      const plan = (await reader.query(`explain analyze ${queries[0]!.sql}`)).getRowsJS();
      const text = plan.map((r) => r.map(String).join('\n')).join('\n');
      const filesRead = [...text.matchAll(/Total Files Read:\s*(\d+)/g)].reduce(
        (a, m) => a + Number(m[1]),
        0,
      );
      const ratios = Object.values(results).map((r) => (r as { ratio: number }).ratio);
      Object.assign(report, {
        symbols: symbols.length,
        months,
        from,
        to,
        bars,
        load_s: round(loadS),
        native_build_s: round(nativeBuildS),
        query_symbol: symbol,
        query_month: month,
        query_session: session,
        query_split_symbol: splitSymbol,
        queries: results,
        ratio_goal: RATIO_GOAL,
        ratio_max: Math.max(...ratios),
        ratio_goal_met: ratios.every((r) => r <= RATIO_GOAL),
        q1_files_read: filesRead,
        // why: the ratios are only as good as the box is quiet; the 1-minute load average when the queries ended
        load_avg_1m: round(os.loadavg()[0]!, 1),
        cpus: os.cpus().length,
      });
    } finally {
      native.closeSync();
      nativeInstance.closeSync();
      reader.close();
    }

    // 4. Cold: a fresh process per query, each side.
    const q1 = queries[0]!.sql;
    const cliEnv = { ...process.env, WAREHOUSE_DIR: warehouseDir, LOG_LEVEL: 'warn' };
    const coldLake: number[] = [];
    const coldNative: number[] = [];
    const coldFloor: number[] = [];
    const out = path.join(root, 'cold-out.json');
    for (let i = 0; i < runs; i++) {
      const lake = await runProcess(process.execPath, ['scripts/mqs.mjs', 'sql', '--json', q1], cliEnv, out);
      const nat = await runProcess(
        process.execPath,
        ['scripts/bench/_query-native-process.mjs', nativeFile, q1],
        process.env,
        out,
      );
      const floor = await runProcess(
        process.execPath,
        ['scripts/mqs.mjs', 'sql', '--json', 'select 1'],
        cliEnv,
        out,
      );
      if (lake.code !== 0 || nat.code !== 0 || floor.code !== 0)
        throw new Error(`cold run failed: mqs sql ${lake.code}, native ${nat.code}, select 1 ${floor.code}`);
      if (lake.stdout !== nat.stdout)
        throw new Error(`cold run: mqs sql and the native process printed different rows for\n${q1}`);
      coldLake.push(lake.ms);
      coldNative.push(nat.ms);
      coldFloor.push(floor.ms);
    }
    const coldLakeMs = median(coldLake);
    const coldNativeMs = median(coldNative);
    Object.assign(report, {
      cold_lake_ms: round(coldLakeMs),
      cold_native_ms: round(coldNativeMs),
      cold_ratio: round(coldLakeMs / coldNativeMs, 2),
      cold_mqs_sql_select_1_ms: round(median(coldFloor)),
    });
    say(
      `cold q1: mqs sql ${coldLakeMs.toFixed(0)} ms, native process ${coldNativeMs.toFixed(0)} ms (mqs sql "select 1": ${median(coldFloor).toFixed(0)} ms)`,
    );

    // 5. Bytes a bar.
    const bars = report.bars as number;
    const etlBytes = ['etl.duckdb', 'etl.duckdb.wal'].reduce(
      (a, f) => a + fileBytes(path.join(warehouseDir, f)),
      0,
    );
    const totalBytes = dirBytes(warehouseDir);
    Object.assign(report, {
      warehouse_bytes: totalBytes,
      bytes_per_bar_total: round(totalBytes / bars, 2),
      bytes_per_bar_lake: round(dirBytes(path.join(warehouseDir, 'lake')) / bars, 2),
      bytes_per_bar_etl_duckdb: round(etlBytes / bars, 2),
      bytes_per_bar_other: round(
        (totalBytes - etlBytes - dirBytes(path.join(warehouseDir, 'lake'))) / bars,
        2,
      ),
      bytes_per_bar_native: round(fileBytes(nativeFile) / bars, 2),
      bytes_per_bar_goal: BYTES_PER_BAR_GOAL,
      bytes_goal_met: totalBytes / bars <= BYTES_PER_BAR_GOAL,
    });
    say(
      `bytes a bar: ${report.bytes_per_bar_total} in all (lake ${report.bytes_per_bar_lake}, etl.duckdb ${report.bytes_per_bar_etl_duckdb}); native file ${report.bytes_per_bar_native}`,
    );
    say(`goals: every ratio ≤ ${RATIO_GOAL}, bytes_per_bar_total ≤ ${BYTES_PER_BAR_GOAL}`);
    process.stdout.write(
      values.json ? `${JSON.stringify(report)}\n` : `${JSON.stringify(report, null, 2)}\n`,
    );
  } finally {
    if (!values.keep) fs.rmSync(root, { recursive: true, force: true });
  }
}
