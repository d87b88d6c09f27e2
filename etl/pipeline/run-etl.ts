/**
 * One ETL run: plan from the warehouse's window states, then extract → transform → load with bounded memory,
 * then publish the touched lake partitions. Failed windows are recorded (the next run retries them first).
 */

import type { AppContext } from '../core/app-context.ts';
import { sessionCount } from '../core/calendar.ts';
import type { Clock } from '../core/clock.ts';
import { isIntradayInterval } from '../core/intervals.ts';
import type { Logger } from '../core/log.ts';
import { formatDayNumber, type IsoDate, MS_PER_DAY } from '../core/time.ts';
import type { FmpClient } from '../extract/fmp-client.ts';
import type {
  FmpDividend,
  FmpEodBar,
  FmpIntradayColumns,
  FmpSplit,
  IntradayRequest,
} from '../extract/fmp-types.ts';
import { DATASETS, type WindowState } from '../load/etl-ledger.ts';
import type { IntradayCommit } from '../publish/etl-stage.ts';
import type { WarehouseWriter } from '../publish/warehouse-writer.ts';
import { filterIntradayColumns } from '../transform/filter-intraday-columns.ts';
import { transformIntraday } from '../transform/transform-intraday.ts';
import type { EtlOptions } from './etl-options.ts';
import { assertSameSource, type LoadSource, loadSourceOf } from './load-source.ts';
import {
  keyOf,
  type Plan,
  type PlannedWindow,
  planWindows,
  splitTruncatedWindow,
  type WindowKey,
} from './plan.ts';
import { type ClientCounters, RunProgress, startProgressReporter } from './run-progress.ts';
import { buildSummary, type EtlSummary } from './run-summary.ts';
import { type FailureAction, type FetchOutcome, runWindows } from './run-windows.ts';

/**
 * The ETL's writer: DuckDB buffer-pool cap (MB) and staged bars per flush. why: with the bounded fetch buffer they
 * keep a backfill's memory flat whatever the number of tickers (the writer's defaults are 1 GB and 1M bars); a
 * rewrite's or compaction's sort of a month spills beyond the cap. `npm run bench -- etl` (500 tickers × a month):
 * peak RSS 410 MB flushing every 1M bars, 353–366 at 800k, 386 at 600k (more files a partition), same speed.
 */
export const ETL_WRITER_MEMORY = { memoryLimitMb: 96, flushRows: 800_000 } as const;

/**
 * The ETL's writer (it holds the `etl` lock), with ETL_WRITER_MEMORY, refused (ConfigError, exit 2) when the data
 * it holds came from another source than `config`'s: before anything is planned, fetched or written.
 */
export async function openEtlWriter(
  { config, log, clock }: AppContext,
  options: { command: string; lockWaitMs?: number },
): Promise<WarehouseWriter> {
  const { openWarehouseWriter } = await import('../publish/warehouse-writer.ts');
  const writer = await openWarehouseWriter({
    warehouseDir: config.warehouseDir,
    log,
    clock,
    command: options.command,
    ...ETL_WRITER_MEMORY,
    lockWaitMs: options.lockWaitMs,
  });
  try {
    await assertSameSource(writer, loadSourceOf(config), config.warehouseDir);
  } catch (error) {
    writer.close();
    throw error;
  }
  return writer;
}

/**
 * Windows per commit and the fetch buffer. why: each commit pays a fixed cost (transaction, state rows, WAL sync),
 * so ~100+ windows (~250k 1-minute bars) per commit run the writer near its row rate; the buffer holds one batch
 * loading and one filling (1-minute windows: ~25 MB each), so memory stays bounded whatever the plan's size.
 */
export const DEFAULT_MAX_PER_LOAD = 128;
/**
 * Fewest windows per commit while more are coming (within runWindows' one-second fill wait). why: 96 one-minute
 * windows (~187k bars) fill more than one DuckDB row group, so the commit is written straight to the table file;
 * smaller commits sat in memory (~150 MB, spilling) until the final checkpoint compressed them again.
 */
export const DEFAULT_MIN_PER_LOAD = 96;
export const DEFAULT_MAX_BUFFERED = 256;

/** The FMP calls the ETL makes; the FMP client provides them (one shared limiter). */
export type EtlFmpSource = Pick<FmpClient, 'intradayBars' | 'eodBars' | 'splits' | 'dividends'>;

export interface RunEtlDeps {
  source: EtlFmpSource;
  /** Totals of the FMP client (requests, retries, 429s). */
  counters(): ClientCounters;
  writer: WarehouseWriter;
  log: Logger;
  clock: Clock;
  /** Requests in flight (the client's concurrency). */
  concurrency: number;
  /** The client's rate limit, requests per minute (for the progress display). */
  limitPerMin: number;
  /** Live progress: a terminal line (`tty`) or log lines; off when undefined. */
  progress?: { tty: boolean; write(text: string): void };
  /** Fetched windows waiting to load, at most (with those in flight and loading). Default DEFAULT_MAX_BUFFERED. */
  maxBuffered?: number;
  /** Windows per writer commit, at most. Default DEFAULT_MAX_PER_LOAD. */
  maxPerLoad?: number;
  /** The command line recorded in the loads ledger. */
  args?: unknown;
  /** Where `source` gets its data (FmpConnection.source), recorded in the loads ledger and the summary. */
  loadSource: LoadSource;
  signal?: AbortSignal;
}

type Payload =
  | { kind: 'bars'; commit: IntradayCommit }
  | { kind: 'eod_bars'; bars: FmpEodBar[] }
  | { kind: 'splits'; rows: FmpSplit[] }
  | { kind: 'dividends'; rows: FmpDividend[] };

/** The failure classes of the FMP client (`FmpError.kind`, etl/extract/fmp-errors.ts) → what the run does. */
export function classifyFailure(error: unknown): FailureAction {
  const kind = (error as { kind?: unknown } | null)?.kind;
  if (kind === 'auth' || kind === 'bandwidth') return 'stop';
  if (kind === 'symbol-not-in-plan') return 'skip-symbol';
  if (kind === 'endpoint-not-in-plan') return 'disable-endpoint';
  return 'fail-window';
}

/** New York date of the oldest bar in FMP's columns (labels are wall clock read as UTC). */
function oldestDateOf(columns: FmpIntradayColumns): IsoDate | undefined {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < columns.length; i++) if (columns.wallMs[i]! < min) min = columns.wallMs[i]!;
  return Number.isFinite(min) ? formatDayNumber(Math.floor(min / MS_PER_DAY)) : undefined;
}

/** The rows of sessions on or after `from` (the covered part of a truncated answer). */
function columnsFrom(columns: FmpIntradayColumns, from: IsoDate): FmpIntradayColumns {
  const fromMs = Date.parse(`${from}T00:00:00Z`);
  return filterIntradayColumns(columns, (wallMs) => wallMs >= fromMs);
}

/** Window states → the plan's inputs: what is stored (loaded or empty) and what failed. */
export function planInputsOf(states: readonly WindowState[]): { stored: WindowKey[]; failed: WindowKey[] } {
  const stored: WindowKey[] = [];
  const failed: WindowKey[] = [];
  for (const s of states) {
    // why: a dataset or bar interval this code does not know (stored by a later release) is not planned.
    const known = s.dataset === 'bars' ? isIntradayInterval(s.interval) : DATASETS.includes(s.dataset);
    if (known) (s.status === 'failed' ? failed : stored).push(keyOf(s));
  }
  return { stored, failed };
}

/** Plans a run from the warehouse's window states (also used by `--dry-run`). */
export async function planRun(
  options: EtlOptions,
  writer: Pick<WarehouseWriter, 'windowStates'>,
): Promise<Plan> {
  const { stored, failed } = planInputsOf(await writer.windowStates());
  return planWindows({
    symbols: options.symbols,
    intervals: options.intervals,
    datasets: options.datasets,
    from: options.from,
    to: options.to,
    stored,
    failedWindows: failed,
    windowDays: options.windowDays,
  });
}

export async function runEtl(options: EtlOptions, deps: RunEtlDeps): Promise<EtlSummary> {
  const { writer, source, log, clock } = deps;
  const startedAt = clock.now();
  const plan = await planRun(options, writer);
  const retries = plan.windows.filter((w) => w.retry).length;
  log.info(
    {
      symbols: options.symbols.length,
      windows: plan.windows.length,
      retries,
      sessions: plan.sessions,
      to: options.to,
    },
    'etl plan',
  );
  const loadId = await writer.beginLoad('etl', deps.args ?? null, deps.loadSource.id);
  const progress = new RunProgress(plan.windows, clock, deps.limitPerMin);
  const reporter = deps.progress
    ? startProgressReporter({
        progress,
        counters: deps.counters,
        clock,
        tty: deps.progress.tty,
        write: deps.progress.write,
        log,
      })
    : undefined;

  const fetchWindow = async (window: PlannedWindow, signal: AbortSignal): Promise<FetchOutcome<Payload>> => {
    progress.onFetch(window.dataset);
    if (window.dataset === 'bars') {
      const interval = window.interval as IntradayRequest['interval'];
      const columns = await source.intradayBars({
        symbol: window.symbol,
        interval,
        from: window.from,
        to: window.to,
        extended: options.extended,
        nonadjusted: true,
        signal,
      });
      const oldest = oldestDateOf(columns);
      let covered: PlannedWindow = window;
      let data = columns;
      const requeue: PlannedWindow[] = [];
      // why: FMP's silent caps keep the newest rows; a window whose data starts after its first session is cut.
      if (oldest !== undefined && oldest > window.from) {
        const split = splitTruncatedWindow(window, oldest);
        if (split.remainder) {
          const sessions = (from: IsoDate, to: IsoDate) => sessionCount(from, to);
          covered = { ...window, ...split.covered, sessions: sessions(split.covered.from, split.covered.to) };
          data = columnsFrom(columns, split.covered.from);
          requeue.push({
            ...window,
            ...split.remainder,
            sessions: sessions(split.remainder.from, split.remainder.to),
          });
        }
      }
      const result = transformIntraday(
        { symbol: window.symbol, interval, from: covered.from, to: covered.to },
        data,
        { loadId },
      );
      if (result.quarantined.length > 0) {
        log.warn(
          {
            symbol: window.symbol,
            interval,
            from: covered.from,
            to: covered.to,
            count: result.quarantined.length,
          },
          'bars quarantined',
        );
      }
      return {
        load: [
          {
            window: covered,
            payload: {
              kind: 'bars',
              commit: { window: result.window, batch: result.batch, quarantined: result.quarantined },
            },
          },
        ],
        requeue,
      };
    }
    if (window.dataset === 'eod_bars') {
      const bars = await source.eodBars({
        symbol: window.symbol,
        from: window.from,
        to: window.to,
        adjustment: 'non-split-adjusted',
        signal,
      });
      return { load: [{ window, payload: { kind: 'eod_bars', bars } }] };
    }
    if (window.dataset === 'splits') {
      const rows = await source.splits(window.symbol, { signal });
      return { load: [{ window, payload: { kind: 'splits', rows } }] };
    }
    const rows = await source.dividends(window.symbol, { signal });
    return { load: [{ window, payload: { kind: 'dividends', rows } }] };
  };

  const maxBuffered = deps.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  let result: Awaited<ReturnType<typeof runWindows<Payload>>>;
  try {
    result = await runWindows<Payload>({
      windows: plan.windows,
      fetch: fetchWindow,
      load: async (items) => {
        const rows: number[] = [];
        const intraday = items.flatMap((i) => (i.payload.kind === 'bars' ? [i.payload.commit] : []));
        if (intraday.length > 0) await writer.commitIntraday(intraday, loadId);
        for (const { window, payload } of items) {
          const dates = { symbol: window.symbol, from: window.from, to: window.to };
          if (payload.kind === 'bars') rows.push(payload.commit.batch.numRows);
          else if (payload.kind === 'eod_bars') {
            await writer.commitEod(dates, payload.bars, loadId);
            rows.push(payload.bars.length);
          } else if (payload.kind === 'splits') {
            await writer.commitSplits(dates, payload.rows, loadId);
            rows.push(payload.rows.length);
          } else {
            await writer.commitDividends(dates, payload.rows, loadId);
            rows.push(payload.rows.length);
          }
        }
        return rows;
      },
      recordFailure: async (window, error) => {
        log.warn({ ...keyOf(window), err: error }, 'window failed');
        await writer.recordFailure(keyOf(window), error, loadId);
      },
      classify: classifyFailure,
      maxInFlight: deps.concurrency,
      maxBuffered,
      maxPerLoad: deps.maxPerLoad ?? DEFAULT_MAX_PER_LOAD,
      // why: runWindows caps it at maxPerLoad itself, but refuses one its buffer cannot hold.
      minPerLoad: Math.max(1, Math.min(DEFAULT_MIN_PER_LOAD, maxBuffered - deps.concurrency)),
      onEvent: (event) => progress.onEvent(event),
      signal: deps.signal,
    });
  } finally {
    reporter?.stop();
  }

  const summary = buildSummary({
    loadId,
    source: deps.loadSource,
    symbols: options.symbols.length,
    to: options.to,
    progress,
    counters: deps.counters(),
    durationMs: clock.now() - startedAt,
    failed: result.failed,
    stoppedBy: result.stoppedBy,
  });
  const published = await writer.publish();
  log.info({ published }, 'lake published');
  await writer.finishLoad(loadId, {
    status: result.stoppedBy !== undefined ? 'failed' : result.failed.length > 0 ? 'partial' : 'ok',
    ...summary,
  });
  summary.duration_s = Math.round((clock.now() - startedAt) / 100) / 10;
  return summary;
}
