/**
 * Counting a run as it goes: symbols and windows done, rows, requests per minute against the limit, retries and
 * an ETA. On a terminal one status line is redrawn in place; otherwise a log line now and then.
 */
import type { Clock } from '../core/clock.ts';
import { formatDuration, formatInt } from '../core/human-numbers.ts';
import type { Logger } from '../core/log.ts';
import type { Dataset } from './plan.ts';
import type { WindowEvent } from './run-windows.ts';

/** Counters the FMP client keeps (totals since it was created). */
export interface ClientCounters {
  /** HTTP requests sent, retries included. */
  requests: number;
  retries: number;
  http429: number;
}

export interface DatasetTotals {
  loaded: number;
  empty: number;
  failed: number;
  skipped: number;
  rows: number;
  /** Windows fetched (each truncated answer's rest counts again). */
  fetches: number;
}

export interface ProgressSnapshot {
  symbolsDone: number;
  symbolsTotal: number;
  windowsDone: number;
  windowsTotal: number;
  rows: number;
  requests: number;
  /** Requests started in the last minute (or since the start when shorter), per minute. */
  requestsPerMin: number;
  limitPerMin: number;
  retries: number;
  http429: number;
  /** Seconds left at the recent pace; undefined until there is a pace. */
  etaSec: number | undefined;
  elapsedSec: number;
}

const emptyTotals = (): DatasetTotals => ({
  loaded: 0,
  empty: 0,
  failed: 0,
  skipped: 0,
  rows: 0,
  fetches: 0,
});

export class RunProgress {
  readonly byDataset = new Map<Dataset, DatasetTotals>();
  private readonly remainingBySymbol = new Map<string, number>();
  private windowsTotal: number;
  private windowsDone = 0;
  private rows = 0;
  private readonly startedAt: number;
  private readonly samples: Array<{ at: number; requests: number; windowsDone: number }> = [];

  constructor(
    windows: ReadonlyArray<{ symbol: string; dataset: Dataset }>,
    private readonly clock: Clock,
    private readonly limitPerMin: number,
  ) {
    this.windowsTotal = windows.length;
    for (const w of windows) {
      this.remainingBySymbol.set(w.symbol, (this.remainingBySymbol.get(w.symbol) ?? 0) + 1);
      if (!this.byDataset.has(w.dataset)) this.byDataset.set(w.dataset, emptyTotals());
    }
    this.startedAt = clock.now();
    // why a sample at the start: the requests sent before the first snapshot (the limiter's first minute often
    // goes out in one burst) count in the first minute's rate.
    this.samples.push({ at: this.startedAt, requests: 0, windowsDone: 0 });
  }

  private totals(dataset: Dataset): DatasetTotals {
    let t = this.byDataset.get(dataset);
    if (!t) {
      t = emptyTotals();
      this.byDataset.set(dataset, t);
    }
    return t;
  }

  /** Counts one fetch of a window (call it when a fetch starts). */
  onFetch(dataset: Dataset): void {
    this.totals(dataset).fetches++;
  }

  onEvent(event: WindowEvent): void {
    const t = this.totals(event.window.dataset);
    const symbol = event.window.symbol;
    if (event.kind === 'split') {
      this.windowsTotal += event.requeued.length;
      this.remainingBySymbol.set(symbol, (this.remainingBySymbol.get(symbol) ?? 0) + event.requeued.length);
      return;
    }
    if (event.kind === 'loaded') {
      t.loaded++;
      t.rows += event.rows;
      this.rows += event.rows;
    } else if (event.kind === 'empty') t.empty++;
    else if (event.kind === 'failed') t.failed++;
    else t.skipped++;
    this.windowsDone++;
    this.remainingBySymbol.set(symbol, (this.remainingBySymbol.get(symbol) ?? 1) - 1);
  }

  snapshot(counters: ClientCounters): ProgressSnapshot {
    const now = this.clock.now();
    this.samples.push({ at: now, requests: counters.requests, windowsDone: this.windowsDone });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= 60_000) this.samples.shift();
    const first = this.samples[0]!;
    const spanMs = Math.max(now - first.at, 1);
    // why over a minute at least: FMP's limit counts requests a minute, and a burst extrapolated from a few
    // seconds would read as several times the limit; this is the requests of the last minute.
    const requestsPerMin = ((counters.requests - first.requests) / Math.max(spanMs, 60_000)) * 60_000;
    const windowsPerMs = this.samples.length > 1 ? (this.windowsDone - first.windowsDone) / spanMs : 0;
    const left = this.windowsTotal - this.windowsDone;
    let symbolsDone = 0;
    for (const n of this.remainingBySymbol.values()) if (n <= 0) symbolsDone++;
    return {
      symbolsDone,
      symbolsTotal: this.remainingBySymbol.size,
      windowsDone: this.windowsDone,
      windowsTotal: this.windowsTotal,
      rows: this.rows,
      requests: counters.requests,
      requestsPerMin,
      limitPerMin: this.limitPerMin,
      retries: counters.retries,
      http429: counters.http429,
      etaSec: left === 0 ? 0 : windowsPerMs > 0 ? left / windowsPerMs / 1000 : undefined,
      elapsedSec: (now - this.startedAt) / 1000,
    };
  }
}

export function formatProgressLine(s: ProgressSnapshot): string {
  const eta = s.etaSec === undefined ? '?' : formatDuration(s.etaSec);
  return (
    `symbols ${s.symbolsDone}/${s.symbolsTotal}  windows ${s.windowsDone}/${s.windowsTotal}  ` +
    `rows ${formatInt(s.rows)}  req/min ${Math.round(s.requestsPerMin)}/${s.limitPerMin}  ` +
    `retries ${s.retries}  429s ${s.http429}  ETA ${eta}`
  );
}

export interface ProgressReporterOptions {
  progress: RunProgress;
  counters(): ClientCounters;
  clock: Clock;
  /** True when stderr is a terminal: redraw one line in place. */
  tty: boolean;
  /** Where the terminal line goes (stderr). */
  write(text: string): void;
  log: Logger;
  /** Redraw period on a terminal, ms. Default 500. */
  ttyIntervalMs?: number;
  /** Log period otherwise, ms. Default 15 000. */
  logIntervalMs?: number;
}

/** Starts the live display; `stop()` clears the terminal line. */
export function startProgressReporter(options: ProgressReporterOptions): { stop(): void } {
  const period = options.tty ? (options.ttyIntervalMs ?? 500) : (options.logIntervalMs ?? 15_000);
  const show = () => {
    const snap = options.progress.snapshot(options.counters());
    if (options.tty) options.write(`\r\x1b[2K${formatProgressLine(snap)}`);
    else options.log.info({ progress: snap }, 'etl progress');
  };
  const timer = setInterval(show, period);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      if (options.tty) options.write('\r\x1b[2K');
    },
  };
}
