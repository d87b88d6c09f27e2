/**
 * Planning: which (dataset, symbol, interval, from, to) windows a run must fetch. Pure: the stored watermarks and
 * failed windows come in, the windows come out. Sessions only (the calendar), windows sized per interval to what
 * FMP serves whole (docs/fmp.md#silent-range-caps), failed windows of earlier runs first.
 */
import { sessionCount, sessionsBetween } from '../core/calendar.ts';
import { UsageError } from '../core/errors.ts';
import { expectedBarCount, type IntradayInterval } from '../core/intervals.ts';
import { addDays, daysBetween, type IsoDate } from '../core/time.ts';
import { DATASETS, type Dataset, type WindowInterval, type WindowKey } from '../load/etl-ledger.ts';

export type { Dataset, WindowKey };

/** Only the key of a window (a stored state or a planned window carries more). */
export function keyOf(w: WindowKey): WindowKey {
  return { dataset: w.dataset, symbol: w.symbol, interval: w.interval, from: w.from, to: w.to };
}

/** why: the names `mqs etl --datasets` took before the datasets were named after their tables (crontabs keep them). */
const EARLIER_NAMES: Record<string, Dataset> = { intraday: 'bars', daily: 'eod_bars' };

export function parseDatasets(values: readonly string[]): Dataset[] {
  const out: Dataset[] = [];
  for (const raw of values.flatMap((v) => v.split(','))) {
    const given = raw.trim();
    if (given === '') continue;
    const name = EARLIER_NAMES[given] ?? given;
    if (!(DATASETS as readonly string[]).includes(name)) {
      throw new UsageError(
        `--datasets: unknown dataset ${JSON.stringify(given)}: use one of ${DATASETS.join(', ')}`,
      );
    }
    if (!out.includes(name as Dataset)) out.push(name as Dataset);
  }
  if (out.length === 0) throw new UsageError(`--datasets: name at least one of ${DATASETS.join(', ')}`);
  return out;
}

export interface PlannedWindow extends WindowKey {
  /** Trading sessions in [from, to]. */
  sessions: number;
  /** True when the window failed in an earlier run and is retried. */
  retry: boolean;
}

/** Maximum calendar days per request for each intraday interval (docs/fmp.md#silent-range-caps). */
export const DEFAULT_WINDOW_DAYS: Record<IntradayInterval, number> = {
  '1min': 5,
  '5min': 7,
  '15min': 14,
  '30min': 14,
  '1hour': 30,
  '4hour': 90,
};

/** Most sessions per EOD request: FMP caps EOD at 5,000 rows (docs/fmp.md#silent-range-caps); keep a margin. */
export const EOD_MAX_SESSIONS = 4_500;

/** Calendar days fetched for a series never loaded when no `--from` is given (to inclusive). */
export const DEFAULT_LOOKBACK_DAYS = 30;

export interface PlanInput {
  symbols: readonly string[];
  intervals: readonly IntradayInterval[];
  datasets: readonly Dataset[];
  /** First date wanted; default: after the watermark, or DEFAULT_LOOKBACK_DAYS before `to` for new series. */
  from?: IsoDate;
  /** Last date wanted, inclusive (normally the last completed session). */
  to: IsoDate;
  /**
   * Windows already stored (loaded or empty). For splits/dividends, `to` is the date the history was fetched as
   * of. The last `to` of a series is its watermark.
   */
  stored: readonly WindowKey[];
  /** Windows that failed for good in earlier runs; the parts not stored since are retried first. */
  failedWindows: readonly WindowKey[];
  /** Override of DEFAULT_WINDOW_DAYS (calendar days per intraday request). */
  windowDays?: Partial<Record<IntradayInterval, number>>;
}

export interface Plan {
  windows: PlannedWindow[];
  /** Sum of sessions over the windows. */
  sessions: number;
}

function seriesKey(dataset: Dataset, symbol: string, interval: WindowInterval): string {
  return `${dataset}|${symbol}|${interval}`;
}

type Range = [IsoDate, IsoDate];

/** [a, b] minus each of `holes`, as sorted disjoint ranges. */
export function subtractRanges(range: Range, holes: readonly Range[]): Range[] {
  let parts: Range[] = [range];
  for (const [hf, ht] of holes) {
    const next: Range[] = [];
    for (const [f, t] of parts) {
      if (ht < f || hf > t) {
        next.push([f, t]);
        continue;
      }
      if (hf > f) next.push([f, addDays(hf, -1)]);
      if (ht < t) next.push([addDays(ht, 1), t]);
    }
    parts = next;
  }
  return parts.sort((x, y) => (x[0] < y[0] ? -1 : 1));
}

/**
 * Cuts [from, to] into windows of at most `maxDays` calendar days and `maxSessions` sessions, each starting and
 * ending on a session. Greedy from the first session, which uses the fewest windows for a calendar-day cap.
 */
export function cutWindows(
  from: IsoDate,
  to: IsoDate,
  maxDays: number,
  maxSessions = Number.POSITIVE_INFINITY,
): Array<{ from: IsoDate; to: IsoDate; sessions: number }> {
  const sessions = sessionsBetween(from, to);
  const out: Array<{ from: IsoDate; to: IsoDate; sessions: number }> = [];
  let i = 0;
  while (i < sessions.length) {
    const start = sessions[i]!.date;
    const lastAllowed = Number.isFinite(maxDays) ? addDays(start, maxDays - 1) : '9999-12-31';
    let j = i;
    while (j + 1 < sessions.length && sessions[j + 1]!.date <= lastAllowed && j + 1 - i < maxSessions) j++;
    out.push({ from: start, to: sessions[j]!.date, sessions: j - i + 1 });
    i = j + 1;
  }
  return out;
}

/** Most calendar days and sessions of one request of a series. */
function windowSize(
  dataset: Dataset,
  interval: WindowInterval,
  overrides: PlanInput['windowDays'],
): [number, number] {
  if (dataset === 'eod_bars') return [Number.POSITIVE_INFINITY, EOD_MAX_SESSIONS];
  if (dataset !== 'bars' || interval === '') return [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  return [overrides?.[interval] ?? DEFAULT_WINDOW_DAYS[interval], Number.POSITIVE_INFINITY];
}

/** The windows a run must fetch: failed windows of earlier runs first, then what lies outside the stored ones. */
export function planWindows(input: PlanInput): Plan {
  const symbols = new Set(input.symbols);
  const storedBySeries = new Map<string, Range[]>();
  const lastBySeries = new Map<string, IsoDate>();
  for (const w of input.stored) {
    const key = seriesKey(w.dataset, w.symbol, w.interval);
    const ranges = storedBySeries.get(key);
    if (ranges) ranges.push([w.from, w.to]);
    else storedBySeries.set(key, [[w.from, w.to]]);
    const last = lastBySeries.get(key);
    if (last === undefined || w.to > last) lastBySeries.set(key, w.to);
  }
  const series: Array<{ dataset: Dataset; interval: WindowInterval }> = [];
  for (const dataset of input.datasets) {
    if (dataset === 'bars') for (const interval of input.intervals) series.push({ dataset, interval });
    else series.push({ dataset, interval: '' });
  }
  const wanted = new Set(series.map((s) => `${s.dataset}|${s.interval}`));
  const isEvent = (d: Dataset) => d === 'splits' || d === 'dividends';

  const retries: PlannedWindow[] = [];
  const failedBySeries = new Map<string, Range[]>();
  for (const f of input.failedWindows) {
    if (!symbols.has(f.symbol) || !wanted.has(`${f.dataset}|${f.interval}`)) continue;
    const key = seriesKey(f.dataset, f.symbol, f.interval);
    const stored = storedBySeries.get(key) ?? [];
    if (isEvent(f.dataset)) {
      const last = lastBySeries.get(key);
      if (last !== undefined && last >= f.to) continue;
      if (!failedBySeries.has(key))
        retries.push({ ...f, from: input.to, to: input.to, sessions: 0, retry: true });
      failedBySeries.set(key, [[f.from, f.to]]);
      continue;
    }
    // why: a retried window may have been stored in parts (a truncated answer is split), so retry what is missing.
    const missing = subtractRanges([f.from, f.to], [...stored, ...(failedBySeries.get(key) ?? [])]);
    failedBySeries.set(key, [...(failedBySeries.get(key) ?? []), [f.from, f.to]]);
    const [maxDays, maxSessions] = windowSize(f.dataset, f.interval, input.windowDays);
    for (const [from, to] of missing) {
      for (const w of cutWindows(from, to, maxDays, maxSessions)) {
        retries.push({ dataset: f.dataset, symbol: f.symbol, interval: f.interval, ...w, retry: true });
      }
    }
  }

  // why: every new series of a run usually wants the same range; cut it once, not once per symbol (30 years of a
  // 1,000-ticker universe would list ~8M sessions).
  const cuts = new Map<string, ReturnType<typeof cutWindows>>();
  const cutOnce = (f: IsoDate, t: IsoDate, maxDays: number, maxSessions: number) => {
    const key = `${f}|${t}|${maxDays}|${maxSessions}`;
    let cut = cuts.get(key);
    if (!cut) {
      cut = cutWindows(f, t, maxDays, maxSessions);
      cuts.set(key, cut);
    }
    return cut;
  };
  const fresh: PlannedWindow[] = [];
  for (const symbol of input.symbols) {
    for (const { dataset, interval } of series) {
      const key = seriesKey(dataset, symbol, interval);
      const last = lastBySeries.get(key);
      if (isEvent(dataset)) {
        // why: FMP serves the whole history of events in one call; fetch it once per `to` date.
        if ((last !== undefined && last >= input.to) || failedBySeries.has(key)) continue;
        fresh.push({ dataset, symbol, interval, from: input.to, to: input.to, sessions: 0, retry: false });
        continue;
      }
      const from = input.from ?? (last ? addDays(last, 1) : addDays(input.to, 1 - DEFAULT_LOOKBACK_DAYS));
      if (from > input.to) continue;
      const holes: Range[] = [...(failedBySeries.get(key) ?? []), ...(storedBySeries.get(key) ?? [])];
      const [maxDays, maxSessions] = windowSize(dataset, interval, input.windowDays);
      for (const [f, t] of subtractRanges([from, input.to], holes)) {
        for (const w of cutOnce(f, t, maxDays, maxSessions)) {
          fresh.push({ dataset, symbol, interval, ...w, retry: false });
        }
      }
    }
  }
  // why: date-major order keeps each load batch within a few days, so the merge's anti-join only touches the newest
  // part of the bars table (DuckDB prunes by min/max of bar_start_at) instead of all of it.
  fresh.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const windows = [...retries, ...fresh];
  return { windows, sessions: windows.reduce((n, w) => n + w.sessions, 0) };
}

/**
 * After a truncated response (FMP's caps keep the newest rows): the part of the window the response covered
 * whole, and the part to fetch again. `oldestDate` is the session of the oldest bar returned. The oldest session
 * may itself be cut, so it is fetched again, unless it is the window's last session (then it is kept, so the
 * remainder always shrinks).
 */
export function splitTruncatedWindow<W extends WindowKey>(
  window: W,
  oldestDate: IsoDate,
): { covered: { from: IsoDate; to: IsoDate }; remainder: { from: IsoDate; to: IsoDate } | undefined } {
  const sessions = sessionsBetween(window.from, window.to);
  const k = sessions.findIndex((s) => s.date >= oldestDate);
  if (k <= 0) return { covered: { from: window.from, to: window.to }, remainder: undefined };
  const last = sessions.length - 1;
  if (k === last)
    return {
      covered: { from: sessions[k]!.date, to: window.to },
      remainder: { from: window.from, to: sessions[k - 1]!.date },
    };
  return {
    covered: { from: sessions[k + 1]!.date, to: window.to },
    remainder: { from: window.from, to: sessions[k]!.date },
  };
}

/** Expected rows of a window (full sessions, regular hours; thin symbols have fewer). */
export function expectedRows(window: WindowKey): number {
  if (window.dataset === 'eod_bars') return sessionCount(window.from, window.to);
  const interval = window.interval;
  // splits and dividends: the whole history in one answer
  if (window.dataset !== 'bars' || interval === '') return 1;
  return sessionsBetween(window.from, window.to).reduce((n, s) => n + expectedBarCount(s, interval), 0);
}

/** Calendar days a window spans, inclusive. */
export function windowCalendarDays(window: WindowKey): number {
  return daysBetween(window.from, window.to) + 1;
}
