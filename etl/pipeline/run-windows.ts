/**
 * The run loop: fetches planned windows concurrently and hands them to one loader, with bounded memory.
 * why: fetching is concurrent (the client's limiter decides the pace) but DuckDB has one writer; a bounded
 * number of fetched-but-unloaded windows is the backpressure that keeps RSS flat whatever the plan's size.
 */
import { setMaxListeners } from 'node:events';
import { type Clock, systemClock } from '../core/clock.ts';
import type { PlannedWindow } from './plan.ts';

/** What to do after a fetch failed for good (the client has already retried). */
export type FailureAction =
  /** The whole run cannot go on (bad key, bandwidth exhausted): stop fetching, keep what was loaded. */
  | 'stop'
  /** The symbol is not in the plan: record this window, skip the symbol's other windows. */
  | 'skip-symbol'
  /** The endpoint is not in the plan: record this window, skip every window of its dataset and interval. */
  | 'disable-endpoint'
  /** Only this window failed: record it; the next run retries it first. */
  | 'fail-window';

/** A fetched window ready to load. `window` may be narrower than the planned one when the answer was truncated. */
export interface Fetched<P> {
  window: PlannedWindow;
  payload: P;
}

/** What a fetch produced: windows to load and windows to fetch again first (the rest of a truncated answer). */
export interface FetchOutcome<P> {
  load: Fetched<P>[];
  requeue?: PlannedWindow[];
}

export type WindowEvent =
  | { kind: 'loaded'; window: PlannedWindow; rows: number }
  | { kind: 'empty'; window: PlannedWindow }
  | { kind: 'failed'; window: PlannedWindow; error: unknown; action: FailureAction }
  | { kind: 'skipped'; window: PlannedWindow; reason: string }
  | { kind: 'split'; window: PlannedWindow; requeued: PlannedWindow[] };

export interface RunWindowsOptions<P> {
  windows: readonly PlannedWindow[];
  fetch(window: PlannedWindow, signal: AbortSignal): Promise<FetchOutcome<P>>;
  /** Loads fetched windows in one go and returns the rows stored per item (0: empty). Called one at a time. */
  load(items: Fetched<P>[]): Promise<number[]>;
  /** Records a window that failed for good. Called on the loader's turn, never concurrently with `load`. */
  recordFailure(window: PlannedWindow, error: unknown): Promise<void>;
  classify(error: unknown): FailureAction;
  /** Fetches in flight at most. */
  maxInFlight: number;
  /** Fetched windows waiting for the loader at most (with those in flight); the memory bound. */
  maxBuffered: number;
  /** Most windows per load call. Default 64. */
  maxPerLoad?: number;
  /**
   * Fewest windows per load call while more can still arrive (a last, smaller batch ends the run). Default 1.
   * why: a DuckDB commit under one row group (122,880 rows) is kept in memory and logged to the WAL, then
   * compressed again by a checkpoint; waiting for a full batch writes it once, straight into the table file.
   * Must not exceed maxBuffered − maxInFlight, or the loader would wait for windows the buffer cannot hold.
   */
  minPerLoad?: number;
  /**
   * How long the oldest fetched window may wait for a batch of minPerLoad to fill, ms. Default 1000.
   * why: a rate-limited run fetches a few windows a second; they are loaded (and shown as done) within a second
   * rather than held until the batch fills.
   */
  maxFillWaitMs?: number;
  /** Time for the fill wait. Default the system clock; tests drive a ManualClock. */
  clock?: Clock;
  onEvent?(event: WindowEvent): void;
  signal?: AbortSignal;
}

export interface RunWindowsResult {
  /** The error that stopped the run early, if any. */
  stoppedBy: unknown;
  failed: Array<{ window: PlannedWindow; error: unknown }>;
}

/** `at`: the clock's time when the item was fetched (how long it has waited for the loader). */
type LoaderItem<P> =
  | { kind: 'load'; item: Fetched<P>; at: number }
  | { kind: 'fail'; window: PlannedWindow; error: unknown };

export async function runWindows<P>(options: RunWindowsOptions<P>): Promise<RunWindowsResult> {
  const queue: PlannedWindow[] = [...options.windows];
  const pending: LoaderItem<P>[] = [];
  const failed: RunWindowsResult['failed'] = [];
  const abort = new AbortController();
  // why: every fetch in flight listens on this one signal; the default cap of 10 listeners would warn.
  setMaxListeners(0, abort.signal);
  const onOuterAbort = () => {
    if (stoppedBy === undefined) stoppedBy = options.signal?.reason ?? new Error('aborted');
    abort.abort(stoppedBy);
    notify();
  };
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const skippedSymbols = new Set<string>();
  const disabled = new Set<string>();
  const maxPerLoad = options.maxPerLoad ?? 64;
  const minPerLoad = Math.min(options.minPerLoad ?? 1, maxPerLoad);
  if (minPerLoad > options.maxBuffered - options.maxInFlight && minPerLoad > 1)
    throw new RangeError(
      `minPerLoad ${minPerLoad} exceeds maxBuffered ${options.maxBuffered} − maxInFlight ${options.maxInFlight}`,
    );
  let inFlight = 0;
  let loading = 0;
  let stoppedBy: unknown;
  let loaderError: unknown;
  let waiters: Array<() => void> = [];
  const notify = () => {
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  };
  const waitForChange = () => new Promise<void>((resolve) => waiters.push(resolve));
  const clock = options.clock ?? systemClock;
  const waitForChangeAtMost = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = new AbortController();
      clock.sleep(Math.max(0, ms), timer.signal).then(notify, () => {});
      waiters.push(() => {
        timer.abort();
        resolve();
      });
    });
  const maxFillWaitMs = options.maxFillWaitMs ?? 1000;

  const seriesKey = (w: PlannedWindow) => `${w.dataset}|${w.interval}`;
  const skipReason = (w: PlannedWindow): string | undefined => {
    if (skippedSymbols.has(w.symbol)) return `symbol ${w.symbol} is not available on this plan`;
    if (disabled.has(seriesKey(w)))
      return `endpoint for ${w.dataset}${w.interval ? ` ${w.interval}` : ''} is not available on this plan`;
    return undefined;
  };

  const startFetch = (window: PlannedWindow) => {
    inFlight++;
    options
      .fetch(window, abort.signal)
      .then(
        (outcome) => {
          const at = clock.now();
          for (const item of outcome.load) pending.push({ kind: 'load', item, at });
          if (outcome.requeue && outcome.requeue.length > 0) {
            queue.unshift(...outcome.requeue);
            options.onEvent?.({ kind: 'split', window, requeued: outcome.requeue });
          }
        },
        (error: unknown) => {
          if (abort.signal.aborted && stoppedBy !== undefined) return;
          const action = options.classify(error);
          if (action === 'stop') {
            if (stoppedBy === undefined) stoppedBy = error;
            abort.abort(error);
            return;
          }
          if (action === 'skip-symbol') skippedSymbols.add(window.symbol);
          if (action === 'disable-endpoint') disabled.add(seriesKey(window));
          pending.push({ kind: 'fail', window, error });
          options.onEvent?.({ kind: 'failed', window, error, action });
        },
      )
      .finally(() => {
        inFlight--;
        notify();
      });
  };

  const loader = (async () => {
    for (;;) {
      if (pending.length === 0) {
        if (inFlight === 0 && (queue.length === 0 || stoppedBy !== undefined || loaderError !== undefined))
          return;
        await waitForChange();
        continue;
      }
      const mayGrow =
        inFlight > 0 || (queue.length > 0 && stoppedBy === undefined && loaderError === undefined);
      const first = pending[0]!;
      const waitedMs = first.kind === 'load' ? clock.now() - first.at : Number.POSITIVE_INFINITY;
      if (
        mayGrow &&
        pending.length < minPerLoad &&
        waitedMs < maxFillWaitMs &&
        pending.every((p) => p.kind === 'load')
      ) {
        await waitForChangeAtMost(maxFillWaitMs - waitedMs);
        continue;
      }
      const batch: Fetched<P>[] = [];
      while (pending.length > 0 && batch.length < maxPerLoad) {
        const next = pending[0]!;
        if (next.kind === 'fail') {
          if (batch.length > 0) break;
          pending.shift();
          await options.recordFailure(next.window, next.error);
          failed.push({ window: next.window, error: next.error });
          notify();
          continue;
        }
        pending.shift();
        batch.push(next.item);
      }
      if (batch.length === 0) continue;
      loading = batch.length;
      const rows = await options.load(batch);
      loading = 0;
      batch.forEach((item, i) => {
        const n = rows[i] ?? 0;
        options.onEvent?.(
          n > 0 ? { kind: 'loaded', window: item.window, rows: n } : { kind: 'empty', window: item.window },
        );
      });
      notify();
    }
  })().catch((error: unknown) => {
    loaderError = error;
    abort.abort(error);
    notify();
  });

  try {
    while (stoppedBy === undefined && loaderError === undefined) {
      while (
        queue.length > 0 &&
        inFlight < options.maxInFlight &&
        inFlight + pending.length + loading < options.maxBuffered
      ) {
        const window = queue.shift()!;
        const reason = skipReason(window);
        if (reason) {
          options.onEvent?.({ kind: 'skipped', window, reason });
          continue;
        }
        startFetch(window);
      }
      if (queue.length === 0 && inFlight === 0) break;
      await waitForChange();
    }
    notify();
    await loader;
    // why: the fetches aborted by a stop have settled by now (inFlight is 0 before the loader returns).
    if (loaderError !== undefined) throw loaderError;
    return { stoppedBy, failed };
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}
