/**
 * Validated FMP data as the client hands it to the rest of the ETL (docs/fmp.md#bodies), the requests that ask for
 * it, and the client's interface (`createFmpClient` in fmp-client.ts makes one).
 * The client owns the zod schemas and parsers that produce these; transform and pipeline only consume them.
 */
import type { IntradayInterval } from '../core/intervals.ts';
import type { IsoDate } from '../core/time.ts';
import type { FmpClientStats } from './fmp-client-stats.ts';

/**
 * Intraday bars of one response, as validated columns in FMP's order (newest first).
 * why: columns, not objects, so the hot path never allocates one object per bar (docs/performance.md#fmp-client).
 */
export interface FmpIntradayColumns {
  length: number;
  /** FMP's label (bar start) as New York wall clock with its fields read as UTC: Date.UTC(y, m - 1, d, h, mi, s). */
  wallMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  /** Shares; integers in practice, but FMP may send floats. */
  volume: Float64Array;
}

export interface IntradayRequest {
  symbol: string;
  interval: IntradayInterval;
  /** First New York date, inclusive. */
  from: IsoDate;
  /** Last New York date, inclusive. */
  to: IsoDate;
  /** Pre- and post-market bars (04:00–19:59); FMP gates it to higher plans. Default false. */
  extended?: boolean;
  /** Raw prices, not split-adjusted. The warehouse stores raw prices, so the ETL sends true. */
  nonadjusted?: boolean;
  signal?: AbortSignal;
}

export interface FmpRequestOptions {
  signal?: AbortSignal;
}

export interface EodRequest {
  symbol: string;
  /** First date, inclusive. */
  from?: IsoDate;
  /** Last date, inclusive. */
  to?: IsoDate;
  /** Default `split-adjusted` (`historical-price-eod/full`); `non-split-adjusted` gives raw prices. */
  adjustment?: 'split-adjusted' | 'non-split-adjusted';
  signal?: AbortSignal;
}

/** One end-of-day bar (`historical-price-eod/full`, or `non-split-adjusted` mapped to the same names). */
export interface FmpEodBar {
  symbol: string;
  date: IsoDate;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap?: number;
}

export interface FmpSplit {
  symbol: string;
  /** Ex-date. */
  date: IsoDate;
  /** New shares per `denominator` old shares (a 4-for-1 split is 4 / 1; a 1-for-80 reverse split 1 / 80). */
  numerator: number;
  denominator: number;
}

export interface FmpDividend {
  symbol: string;
  /** Ex-dividend date. */
  date: IsoDate;
  recordDate: IsoDate | null;
  paymentDate: IsoDate | null;
  declarationDate: IsoDate | null;
  dividend: number;
  adjDividend: number;
  frequency: string | null;
}

export interface FmpQuote {
  symbol: string;
  price: number;
  volume: number;
  /** Unix seconds of the last trade FMP reports. */
  timestamp: number;
  [field: string]: unknown;
}

/** `exchange-market-hours`: the exchange's regular session as FMP states it (strings carry the current offset). */
export interface FmpMarketHours {
  exchange: string;
  name: string | null;
  /** e.g. `"09:30 AM -04:00"`. */
  openingHour: string;
  closingHour: string;
  /** IANA zone, e.g. `America/New_York`. */
  timezone: string;
  /** Regular session only (false in pre/post market). */
  isMarketOpen: boolean;
}

/** `holidays-by-exchange`: a closed day (`isClosed: true`) or an early close (`adjCloseTime: "13:00"`). */
export interface FmpHoliday {
  exchange: string;
  date: IsoDate;
  name: string;
  isClosed: boolean | null;
  /** Exchange-local `HH:MM`, or null. */
  adjOpenTime: string | null;
  adjCloseTime: string | null;
}

/** `stock-list`: every symbol FMP knows, as FMP spells it (not normalised). */
export interface FmpStockListEntry {
  symbol: string;
  companyName: string | null;
}

// why: the interface sits beside the data types it returns, so that they are listed here and in the schemas only.
export interface FmpClient {
  /** Intraday bars of one symbol and date window, newest first as FMP sends them. `[]` gives `length: 0`. */
  intradayBars(req: IntradayRequest): Promise<FmpIntradayColumns>;
  eodBars(req: EodRequest): Promise<FmpEodBar[]>;
  splits(symbol: string, options?: FmpRequestOptions): Promise<FmpSplit[]>;
  dividends(symbol: string, options?: FmpRequestOptions): Promise<FmpDividend[]>;
  quote(symbol: string, options?: FmpRequestOptions): Promise<FmpQuote[]>;
  /** One request for many symbols (`batch-quote?symbols=A,B`). */
  batchQuote(symbols: string[], options?: FmpRequestOptions): Promise<FmpQuote[]>;
  marketHours(exchange: string, options?: FmpRequestOptions): Promise<FmpMarketHours[]>;
  holidays(
    exchange: string,
    range?: { from?: IsoDate; to?: IsoDate },
    options?: FmpRequestOptions,
  ): Promise<FmpHoliday[]>;
  stockList(options?: FmpRequestOptions): Promise<FmpStockListEntry[]>;
  stats(): FmpClientStats;
  /** Closes the connection pool and releases this client's share of the key's limiter. */
  close(): Promise<void>;
}
