/**
 * Backtest replay speed: the momentum example over the simulator's 1-minute bars (default 500 symbols × 2024),
 * generated in-process straight into the backtest's typed arrays. Measures the replay loop alone (bars/s) and,
 * side by side in the same run, two references over the same bars: a bare scan of the closes in bar-close order
 * (the memory-bound ceiling) and an object-per-bar event loop (how row-based backtesters replay).
 * Usage: npm run bench -- backtest [--json] [--symbols 500] [--from 2024-01-01] [--to 2024-12-31]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../etl/core/errors.ts';
import { MS_PER_DAY, MS_PER_MINUTE, nyDateTimeToUtcMs } from '../../etl/core/time.ts';
import { simIntradayColumns } from '../../etl/sim/sim-intraday.ts';
import { simSessions } from '../../etl/sim/sim-sessions.ts';
import { runBacktestOnColumns } from '../../portfolios/backtest-engine.ts';
import type { BarColumns } from '../../portfolios/bar-columns.ts';
import momentum from '../../portfolios/momentum/strategy.ts';
import { parsePortfolioConfig } from '../../portfolios/portfolio-config.ts';

const BACKTRADER_BARS_PER_SEC = 15_000;
const GOAL_BARS_PER_SEC = 1_000_000;
const REGULAR_MINUTES = 390;

function universe(count: number): string[] {
  const file = path.join(import.meta.dirname, '..', '..', 'etl', 'sim', 'sim-universe.txt');
  const symbols = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (count > symbols.length)
    throw new UsageError(`--symbols ${count}: the simulator knows ${symbols.length}`);
  return symbols.slice(0, count).sort();
}

/** Generates the simulator's regular-session 1-minute bars straight into BarColumns (counting sort by slot). */
function generate(symbols: string[], from: string, to: string): BarColumns {
  const index = simSessions();
  const first = index.firstOnOrAfter(from);
  const last = index.lastOnOrBefore(to);
  const sessionCount = last - first + 1;
  const capacity = symbols.length * sessionCount * REGULAR_MINUTES;
  const c = {
    startAt: new Float64Array(capacity),
    endAt: new Float64Array(capacity),
    sessionDay: new Int32Array(capacity),
    open: new Float64Array(capacity),
    high: new Float64Array(capacity),
    low: new Float64Array(capacity),
    close: new Float64Array(capacity),
    volume: new Float64Array(capacity),
  };
  const slotOf = new Int32Array(capacity);
  const symbolStart = new Int32Array(symbols.length + 1);
  const nowMs = nyDateTimeToUtcMs(index.sessions[last]!.date, 20, 0);
  let n = 0;
  symbols.forEach((symbol, s) => {
    symbolStart[s] = n;
    const bars = simIntradayColumns(symbol, '1min', from, to, { nowMs, asOf: to });
    for (let i = 0; i < bars.length; i++) {
      const session = index.sessions[bars.sessionIndex[i]!]!;
      const offset = bars.minute[i]! - 570;
      if (offset < 0 || offset >= REGULAR_MINUTES) continue;
      const startAt = session.openAt + offset * MS_PER_MINUTE;
      c.startAt[n] = startAt;
      c.endAt[n] = Math.min(startAt + MS_PER_MINUTE, session.closeAt);
      c.sessionDay[n] = Math.round(Date.parse(`${session.date}T00:00:00Z`) / MS_PER_DAY);
      c.open[n] = bars.open[i]!;
      c.high[n] = bars.high[i]!;
      c.low[n] = bars.low[i]!;
      c.close[n] = bars.close[i]!;
      c.volume[n] = bars.volume[i]!;
      slotOf[n] = (bars.sessionIndex[i]! - first) * REGULAR_MINUTES + offset;
      n++;
    }
  });
  symbolStart[symbols.length] = n;
  const slots = sessionCount * REGULAR_MINUTES;
  const slotStart = new Int32Array(slots + 1);
  for (let r = 0; r < n; r++) slotStart[slotOf[r]! + 1]!++;
  for (let k = 0; k < slots; k++) slotStart[k + 1]! += slotStart[k]!;
  const eventRow = new Int32Array(n);
  const eventSymbol = new Int32Array(n);
  for (let s = 0; s < symbols.length; s++) {
    for (let r = symbolStart[s]!; r < symbolStart[s + 1]!; r++) {
      const e = slotStart[slotOf[r]!]!++;
      eventRow[e] = r;
      eventSymbol[e] = s;
    }
  }
  return {
    symbols,
    symbolStart,
    startAt: c.startAt.subarray(0, n),
    endAt: c.endAt.subarray(0, n),
    sessionDay: c.sessionDay.subarray(0, n),
    open: c.open.subarray(0, n),
    high: c.high.subarray(0, n),
    low: c.low.subarray(0, n),
    close: c.close.subarray(0, n),
    volume: c.volume.subarray(0, n),
    eventRow,
    eventSymbol,
  };
}

/** The memory-bound ceiling: read every close once in bar-close order. */
function scan(columns: BarColumns): number {
  let sum = 0;
  const { eventRow, close } = columns;
  for (let e = 0; e < eventRow.length; e++) sum += close[eventRow[e]!]!;
  return sum;
}

/** A row-based replay: one object per bar, appended to per-symbol histories, a momentum check per bar. */
function objectLoop(columns: BarColumns, limit: number): number {
  interface Bar {
    symbol: string;
    start: Date;
    end: Date;
    open: number;
    high: number;
    low: number;
    close: number;
    volume: number;
  }
  const history = new Map<string, Bar[]>();
  let signals = 0;
  const n = Math.min(limit, columns.eventRow.length);
  for (let e = 0; e < n; e++) {
    const r = columns.eventRow[e]!;
    const symbol = columns.symbols[columns.eventSymbol[e]!]!;
    const bar: Bar = {
      symbol,
      start: new Date(columns.startAt[r]!),
      end: new Date(columns.endAt[r]!),
      open: columns.open[r]!,
      high: columns.high[r]!,
      low: columns.low[r]!,
      close: columns.close[r]!,
      volume: columns.volume[r]!,
    };
    let h = history.get(symbol);
    if (!h) {
      h = [];
      history.set(symbol, h);
    }
    h.push(bar);
    if (h.length > 1 && Math.abs(bar.close / h[h.length - 2]!.close - 1) > 0.01) signals++;
  }
  return signals;
}

export default async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      symbols: { type: 'string', default: '500' },
      from: { type: 'string', default: '2024-01-01' },
      to: { type: 'string', default: '2024-12-31' },
    },
  });
  const symbolCount = Number(values.symbols);
  if (!Number.isInteger(symbolCount) || symbolCount < 1)
    throw new UsageError('--symbols must be a positive integer');
  const symbols = universe(symbolCount);
  const t0 = performance.now();
  const columns = generate(symbols, values.from!, values.to!);
  const generateSec = (performance.now() - t0) / 1000;
  const bars = columns.eventRow.length;
  const config = parsePortfolioConfig(
    {
      name: 'bench momentum',
      strategy: { name: 'momentum', params: {} },
      universe: symbols,
      interval: '1min',
      capitalShare: 1,
      risk: { maxWeightPerName: Math.min(1, 2 / symbolCount), minCashFraction: 0.02 },
    },
    'bench',
  );
  const params = momentum.params.parse({ threshold: 0.01, weight: 1 / symbolCount });
  // why: a short warm-up so V8 has compiled the hot path before the timed run (the timed run is separate).
  runBacktestOnColumns({
    portfolioId: 'warmup',
    config,
    strategy: momentum.create(params, symbols),
    columns: { ...columns, eventRow: columns.eventRow.subarray(0, Math.min(bars, 200_000)) },
    allocatedCapital: 1_000_000,
  });
  const t1 = performance.now();
  const result = runBacktestOnColumns({
    portfolioId: 'momentum',
    config,
    strategy: momentum.create(params, symbols),
    columns,
    allocatedCapital: 1_000_000,
  });
  const replaySec = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  const checksum = scan(columns);
  const scanSec = (performance.now() - t2) / 1000;
  const objectBars = Math.min(bars, 5_000_000);
  const t3 = performance.now();
  const objectSignals = objectLoop(columns, objectBars);
  const objectSec = (performance.now() - t3) / 1000;
  const barsPerSec = bars / replaySec;
  const report = {
    bench: 'backtest',
    portfolio: 'momentum',
    symbols: symbolCount,
    from: values.from,
    to: values.to,
    sessions: result.metrics.sessions,
    bars,
    generateSec: +generateSec.toFixed(2),
    replaySec: +replaySec.toFixed(3),
    barsPerSec: Math.round(barsPerSec),
    goalBarsPerSec: GOAL_BARS_PER_SEC,
    meetsGoal: barsPerSec >= GOAL_BARS_PER_SEC,
    scanBarsPerSec: Math.round(bars / scanSec),
    replayVsScan: +(barsPerSec / (bars / scanSec)).toFixed(3),
    objectLoopBarsPerSec: Math.round(objectBars / objectSec),
    replayVsObjectLoop: +(barsPerSec / (objectBars / objectSec)).toFixed(2),
    replayVsBacktraderAnchor: +(barsPerSec / BACKTRADER_BARS_PER_SEC).toFixed(1),
    trades: result.metrics.trades,
    refusedOrders: result.metrics.refusedOrders,
    totalReturn: result.metrics.totalReturn,
    rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    scanChecksum: Math.round(checksum),
    objectLoopSignals: objectSignals,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else
    process.stdout.write(
      `backtest replay: ${report.bars} bars (${symbolCount} symbols, ${report.sessions} sessions) in ${report.replaySec} s = ${report.barsPerSec.toLocaleString('en-US')} bars/s (goal ${GOAL_BARS_PER_SEC.toLocaleString('en-US')})\n` +
        `  vs bare scan ${report.scanBarsPerSec.toLocaleString('en-US')} bars/s (${report.replayVsScan}×), object-per-bar loop ${report.objectLoopBarsPerSec.toLocaleString('en-US')} bars/s (${report.replayVsObjectLoop}×), backtrader anchor 15,000 bars/s (${report.replayVsBacktraderAnchor}×)\n` +
        `  generated in ${report.generateSec} s; ${report.trades} trades, ${report.refusedOrders} refused; RSS ${report.rssMB} MB\n`,
    );
}
