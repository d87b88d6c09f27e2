/**
 * The plan's window keys ↔ the warehouse's. The CLI names datasets as the data lead thinks of them (intraday,
 * daily, splits, dividends); the warehouse names them after its tables (bars, eod_bars, splits, dividends) and
 * gives non-intraday windows an empty interval.
 */
import { isIntradayInterval } from '../core/intervals.ts';
import type { Dataset as StoreDataset, WindowKey as StoreWindowKey } from '../load/etl-ledger.ts';
import type { Dataset, WindowKey } from './plan.ts';

const TO_STORE: Record<Dataset, StoreDataset> = {
  intraday: 'bars',
  daily: 'eod_bars',
  splits: 'splits',
  dividends: 'dividends',
};

export function toStoreKey(w: WindowKey): StoreWindowKey {
  return {
    dataset: TO_STORE[w.dataset],
    symbol: w.symbol,
    interval: w.dataset === 'intraday' ? w.interval : '',
    from: w.from,
    to: w.to,
  };
}

/** The plan's key of a stored window, or undefined for a key the plan does not know. */
export function fromStoreKey(k: StoreWindowKey): WindowKey | undefined {
  const base = { symbol: k.symbol, from: k.from, to: k.to };
  switch (k.dataset) {
    case 'bars':
      return isIntradayInterval(k.interval)
        ? { ...base, dataset: 'intraday', interval: k.interval }
        : undefined;
    case 'eod_bars':
      return { ...base, dataset: 'daily', interval: '1day' };
    case 'splits':
      return { ...base, dataset: 'splits', interval: 'event' };
    case 'dividends':
      return { ...base, dataset: 'dividends', interval: 'event' };
    default:
      return undefined;
  }
}
